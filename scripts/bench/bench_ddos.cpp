// DDoS drop rate: how many packets per second from blacklisted sources are
// dropped by ddosmitigator (XDP native, XDP generic, TC) and by nftables
// (a netdev ingress drop rule, and an inet prerouting one), on the same
// veth, with the same generator, in the same run, interleaved over rounds.
//
// The generator (AF_PACKET sendmmsg, PACKET_QDISC_BYPASS) runs in namespace
// a and sends 64-byte UDP frames from `entries` blacklisted sources to the
// host side of a's veth, which has no address and IPv4 forwarding off, so
// nothing that escapes a filter goes further (the "no filter" line measures
// that path: the packets die in the IP stack for want of a route). On veth the receive path runs
// on the sending CPU, so a cheaper drop means more packets per second.
// Each filter's own counter gives the drop rate.
//
// Everything runs twice: with that AF_PACKET generator, and with the XDP
// live-frames generator (xdp_flood.h: BPF_PROG_TEST_RUN redirecting into
// the veth, ~6 Mpps on one CPU), which is not the bottleneck of a drop.
// Each row also prints the ns/packet the filter adds over the bare path
// (the same generator across one veth pair whose far end drops at tc
// ingress, flood.h) and, for ddosmitigator, the ratio of its drops/s to
// nftables netdev ingress's (goal >= 2) and of its added cost to nft's.
//
//   pcn-bench-ddos [seconds per measure] [rounds] [entries]   (default 2 3 1)
//   entries = 1: one /16 prefix; N > 1: N /32 addresses (ddosmitigator
//   trie entries, an nftables interval set), the generator cycling over them.
#include <arpa/inet.h>
#include <fcntl.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <stdexcept>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <thread>

#include <spdlog/spdlog.h>

#include "ddosmitigator.h"
#include "flood.h"
#include "ddos_sink_bpf.h"
#include "xdp_flood.h"
#include "frames.h"
#include "polycube/netdev.h"
#include "polycube/runtime.h"
#include "progrun.h"
#include "testnet.h"

using namespace polycube;
using namespace polycube::services;
using namespace pcntest;

