// NAT benchmark, every figure next to Linux's measured in the same run on
// the same namespaces and veths:
//  1. packets/s of 64-byte UDP through masquerade on established flows
//     (64 flows, sessions made by the warm-up): ns a -> router + nat -> ns b
//     (b drops at its tc ingress, so the forwarder is what is measured)
//     against a Linux router namespace with iptables MASQUERADE
//     (nf_conntrack), and against the router alone (what the NAT costs).
//     Each row also prints the ns/packet it adds over the bare path (the
//     same generator and sink across one veth pair, flood.h), and router +
//     nat the ratio of its added cost to Linux's.
//  2. new TCP connections/s through the NAT (connect, accept, close with a
//     RST: one session each) against the same Linux router.
//  3. memory per session and session-table capacity, next to what the
//     kernel reports for nf_conntrack.
//
//   pcn-bench-nat [seconds]     (default 3)
#include <arpa/inet.h>
#include <fcntl.h>
#include <net/if.h>
#include <poll.h>
#include <sched.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <thread>

#include <spdlog/spdlog.h>

#include "bench_util.h"
#include "flood.h"
#include "frames.h"
#include "nat.h"
#include "nat_sink_bpf.h"
#include "polycube/mac.h"
#include "polycube/netdev.h"
#include "polycube/runtime.h"
#include "router.h"
#include "testnet.h"

using namespace polycube;
using namespace polycube::services;
using namespace pcntest;

