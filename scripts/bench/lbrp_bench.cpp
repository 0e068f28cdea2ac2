// lbrp benchmark, every figure next to Linux's measured in the same run on
// the same namespaces and veths. This kernel has no IPVS, so the Linux
// load balancers are the two kube-proxy uses without it, in a router
// namespace between client and backends:
//   - iptables (legacy) in kube-proxy's shape: nat PREROUTING ->
//     KUBE-SERVICES -> per-service chain of `statistic --mode random`
//     rules -> per-endpoint DNAT chains;
//   - nftables: one DNAT rule with `numgen random mod 3` over a map.
// lbrp sits on the link itself (a wire that balances: no routing), so
// Linux also routes while lbrp does not; the Linux router without any
// DNAT is printed too, so the share of each is visible.
//  1. packets/s of 64-byte UDP to the virtual IP on 64 established flows
//     (sessions made by the warm-up), 3 backends, the backend namespace
//     dropping at its tc ingress (the balancer is what is measured);
//  2. new TCP connections/s to the virtual IP (connect, accept, RST).
//
//   pcn-bench-lbrp [seconds]     (default 3)
#include <arpa/inet.h>
#include <net/if.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <thread>

#include <spdlog/spdlog.h>

#include "flood.h"
#include "frames.h"
#include "lbrp.h"
#include "lbrp_sink_bpf.h"
#include "polycube/mac.h"
#include "polycube/maglev.h"
#include "polycube/netdev.h"
#include "polycube/runtime.h"
#include "testnet.h"

using namespace polycube;
using namespace polycube::services;
using namespace pcntest;