namespace {

const char *kMacA = "02:00:00:00:0d:01";
std::string g_nft_table;  // ours, removed on every way out
volatile sig_atomic_t g_stop = 0;  // SIGINT/SIGTERM: finish the current step and clean up

std::string source(uint32_t i) { return "10.200." + std::to_string((i >> 8) & 0xff) + "." + std::to_string(i & 0xff); }

// Sends frames from `ns`'s eth0 as fast as it can for `seconds`; returns
// how many the kernel accepted.
// Two generators: AF_PACKET sendmmsg (flood.h) and XDP live frames
// (xdp_flood.h, ~6 Mpps on one CPU here: not the bottleneck of a drop).
enum class Generator { kPacket, kXdp };
const char *to_string(Generator g) { return g == Generator::kPacket ? "AF_PACKET generator" : "XDP live-frames generator"; }

uint64_t generate(Generator g, const std::string &ns, const std::string &dst_mac, uint32_t sources, double seconds) {
  if (g == Generator::kXdp) {
    // One frame, its source address's low 16 bits counting through the
    // blacklisted sources (source(i) is 10.200.i/16: i itself) and the
    // IPv4 identification through 0xffff - i, which keeps the header
    // checksum right (the IP stack checks it before inet prerouting).
    const uint32_t kIpId = 14 + 4, kIpSrcLow = 14 + 12 + 2, kUdpCsum = 14 + 20 + 6;
    pcnbench::XdpFlows flows{sources == 1 ? 4096 : sources, kIpSrcLow, 0, kUdpCsum, kIpId};
    Packet p;
    p.eth(mac(dst_mac), mac(kMacA)).ipv4(ip(source(0)), ip("10.99.0.254")).with_udp(9, 9);
    p.ip4->id = 0xffff;
    p.udp->no_checksum = true;
    p.min_size = 64;
    return pcnbench::xdp_flood(ns, build(p), flows, seconds);
  }
  const uint32_t kFrames = std::max<uint32_t>(64, std::min<uint32_t>(sources, 4096));
  std::vector<std::string> frames;
  for (uint32_t i = 0; i < kFrames; i++)
    frames.push_back(udp_frame(mac(dst_mac), mac(kMacA), ip(source(i % sources)), ip("10.99.0.254"), 9, 9, 64));
  return pcnbench::flood(ns, frames, seconds, &g_stop);
}

uint64_t nft_counter(const std::string &family) {
  std::string out = sh_out("nft -j list table " + family + " " + g_nft_table);
  uint64_t pkts = 0;
  try {
    nlohmann::json all = nlohmann::json::parse(out);
    for (const auto &item : all["nftables"])
      if (item.contains("rule"))
        for (const auto &e : item["rule"]["expr"])
          if (e.contains("counter")) pkts += e["counter"]["packets"].get<uint64_t>();
  } catch (const std::exception &) {
  }
  return pkts;
}

void nft_remove() {
  if (!g_nft_table.empty()) sh("nft delete table netdev " + g_nft_table + " 2>/dev/null; nft delete table inet " + g_nft_table + " 2>/dev/null");
}

// nftables: one table holding the blacklist (a prefix, or a set of
// addresses) and a counted drop rule at the given hook.
void nft_install(const std::string &family, const std::string &dev, uint32_t entries) {
  std::string hook = family == "netdev" ? "type filter hook ingress device \"" + dev + "\" priority -500;"
                                        : "type filter hook prerouting priority -300; iifname \"" + dev + "\"";
  std::string rules = "table " + family + " " + g_nft_table + " {\n";
  if (entries > 1) {
    rules += "  set bl { type ipv4_addr; flags interval; elements = { ";
    for (uint32_t i = 0; i < entries; i++) rules += (i ? ", " : "") + source(i);
    rules += " } }\n";
  }
  rules += "  chain c { " + hook + " ip saddr " + (entries > 1 ? "@bl" : "10.200.0.0/16") + " counter drop; }\n}\n";
  std::string file = "/tmp/" + g_nft_table + ".nft";
  std::ofstream(file) << rules;
  int rc = sh("nft -f " + file);
  std::remove(file.c_str());
  if (rc != 0) throw std::runtime_error("nft -f failed");
}

// Best of three BPF_PROG_TEST_RUN runs of the netdev hook, ns per packet.
double ns_per_packet(const std::string &pin, Mode mode, uint32_t ifindex, const std::string &frame, uint32_t repeat) {
  double best = 1e9;
  for (int i = 0; i < 3; i++) {
    uint32_t d = 0;
    run_pinned(pin, mode, ifindex, frame, repeat, &d);
    best = std::min(best, static_cast<double>(d));
  }
  return best;
}

// The cost of each pipeline shape, per packet, through the real hook.
void per_packet_costs(Runtime &rt, const std::string &dev, uint32_t entries, const std::vector<std::string> &blacklist) {
  const uint32_t repeat = 1000000;
  uint32_t ifindex = netdev_ifindex(dev);
  std::string hit = udp_frame(mac("02:00:00:00:0d:02"), mac(kMacA), ip(source(entries - 1)), ip("10.99.0.254"), 9, 9, 64);
  std::string miss = udp_frame(mac("02:00:00:00:0d:02"), mac(kMacA), ip("10.99.0.1"), ip("10.99.0.254"), 9, 9, 64);
  std::printf("ns/packet through the netdev hook (BPF_PROG_TEST_RUN, repeat %u, best of 3):\n", repeat);
  for (Mode mode : {Mode::kXdpDrv, Mode::kTc}) {
    const char *m = is_xdp(mode) ? "XDP" : "TC";
    std::string hook = rt.pin_root() + (is_xdp(mode) ? "/hooks/xdp_ingress" : "/hooks/tc_ingress");
    auto dd = rt.create<DdosMitigator>("dd1", mode);
    dd->set_log_level("WARN");
    rt.attach("dd1", dev);
    double none = ns_per_packet(hook, mode, ifindex, miss, repeat);
    dd->set_blacklists(blacklist, {});
    double src_miss = ns_per_packet(hook, mode, ifindex, miss, repeat);
    double src_hit = ns_per_packet(hook, mode, ifindex, hit, repeat);
    dd->set_blacklists(blacklist, {"192.0.2.1"});
    double both_miss = ns_per_packet(hook, mode, ifindex, miss, repeat);
    rt.detach("dd1", dev);
    rt.delete_cube("dd1");
    std::printf("  %-4s no list (pass) %6.1f   src list: miss %6.1f  hit (drop) %6.1f   src+dst lists: miss %6.1f\n", m,
                none, src_miss, src_hit, both_miss);
  }
}

// How the cost of a drop grows with the entries: N host entries (exact-match
// hash), N /24 prefixes (one length: the (length, address) hash), and the
// same N /24 prefixes with five more lengths beside them (over DD_LEN_SLOTS
// lengths: the LPM trie); the hit is on the last /24 or host added.
void scaling(Runtime &rt, const std::string &dev) {
  const uint32_t repeat = 300000;
  uint32_t ifindex = netdev_ifindex(dev);
  auto dd = rt.create<DdosMitigator>("dd1", Mode::kXdpDrv);
  dd->set_log_level("WARN");
  rt.attach("dd1", dev);
  std::string hook = rt.pin_root() + "/hooks/xdp_ingress";
  auto cost = [&](const std::string &src) {
    return ns_per_packet(hook, Mode::kXdpDrv, ifindex,
                         udp_frame(mac("02:00:00:00:0d:02"), mac(kMacA), ip(src), ip("10.99.0.254"), 9, 9, 64), repeat);
  };
  std::printf("ns/packet of a drop (XDP) by number of entries:\n");
  std::printf("  %8s %14s %22s %26s\n", "entries", "hosts (hash)", "/24s (length hash)", "/24s + 5 lengths (trie)");
  for (uint32_t n : {1u, 100u, 1000u, 10000u, 65530u}) {
    std::vector<std::string> hosts, nets;
    for (uint32_t i = 0; i < n; i++) {
      std::string a = std::to_string(i >> 8 & 0xff) + "." + std::to_string(i & 0xff);
      hosts.push_back("10.1." + a);
      nets.push_back("11." + a + ".0/24");
    }
    uint32_t last = n - 1;
    std::string tail = std::to_string(last >> 8 & 0xff) + "." + std::to_string(last & 0xff);
    dd->set_blacklists(hosts, {});
    double host = cost("10.1." + tail);
    dd->set_blacklists(nets, {});
    double by_length = cost("11." + tail + ".1");
    for (const char *other : {"13.0.0.0/8", "14.0.0.0/9", "15.0.0.0/10", "16.0.0.0/11", "17.0.0.0/12"}) nets.push_back(other);
    dd->set_blacklists(nets, {});
    double trie = cost("11." + tail + ".1");
    std::printf("  %8u %14.1f %22.1f %26.1f\n", n, host, by_length, trie);
  }
  rt.detach("dd1", dev);
  rt.delete_cube("dd1");
}

struct Scenario {
  std::string name;
  std::function<void()> setup;
  std::function<uint64_t()> dropped;  // the filter's own counter
  std::function<void()> teardown;
};

}  // namespace