namespace {

const char *kMacA = "02:00:00:00:97:01";
const int kFlows = 64;

using pcnbench::Rate;

// 64-byte UDP from a (10.97.1.2, source ports 20000..) to b (10.97.2.2:9),
// `seconds` long after a warm-up that opens the flows' sessions.
Rate udp_rate(TestNet &net, const std::string &gw_mac, double seconds) {
  std::vector<std::string> frames;
  for (int i = 0; i < kFlows; i++)
    frames.push_back(udp_frame(mac(gw_mac), mac(kMacA), ip("10.97.1.2"), ip("10.97.2.2"), uint16_t(20000 + i), 9, 64));
  return pcnbench::flood_and_count(net, "a", "b", frames, seconds);
}

// b drops IPv4 at its tc ingress (attached from inside b) while `f` runs.
template <class F>
Rate with_sink(TestNet &net, F f) {
  return pcnbench::with_tc_sink(net, "b", nat_sink_bpf().tc, f);
}

// Linux: va and vb move into namespace r, which routes and masquerades.
void linux_up(TestNet &net, const std::string &va, const std::string &vb) {
  std::string r = net.ns("r");
  sh("ip link set " + va + " netns " + r);
  sh("ip link set " + vb + " netns " + r);
  for (const std::string &c : {"ip addr add 10.97.1.1/24 dev " + va, "ip addr add 10.97.2.1/24 dev " + vb,
                               "ip link set " + va + " up", "ip link set " + vb + " up", std::string("ip link set lo up"),
                               std::string("sysctl -qw net.ipv4.ip_forward=1"),
                               "iptables-legacy -t nat -A POSTROUTING -o " + vb + " -j MASQUERADE"})
    net.in("r", c);
  net.in("a", "ping -c 1 -W 1 -q 10.97.2.2 >/dev/null");
}

void linux_down(TestNet &net, const std::string &va, const std::string &vb) {
  net.in("r", "iptables-legacy -t nat -F");
  net.in("r", "ip link set " + va + " netns 1");
  net.in("r", "ip link set " + vb + " netns 1");
  sh("ip link set " + va + " up");
  sh("ip link set " + vb + " up");
}

// Whole-path received pps and ns/packet, the ns/packet added over the
// bare path and, when `added_vs` is given, the ratio of added costs; then
// the whole-path ratio to `base`.
void print(const char *what, const Rate &r, double bare, const Rate *added_vs, const Rate *base, const char *base_name) {
  pcnbench::print_added_row(what, r.rx, bare, added_vs ? added_vs->rx : 0);
  if (base && base->rx > 0)
    std::printf("  whole-path pps ratio vs %s %.2f (sent %.0f pps)\n", base_name, r.rx / base->rx, r.sent);
}

// The bare path: the same generator and sink, the frames as b gets them
// (from the masquerade address to b), across one veth pair.
double bare_rate(TestNet &net, double seconds) {
  const char *kMacB = "02:00:00:00:97:02";
  std::vector<std::string> frames;
  for (int i = 0; i < kFlows; i++)
    frames.push_back(udp_frame(mac(kMacB), mac(kMacA), ip("10.97.2.1"), ip("10.97.2.2"), uint16_t(20000 + i), 9, 64));
  const polycube::EmbeddedObject sink = nat_sink_bpf().tc;
  return pcnbench::bare_path(net, {"10.97.2.2/24", kMacB, &sink}, [&](const std::string &s, const std::string &r) {
           return pcnbench::flood_and_count(net, s, r, frames, seconds);
         }).rx;
}

int run(double seconds) {
  TestNet net;
  net.add_ns("a");
  net.add_ns("b");
  net.add_ns("r");
  std::string va = net.add_host("a", "va", "10.97.1.2/24", kMacA);
  std::string vb = net.add_host("b", "vb", "10.97.2.2/24");
  for (const char *n : {"a", "b"}) net.in(n, "sysctl -qw net.ipv6.conf.all.disable_ipv6=1");
  net.in("a", "ip route add default via 10.97.1.1");  // b needs no route: it answers the masquerade address

  std::printf("== packets/s: 64-byte UDP, %d established flows, ns a -> NAT -> ns b (b drops at tc ingress), %.0f s each\n",
              kFlows, seconds);
  double bare = bare_rate(net, seconds);
  pcnbench::print_bare_row("bare path (one veth pair a -> b)", bare);
  linux_up(net, va, vb);
  std::string lgw = net.in_out("r", "cat /sys/class/net/" + va + "/address");
  Rate lin = with_sink(net, [&] { return udp_rate(net, lgw, seconds); });
  print("Linux router + iptables MASQUERADE", lin, bare, nullptr, nullptr, "");
  std::printf("\n== new TCP connections/s through the NAT (connect, accept, RST), 2 clients, %.0f s\n", seconds);
  double lin_tcp = pcnbench::tcp_connect_rate(net.ns("a"), net.ns("b"), "10.97.2.2", 8000, seconds);
  std::printf("%-42s %9.0f conn/s\n", "Linux router + iptables MASQUERADE", lin_tcp);
  std::string slab = sh_out("awk '$1 == \"nf_conntrack\" {print $4}' /proc/slabinfo 2>/dev/null");
  std::string ct_max = net.in_out("r", "sysctl -n net.netfilter.nf_conntrack_max 2>/dev/null");
  linux_down(net, va, vb);

  std::printf("\n");
  for (Mode mode : {Mode::kTc, Mode::kXdpSkb}) {
    Runtime rt;
    auto r = rt.create<Router>("r1", mode);
    r->set_log_level("WARN");
    r->add_port("p1", va);
    r->add_port("p2", vb);
    RouterConfig c;
    c.ports["p1"].primary = ipv4::parse_cidr("10.97.1.1/24");
    c.ports["p2"].primary = ipv4::parse_cidr("10.97.2.1/24");
    r->apply(c);
    net.in("a", "ping -c 1 -W 1 -q 10.97.2.2 >/dev/null");
    std::string gw = polycube::mac_to_string(r->port_mac("p1"));
    Rate plain = with_sink(net, [&] { return udp_rate(net, gw, seconds); });
    auto nat = rt.create<Nat>("nat1", mode);
    nat->set_log_level("WARN");
    rt.attach("nat1", "r1:p2", "first");
    nat::Config nc;
    nc.masquerade = true;
    nc.attached_to = "r1:p2";
    nat->apply(nc);
    Rate natted = with_sink(net, [&] { return udp_rate(net, gw, seconds); });
    std::string m = to_string(mode);
    print(("router " + m + " (no NAT)").c_str(), plain, bare, nullptr, &lin, "iptables");
    print(("router " + m + " + nat masquerade").c_str(), natted, bare, &lin, &lin, "iptables");
    std::printf("  nat's own added cost (over the router alone) %.1f ns/pkt\n", pcnbench::added_ns(natted.rx, plain.rx));
    std::printf("  sessions: %zu\n", nat->sessions().size());
    if (mode == Mode::kTc) {
      double tcp = pcnbench::tcp_connect_rate(net.ns("a"), net.ns("b"), "10.97.2.2", 8000, seconds);
      std::printf("%-42s %9.0f conn/s  ratio vs iptables %.2f\n", "router TC + nat masquerade", tcp,
                  lin_tcp > 0 ? tcp / lin_tcp : 0.0);
      uint64_t bytes = pcnbench::map_memlock(nat->map_fd("nat_sessions")) + pcnbench::map_memlock(nat->map_fd("nat_reverse"));
      std::printf("\n== sessions\n");
      std::printf("nat: capacity %u sessions per cube; %.0f bytes per session (nat_sessions + nat_reverse, "
                  "preallocated: %.1f MiB)\n",
                  NAT_MAX_SESSIONS, double(bytes) / NAT_MAX_SESSIONS, bytes / 1048576.0);
      std::printf("Linux: nf_conntrack_max %s in the router namespace; a conntrack entry is a %s-byte slab object "
                  "(plus its NAT extension), allocated per connection\n",
                  ct_max.empty() ? "?" : ct_max.c_str(), slab.empty() ? "?" : slab.c_str());
    }
    rt.detach("nat1", "r1:p2");
    rt.delete_cube("nat1");
    rt.delete_cube("r1");
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
    std::fprintf(stderr, "pcn-bench-nat: %s\n", e.what());
    return 1;
  }
}
