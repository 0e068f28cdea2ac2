// Firewall packets/s and ns/packet with N rules (the matching rule last),
// against iptables (legacy, linear rule walk) and nftables with the same
// rules, in the same run, on the same path: ns a -> simplebridge -> ns b.
// Our firewall sits on the bridge port towards b (EGRESS); iptables and
// nftables filter in b's INPUT hook. In every variant the last rule matches
// (src 10.99.0.1, UDP, dport 9) and drops; the N-1 rules before it are
// distinct source /32s that do not match. The generator is AF_PACKET
// sendmmsg in ns a; a veth delivers synchronously, so the sender's rate is
// bounded by the cost of the whole path, classification included.
//
//   pcn-bench-firewall [seconds per point] [sizes...]   (default 1; 10 100 1000 5000 10000 100000)
//   pcn-bench-firewall edits [count] [base rules]       (default 1000 edits on a 10000-rule chain)
//     a paced UDP stream a -> b accepted by rule 0 while `count` edits
//     (append/delete of rules on fields that come and go) are applied;
//     prints sent, received and the time per edit.
#include <fcntl.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <thread>
#include <vector>

#include <spdlog/spdlog.h>

#include "firewall.h"
#include "flood.h"
#include "frames.h"
#include "polycube/runtime.h"
#include "simplebridge.h"
#include "testnet.h"
#include "udpflow.h"

using namespace polycube;
using namespace polycube::services;
using namespace pcntest;