int main(int argc, char **argv) {
  double seconds = argc > 1 ? std::atof(argv[1]) : 2.0;
  int rounds = argc > 2 ? std::atoi(argv[2]) : 3;
  uint32_t entries = argc > 3 ? static_cast<uint32_t>(std::atoi(argv[3])) : 1;
  if (seconds <= 0 || rounds < 1 || entries < 1 || entries > 65536) {
    std::fprintf(stderr, "usage: pcn-bench-ddos [seconds>0] [rounds>=1] [entries 1..65536]\n");
    return 2;
  }
  spdlog::set_level(spdlog::level::warn);
  // A pin root of our own (scripts/cleanup.sh removes it if we die).
  setenv("PCN_PIN_ROOT", ("/sys/fs/bpf/pt" + std::to_string(getpid()) + "-pins").c_str(), 0);
  TestNet net;
  g_nft_table = net.prefix() + "ddos";
  std::replace(g_nft_table.begin(), g_nft_table.end(), '-', '_');
  struct NftCleanup {
    ~NftCleanup() { nft_remove(); }
  } nft_cleanup;  // runs after the loop below, also when it throws
  for (int sig : {SIGINT, SIGTERM}) signal(sig, [](int) { g_stop = 1; });
  net.add_ns("a");
  std::string va = net.add_host("a", "va", "10.99.0.1/24", kMacA);
  net.in("a", "sysctl -qw net.ipv6.conf.all.disable_ipv6=1");
  // Whatever a filter lets through dies here: no address, no forwarding.
  sh("sysctl -qw net.ipv4.conf." + va + ".forwarding=0 net.ipv6.conf." + va + ".disable_ipv6=1");
  std::string va_mac = sh_out("cat /sys/class/net/" + va + "/address");

  std::vector<std::string> blacklist;
  if (entries == 1)
    blacklist.push_back("10.200.0.0/16");
  else
    for (uint32_t i = 0; i < entries; i++) blacklist.push_back(source(i));

  Runtime rt;
  per_packet_costs(rt, va, entries, blacklist);
  if (entries == 1) scaling(rt, va);
  std::shared_ptr<DdosMitigator> dd;
  auto dd_scenario = [&](Mode mode) {
    return Scenario{std::string("ddosmitigator ") + to_string(mode),
                    [&, mode] {
                      dd = rt.create<DdosMitigator>("dd1", mode);
                      dd->set_log_level("WARN");
                      dd->set_blacklists(blacklist, {});
                      rt.attach("dd1", va);
                    },
                    [&] { return dd->stats().drop_pkts; },
                    [&] {
                      rt.detach("dd1", va);
                      dd.reset();
                      rt.delete_cube("dd1");
                    }};
  };
  auto nft_scenario = [&](const std::string &family, const std::string &label) {
    return Scenario{label, [&, family] { nft_install(family, va, entries); }, [family] { return nft_counter(family); },
                    [family] { sh("nft delete table " + family + " " + g_nft_table); }};
  };
  // Reference: no filter, the IP stack drops the packets (no route: the
  // veth has no address and does not forward). What a filter saves.
  auto rx_packets = [va] { return std::strtoull(sh_out("cat /sys/class/net/" + va + "/statistics/rx_packets").c_str(), nullptr, 10); };
  Scenario stack{"no filter (IP stack drops)", [] {}, rx_packets, [] {}};
  std::vector<Scenario> scenarios = {stack, dd_scenario(Mode::kXdpDrv), dd_scenario(Mode::kXdpSkb), dd_scenario(Mode::kTc),
                                     nft_scenario("netdev", "nftables netdev ingress"),
                                     nft_scenario("inet", "nftables inet prerouting")};

  auto median = [](std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
  };
  const polycube::EmbeddedObject sink = ddos_sink_bpf().tc;
  for (Generator gen : {Generator::kPacket, Generator::kXdp}) {
    std::printf("\n64-byte UDP frames from %s to the host side of a veth, %s, %.1f s x %d rounds (median), %s\n",
                entries == 1 ? "10.200.0.0/16 (one prefix blacklisted)"
                             : (std::to_string(entries) + " blacklisted /32 sources").c_str(),
                to_string(gen), seconds, rounds, "drops counted by each filter");
    // The XDP generator's frames reach va only through a NAPI (xdp_flood.h);
    // off again after, the AF_PACKET rows measure the path without it.
    bool xdp = gen == Generator::kXdp;
    if (xdp) sh("ethtool -K " + va + " gro on >/dev/null");
    // Bare path: the same generator and frames across one veth pair whose
    // far end drops everything at tc ingress (router_sink.bpf.c): the
    // cheapest drop after the veth, what every filter's cost adds to.
    const char *kBareMac = "02:00:00:00:0d:02";
    double bare = pcnbench::bare_path(net, {"", kBareMac, &sink, xdp}, [&](const std::string &snd, const std::string &rcv) {
                    uint64_t before = pcnbench::rx_packets(net, rcv);
                    auto t0 = std::chrono::steady_clock::now();
                    uint64_t sent = generate(gen, net.ns(snd), kBareMac, entries, seconds);
                    double took = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
                    std::this_thread::sleep_for(std::chrono::milliseconds(100));
                    return pcnbench::Rate{sent / took, (pcnbench::rx_packets(net, rcv) - before) / took};
                  }).rx;
    std::map<std::string, std::vector<double>> drop_pps, sent_pps;
    try {
      for (int r = 0; r < rounds && !g_stop; r++) {
        for (auto &s : scenarios) {
          s.setup();
          generate(gen, net.ns("a"), va_mac, entries, 0.2);  // warm-up
          uint64_t before = s.dropped();
          auto t0 = std::chrono::steady_clock::now();
          uint64_t sent = generate(gen, net.ns("a"), va_mac, entries, seconds);
          double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
          std::this_thread::sleep_for(std::chrono::milliseconds(100));  // NAPI / backlog drain
          uint64_t dropped = s.dropped() - before;
          s.teardown();
          drop_pps[s.name].push_back(dropped / elapsed);
          sent_pps[s.name].push_back(sent / elapsed);
        }
      }
    } catch (const std::exception &e) {
      std::fprintf(stderr, "pcn-bench-ddos: %s\n", e.what());
      return 1;
    }
    if (xdp) sh("ethtool -K " + va + " gro off >/dev/null");
    if (g_stop) return 130;
    double nft_netdev = median(drop_pps["nftables netdev ingress"]);
    pcnbench::print_bare_row("bare path (veth, tc drop program)", bare);
    // A negative "added" is a drop made before the bare path's own end: an
    // XDP program drops the frame before the veth builds an skb for TC.
    for (auto &s : scenarios) {
      double d = median(drop_pps[s.name]);
      bool ours = s.name.rfind("ddosmitigator", 0) == 0;
      pcnbench::print_added_row(s.name + " dropped", d, bare, ours ? nft_netdev : 0);
      std::printf("  drops/s ratio vs nftables netdev ingress %.2f%s (sent %.0f pps)\n", d / nft_netdev,
                  ours ? " (goal >= 2)" : "", median(sent_pps[s.name]));
    }
  }
  return 0;
}