namespace {

const char *kMacA = "02:00:00:00:98:01";
const char *kVip = "10.96.0.10";
const int kFlows = 64;

using pcnbench::Rate;

// 64-byte UDP from a to the virtual IP, port 53, from source ports
// `sport`.. (each measurement its own flows: a flow's NAT decision is made
// at its first packet), `seconds` long after a warm-up that opens them.
Rate udp_rate(TestNet &net, const std::string &gw_mac, uint16_t sport, double seconds) {
  std::vector<std::string> frames;
  for (int i = 0; i < kFlows; i++)
    frames.push_back(udp_frame(mac(gw_mac), mac(kMacA), ip("10.98.1.2"), ip(kVip), uint16_t(sport + i), 53, 64));
  return pcnbench::flood_and_count(net, "a", "b", frames, seconds);
}

// b drops IPv4 at its tc ingress while `f` runs.
template <class F>
Rate with_sink(TestNet &net, F f) {
  return pcnbench::with_tc_sink(net, "b", lbrp_sink_bpf().tc, f);
}

const char *kBackendsLinux[] = {"10.98.2.11", "10.98.2.12", "10.98.2.13"};
const char *kBackendsLbrp[] = {"10.98.1.11", "10.98.1.12", "10.98.1.13"};

// kube-proxy's iptables shape for the UDP 53 and TCP 80 services.
std::string iptables_rules() {
  std::string r = "*nat\n:PREROUTING ACCEPT [0:0]\n:INPUT ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n:POSTROUTING ACCEPT [0:0]\n"
                  ":KUBE-SERVICES - [0:0]\n";
  std::string chains, rules = "-A PREROUTING -j KUBE-SERVICES\n";
  for (const char *proto : {"udp", "tcp"}) {
    std::string port = std::string(proto) == "udp" ? "53" : "80", svc = std::string("KUBE-SVC-") + proto;
    chains += ":" + svc + " - [0:0]\n";
    rules += "-A KUBE-SERVICES -d " + std::string(kVip) + "/32 -p " + proto + " --dport " + port + " -j " + svc + "\n";
    for (int i = 0; i < 3; i++) {
      std::string sep = svc + "-SEP" + std::to_string(i);
      chains += ":" + sep + " - [0:0]\n";
      const char *prob = i == 0 ? "0.33333333349" : "0.50000000000";
      if (i < 2) rules += "-A " + svc + " -m statistic --mode random --probability " + prob + " -j " + sep + "\n";
      else rules += "-A " + svc + " -j " + sep + "\n";
      rules += "-A " + sep + " -p " + proto + " -j DNAT --to-destination " + kBackendsLinux[i] + ":" + port + "\n";
    }
  }
  return r + chains + rules + "COMMIT\n";
}

std::string nft_rules() {
  std::string map = "{ 0 : 10.98.2.11, 1 : 10.98.2.12, 2 : 10.98.2.13 }";
  return "table ip lbbench {\n chain pre {\n  type nat hook prerouting priority dstnat;\n"
         "  ip daddr " + std::string(kVip) + " udp dport 53 dnat to numgen random mod 3 map " + map + "\n"
         "  ip daddr " + std::string(kVip) + " tcp dport 80 dnat to numgen random mod 3 map " + map + "\n }\n}\n";
}

void print(const std::string &what, const Rate &r, const Rate *base, const char *base_name) {
  std::printf("%-44s sent %9.0f pps  received %9.0f pps", what.c_str(), r.sent, r.rx);
  if (base && base->rx > 0) std::printf("  ratio vs %s %.2f", base_name, r.rx / base->rx);
  std::printf("\n");
}

// Maglev table build time (65,537 positions), best of 5: no Linux
// equivalent (iptables and nftables pick at random per connection);
// the goals are printed beside it.
void maglev_build_times() {
  std::printf("== Maglev table build (%u positions), best of 5\n", PCN_MAGLEV_SIZE);
  for (auto [n, goal] : {std::pair{100, 10.0}, std::pair{1000, 50.0}}) {
    std::vector<maglev::Endpoint> eps;
    for (int i = 0; i < n; i++) eps.push_back({uint64_t(i), 1, uint16_t(i)});
    double best = 1e9;
    for (int k = 0; k < 5; k++) {
      auto t0 = std::chrono::steady_clock::now();
      auto t = maglev::build(eps);
      best = std::min(best, std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
      if (t.size() != PCN_MAGLEV_SIZE) std::abort();
    }
    std::printf("%4d backends: %.2f ms (goal < %.0f ms)\n", n, best, goal);
  }
  std::printf("\n");
}

int run(double seconds) {
  maglev_build_times();
  TestNet net;
  net.add_ns("a");
  net.add_ns("b");
  net.add_ns("r");
  std::string va = net.add_host("a", "va", "10.98.1.2/24", kMacA);
  std::string vb = net.add_host("b", "vb", "");
  net.in("a", "ip route add 10.96.0.0/12 via 10.98.1.1");

  // Linux: va and vb in router namespace r; b's backends behind it.
  std::string r = net.ns("r");
  sh("ip link set " + va + " netns " + r);
  sh("ip link set " + vb + " netns " + r);
  for (const std::string &c : {"ip addr add 10.98.1.1/24 dev " + va, "ip addr add 10.98.2.1/24 dev " + vb,
                               "ip link set " + va + " up", "ip link set " + vb + " up", std::string("ip link set lo up"),
                               std::string("sysctl -qw net.ipv4.ip_forward=1")})
    net.in("r", c);
  net.in("b", "ip addr add 10.98.2.2/24 dev eth0");
  for (const char *b : kBackendsLinux) net.in("b", std::string("ip addr add ") + b + "/24 dev eth0");
  net.in("b", "ip route add default via 10.98.2.1");
  std::string lgw = net.in_out("r", "cat /sys/class/net/" + va + "/address");
  net.in("a", "ping -c 1 -W 1 -q 10.98.2.2 >/dev/null");
  // Neighbours resolved before any flood: an ARP reply queued behind a
  // flood in the backlog is lost, and the DNAT'd flows would wait for it.
  for (const char *b : kBackendsLinux) net.in("r", std::string("ping -c 1 -W 1 -q ") + b + " >/dev/null");

  std::printf("== packets/s: 64-byte UDP to %s:53, %d established flows, 3 backends, b drops at tc ingress, %.0f s each\n",
              kVip, kFlows, seconds);
  net.in("r", "ip route add 10.96.0.0/12 via 10.98.2.2");  // the VIP unchanged goes to b too
  Rate fwd = with_sink(net, [&] { return udp_rate(net, lgw, 20000, seconds); });
  print("Linux router, no DNAT (to the VIP unchanged)", fwd, nullptr, "");
  std::string ipt = "/tmp/" + net.prefix() + "kube.rules";
  FILE *f = std::fopen(ipt.c_str(), "w");
  std::fputs(iptables_rules().c_str(), f);
  std::fclose(f);
  if (net.in("r", "iptables-legacy-restore < " + ipt) != 0) std::printf("iptables-legacy-restore refused the rules\n");
  Rate lin = with_sink(net, [&] { return udp_rate(net, lgw, 21000, seconds); });
  print("Linux router + iptables kube-proxy shape", lin, nullptr, "");
  std::printf("  DNAT rule hits: %s\n",
              net.in_out("r", "iptables-legacy -t nat -L KUBE-SERVICES -v -x -n | awk 'NR > 2 {printf \"%s \", $1}'").c_str());
  double lin_tcp = pcnbench::tcp_connect_rate(net.ns("a"), net.ns("b"), kVip, 80, seconds);
  net.in("r", "iptables-legacy -t nat -F");
  net.in("r", "iptables-legacy -t nat -X");
  std::string nft = "/tmp/" + net.prefix() + "lb.nft";
  f = std::fopen(nft.c_str(), "w");
  std::fputs(nft_rules().c_str(), f);
  std::fclose(f);
  Rate nfr = {0, 0};
  double nft_tcp = 0;
  if (net.in("r", "nft -f " + nft) == 0) {
    nfr = with_sink(net, [&] { return udp_rate(net, lgw, 22000, seconds); });
    print("Linux router + nftables numgen map", nfr, nullptr, "");
    nft_tcp = pcnbench::tcp_connect_rate(net.ns("a"), net.ns("b"), kVip, 80, seconds);
    net.in("r", "nft delete table ip lbbench");
  } else {
    std::printf("nftables: the ruleset did not load, skipped\n");
  }
  sh("rm -f " + ipt + " " + nft);
  std::printf("new TCP connections/s: Linux iptables %.0f, nftables %.0f\n", lin_tcp, nft_tcp);

  // lbrp: va and vb back to the root namespace; b is on the client's link.
  net.in("r", "ip link set " + va + " netns 1");
  net.in("r", "ip link set " + vb + " netns 1");
  sh("ip link set " + va + " up");
  sh("ip link set " + vb + " up");
  net.in("b", "ip route flush dev eth0");
  net.in("b", "ip addr flush dev eth0");
  net.in("b", "ip addr add 10.98.1.1/24 dev eth0");
  for (const char *b : kBackendsLbrp) net.in("b", std::string("ip addr add ") + b + "/24 dev eth0");
  std::string bmac = net.in_out("b", "cat /sys/class/net/eth0/address");
  net.in("a", "ip neigh flush dev eth0");

  std::printf("\n");
  for (Mode mode : {Mode::kTc, Mode::kXdpSkb}) {
    Runtime rt;
    auto lb = rt.create<Lbrp>("lb1", mode);
    lb->set_log_level("WARN");
    lb->add_port("fe", va);
    lb->add_port("be", vb);
    lbrp::Config c;
    c.frontend = {{"fe", true}, {"be", false}};
    for (auto [proto, port] : {std::pair{lbrp::Proto::kUdp, 53}, std::pair{lbrp::Proto::kTcp, 80}}) {
      lbrp::Service s;
      for (const char *b : kBackendsLbrp) s.backends[ip(b)] = lbrp::Backend{ip(b), uint16_t(port), 1};
      c.services[{ip(kVip), uint16_t(port), proto}] = s;
    }
    lb->apply(c);
    net.in("a", "ping -c 1 -W 1 -q 10.98.1.1 >/dev/null");
    Rate lr = with_sink(net, [&] { return udp_rate(net, bmac, 23000, seconds); });
    std::string m = to_string(mode);
    print("lbrp " + m + " vs iptables", lr, &lin, "iptables");
    if (nfr.rx > 0) print("lbrp " + m + " vs nftables", lr, &nfr, "nftables");
    std::printf("  sessions: %zu\n", lb->sessions().size());
    double tcp = pcnbench::tcp_connect_rate(net.ns("a"), net.ns("b"), kVip, 80, seconds);
    std::printf("%-44s %9.0f conn/s  ratio vs iptables %.2f", ("lbrp " + m + " new TCP connections").c_str(), tcp,
                lin_tcp > 0 ? tcp / lin_tcp : 0.0);
    if (nft_tcp > 0) std::printf("  vs nftables %.2f", tcp / nft_tcp);
    std::printf("\n");
    rt.delete_cube("lb1");
  }
  return 0;
}

}  // namespace

int main(int argc, char **argv) {
  double seconds = argc > 1 ? std::atof(argv[1]) : 3.0;
  spdlog::set_level(spdlog::level::warn);
  try {
    return run(seconds);
  } catch (const std::exception &e) {
    std::fprintf(stderr, "pcn-bench-lbrp: %s\n", e.what());
    return 1;
  }
}