namespace {

const char *kMacA = "02:00:00:00:06:01";
const char *kMacB = "02:00:00:00:06:02";

std::string other_src(size_t i);

// `spread` > 1: the 64 frames of a batch come from `spread` sources spread
// evenly over the non-matching rules' sources (each then matches its rule).
uint64_t generate(const std::string &ns, double seconds, size_t spread = 0) {
  const int kBatch = 64;
  std::vector<std::string> frames;
  for (int i = 0; i < kBatch; i++) {
    uint32_t src = ip("10.99.0.1");
    if (spread > 1) src = ip(other_src((i * (spread - 1)) / kBatch).c_str());
    frames.push_back(udp_frame(mac(kMacB), mac(kMacA), src, ip("10.99.0.2"), 9, 9, 64));
  }
  return pcnbench::flood(ns, frames, seconds);
}

double pps(TestNet &net, double seconds, size_t spread = 0, const std::string &sender = "a") {
  generate(net.ns(sender), 0.2, spread);
  return generate(net.ns(sender), seconds, spread) / seconds;
}

std::string other_src(size_t i) {
  return "172." + std::to_string(16 + (i >> 16)) + "." + std::to_string((i >> 8) & 255) + "." + std::to_string(i & 255);
}

double seconds_of(const std::function<void()> &f) {
  auto t0 = std::chrono::steady_clock::now();
  f();
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

// Loads the rules into ns b; returns the load time in seconds.
double load_iptables(TestNet &net, size_t n, const std::string &file) {
  {
    std::ofstream o(file);
    o << "*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n";
    for (size_t i = 0; i + 1 < n; i++) o << "-A INPUT -s " << other_src(i) << "/32 -j DROP\n";
    o << "-A INPUT -s 10.99.0.1/32 -p udp --dport 9 -j DROP\nCOMMIT\n";
  }
  return seconds_of([&] { net.in("b", "iptables-legacy-restore < " + file); });
}

double load_nft(TestNet &net, size_t n, const std::string &file) {
  {
    std::ofstream o(file);
    o << "flush ruleset\ntable ip pcnbench {\n chain input {\n  type filter hook input priority 0; policy accept;\n";
    for (size_t i = 0; i + 1 < n; i++) o << "  ip saddr " << other_src(i) << " drop\n";
    o << "  ip saddr 10.99.0.1 udp dport 9 drop\n }\n}\n";
  }
  return seconds_of([&] { net.in("b", "nft -f " + file); });
}

fw::Config fw_rules(size_t n) {
  fw::Config c;
  auto &rules = c.chains[FW_EGRESS].rules;
  for (size_t i = 0; i + 1 < n; i++) rules.push_back(fw::parse_rule({{"src", other_src(i) + "/32"}, {"action", "DROP"}}));
  rules.push_back(fw::parse_rule({{"src", "10.99.0.1/32"}, {"l4proto", "UDP"}, {"dport", "9"}, {"action", "DROP"}}));
  return c;
}

}  // namespace

int edits_bench(TestNet &net, Runtime &rt, int count, size_t base) {
  auto fw = rt.create<Firewall>("fw1", Mode::kTc);
  rt.attach("fw1", "sb1:p2");
  fw::Config c = fw_rules(base);  // EGRESS: the last rule drops the bench's port 9
  c.chains[FW_EGRESS].rules.insert(c.chains[FW_EGRESS].rules.begin(),
                                   fw::parse_rule({{"src", "10.99.0.1/32"}, {"l4proto", "UDP"}, {"dport", "7000"}, {"action", "ACCEPT"}}));
  c.chains[FW_EGRESS].default_action = FW_A_DROP;
  fw->apply(c);
  const char *extra[] = {"dst", "sport", "tcpflags", "conntrack", "dport"};
  UdpFlow flow(net.ns("a"), net.ns("b"), "10.99.0.2", 7000, 100000000, 200);
  flow.start();
  auto t0 = std::chrono::steady_clock::now();
  for (int i = 0; i < count; i++) {
    fw::Config next = c;
    if (i % 2 == 0) {
      nlohmann::json j = {{"action", "DROP"}};
      std::string f = extra[(i / 2) % 5];
      if (f == "dst") j["dst"] = "10.77.0.0/16";
      if (f == "sport") j = {{"l4proto", "TCP"}, {"sport", "1000-2000"}, {"action", "DROP"}};
      if (f == "tcpflags") j = {{"l4proto", "TCP"}, {"tcpflags", "SYN"}, {"action", "DROP"}};
      if (f == "conntrack") j["conntrack"] = "INVALID";
      if (f == "dport") j = {{"l4proto", "UDP"}, {"dport", "9999"}, {"action", "DROP"}};
      next.chains[FW_EGRESS].rules.insert(next.chains[FW_EGRESS].rules.begin() + 1, fw::parse_rule(j));
    }
    fw->apply(next);
  }
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  flow.stop_sending();
  flow.finish(1000);
  uint64_t counted = fw->counters(FW_EGRESS)[0].pkts;
  std::printf("%d edits on a %zu-rule chain in %.2f s (%.2f ms per edit, blocks loaded and removed as fields come and go)\n",
              count, base + 1, secs, secs * 1000 / count);
  std::printf("UDP stream accepted by rule 0 meanwhile: sent %lu, received %lu, lost %ld, counted by the rule %lu\n",
              (unsigned long)flow.sent(), (unsigned long)flow.received(), (long)(flow.sent() - flow.received()),
              (unsigned long)counted);
  rt.detach("fw1", "sb1:p2");
  return flow.sent() == flow.received() ? 0 : 1;
}

int main(int argc, char **argv) {
  bool edits = argc > 1 && std::string(argv[1]) == "edits";
  if (edits) {
    spdlog::set_level(spdlog::level::warn);
    TestNet net;
    net.add_ns("a");
    net.add_ns("b");
    std::string va = net.add_host("a", "va", "10.99.0.1/24", kMacA);
    std::string vb = net.add_host("b", "vb", "10.99.0.2/24", kMacB);
    for (const char *n : {"a", "b"}) net.in(n, "sysctl -qw net.ipv6.conf.all.disable_ipv6=1");
    Runtime rt;
    auto sb = rt.create<SimpleBridge>("sb1", Mode::kTc);
    sb->add_port("p1", va);
    sb->add_port("p2", vb);
    net.in("b", "ping -c 1 -W 1 -q 10.99.0.1 >/dev/null");
    return edits_bench(net, rt, argc > 2 ? std::atoi(argv[2]) : 1000, argc > 3 ? std::strtoul(argv[3], nullptr, 10) : 10000);
  }
  double seconds = argc > 1 ? std::atof(argv[1]) : 1.0;
  std::vector<size_t> sizes;
  for (int i = 2; i < argc; i++) sizes.push_back(std::strtoul(argv[i], nullptr, 10));
  if (sizes.empty()) sizes = {10, 100, 1000, 5000, 10000, 100000};
  spdlog::set_level(spdlog::level::warn);
  TestNet net;
  net.add_ns("a");
  net.add_ns("b");
  std::string va = net.add_host("a", "va", "10.99.0.1/24", kMacA);
  std::string vb = net.add_host("b", "vb", "10.99.0.2/24", kMacB);
  for (const char *n : {"a", "b"}) net.in(n, "sysctl -qw net.ipv6.conf.all.disable_ipv6=1");
  net.in("b", "sysctl -qw net.ipv4.icmp_ratelimit=1000000");  // b answers few port-unreachables
  std::string file = "/tmp/" + net.prefix() + "rules";

  Runtime rt;
  auto sb = rt.create<SimpleBridge>("sb1", Mode::kTc);
  sb->add_port("p1", va);
  sb->add_port("p2", vb);
  net.in("b", "ping -c 1 -W 1 -q 10.99.0.1 >/dev/null");  // the bridge learns b
  double base = pps(net, seconds);
  std::printf("64-byte UDP a -> bridge -> b, %.1f s per point; the last rule matches and drops\n", seconds);
  std::printf("no filter: %.0f pps (%.0f ns/packet on the path)\n", base, 1e9 / base);
  // The same generator and receiver (b's address and MAC) across one veth
  // pair (flood.h): what each filter's row adds to. pps here is what the
  // generator got through, every stage running on its CPU.
  double bare = pcnbench::bare_path(net, {"10.99.0.2/24", kMacB}, [&](const std::string &s, const std::string &) {
                  return pcnbench::Rate{0, pps(net, seconds, 0, s)};
                }).rx;
  pcnbench::print_bare_row("bare path (one veth pair a -> b)", bare);
  pcnbench::print_added_row("no filter (bridge)", base, bare);
  std::printf("\n");
  struct Added {
    size_t n;
    double pcn, ipt, nft;
  };
  std::vector<Added> added_rows;
  std::printf("%8s | %10s %8s | %10s %8s | %10s %8s | %8s %8s | %9s %9s %9s\n", "rules", "pcn pps", "ns/pkt",
              "ipt pps", "ns/pkt", "nft pps", "ns/pkt", "ipt/pcn", "nft/pcn", "pcn load", "ipt load", "nft load");
  struct Row {
    size_t n;
    double pcn, ipt, nft;
  };
  std::vector<Row> spread_rows;
  for (size_t n : sizes) {
    // Ours.
    auto fw = rt.create<Firewall>("fw1", Mode::kTc);
    rt.attach("fw1", "sb1:p2");
    double pcn_load = seconds_of([&] { fw->apply(fw_rules(n)); });
    double pcn = pps(net, seconds);
    uint64_t hits = fw->counters(FW_EGRESS).back().pkts;
    double pcn_spread = n > 1 ? pps(net, seconds, n) : pcn;
    rt.detach("fw1", "sb1:p2");
    fw.reset();
    rt.delete_cube("fw1");
    if (hits == 0) std::fprintf(stderr, "warning: the firewall's last rule saw no packet\n");
    // iptables (legacy: the classic linear walk) in b.
    double ipt_load = load_iptables(net, n, file);
    double ipt = pps(net, seconds);
    double ipt_spread = n > 1 ? pps(net, seconds, n) : ipt;
    net.in("b", "iptables-legacy -F INPUT");
    // nftables in b.
    double nft_load = load_nft(net, n, file);
    double nft = pps(net, seconds);
    double nft_spread = n > 1 ? pps(net, seconds, n) : nft;
    net.in("b", "nft flush ruleset");
    spread_rows.push_back({n, pcn_spread, ipt_spread, nft_spread});
    added_rows.push_back({n, pcn, ipt, nft});
    std::printf("%8zu | %10.0f %8.0f | %10.0f %8.0f | %10.0f %8.0f | %8.2f %8.2f | %8.3fs %8.3fs %8.3fs\n", n, pcn,
                1e9 / pcn, ipt, 1e9 / ipt, nft, 1e9 / nft, (1e9 / ipt) / (1e9 / pcn), (1e9 / nft) / (1e9 / pcn),
                pcn_load, ipt_load, nft_load);
    std::fflush(stdout);
  }
  std::printf("\ntraffic spread over the rules (64 sources, each matching its own rule, evenly from the first to the last):\n");
  std::printf("%8s | %10s %8s | %10s %8s | %10s %8s | %8s %8s\n", "rules", "pcn pps", "ns/pkt", "ipt pps", "ns/pkt",
              "nft pps", "ns/pkt", "ipt/pcn", "nft/pcn");
  for (const auto &r : spread_rows)
    std::printf("%8zu | %10.0f %8.0f | %10.0f %8.0f | %10.0f %8.0f | %8.2f %8.2f\n", r.n, r.pcn, 1e9 / r.pcn, r.ipt,
                1e9 / r.ipt, r.nft, 1e9 / r.nft, r.pcn / r.ipt, r.pcn / r.nft);
  std::printf("\nns/packet added over the bare path, the last rule matching (iptables and nftables filter in b's\n"
              "INPUT, behind b's stack; ours before the bridge hands the frame to b):\n");
  for (const auto &r : added_rows) {
    std::string n = std::to_string(r.n) + " rules";
    pcnbench::print_added_row("iptables, " + n, r.ipt, bare);
    pcnbench::print_added_row("nftables, " + n, r.nft, bare);
    pcnbench::print_added_row("pcn firewall + bridge, " + n + " (vs ipt)", r.pcn, bare, r.ipt);
  }
  std::remove(file.c_str());
  std::printf("\nns/pkt = 1e9 / pps: the whole path per packet (sender, veth, bridge, filter).\n"
              "ipt/pcn, nft/pcn: how many times more time per packet than the pcn firewall.\n"
              "load: rules into the kernel (pcn: compile + map writes + swap; iptables-legacy-restore; nft -f).\n");
  return 0;
}
