// Router benchmark, every figure next to its Linux or kernel baseline
// measured in the same run:
//  1. packets/s and ns/packet forwarding ns a -> router -> ns b: the router
//     cube (TC, generic XDP) against Linux IPv4 forwarding in a namespace
//     holding the same two veths, with few routes and with 100k routes in
//     both. Generator: AF_PACKET sendmmsg (qdisc bypass) in ns a, 64-byte
//     UDP frames to b's address, counted at b's eth0; once with b's IP
//     stack receiving them, once with b dropping IPv4 at its tc ingress.
//     Each row also prints the ns/packet it adds over the bare path (the
//     same generator and receiver across one veth pair, flood.h) and the
//     ratio of the router's added cost to Linux's (goal: at most 0.5).
//  2. ns/packet of the router's data plane under BPF_PROG_TEST_RUN (real
//     hook + rt_main, forward with LPM lookup, ARP hit, TTL, MAC rewrite)
//     with 10, 1k and 100k routes, next to a program that only returns.
//
//   pcn-bench-router [seconds] [repeat]     (defaults 3, 1000000)
#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <fcntl.h>
#include <linux/if_packet.h>
#include <linux/pkt_cls.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <thread>

#include <spdlog/spdlog.h>

#include "router_baseline_bpf.h"
#include "polycube/mac.h"
#include "router_sink_bpf.h"
#include "bench_util.h"
#include "flood.h"
#include "frames.h"
#include "polycube/netdev.h"
#include "polycube/runtime.h"
#include "progrun.h"
#include "router.h"
#include "testnet.h"

using namespace polycube;
using namespace polycube::services;
using namespace pcntest;

namespace {

const char *kMacA = "02:00:00:00:98:01";
const char *kMacB = "02:00:00:00:98:02";

// Network of static route i (distinct /24s from 20.0.0.0 up).
uint32_t route_net(uint32_t i) { return (20u << 24) + (i << 8); }

// Sends 64-byte UDP frames (dst MAC `gw_mac`, to 10.98.2.2, or to an address
// inside the last static route when `far`) from ns's eth0 for `seconds`.
uint64_t generate(const std::string &ns, const std::string &gw_mac, uint32_t dst, double seconds) {
  return pcnbench::flood(ns, {udp_frame(mac(gw_mac), mac(kMacA), ip("10.98.1.2"), dst, 9, 9, 64)}, seconds);
}

struct Result {
  double sent_pps, rx_pps;
};

Result measure_once(TestNet &net, const std::string &gw_mac, uint32_t dst, double seconds,
                    const std::string &sender = "a", const std::string &receiver = "b") {
  generate(net.ns(sender), gw_mac, dst, 0.3);  // warm-up
  uint64_t before = pcnbench::rx_packets(net, receiver);
  uint64_t sent = generate(net.ns(sender), gw_mac, dst, seconds);
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  uint64_t got = pcnbench::rx_packets(net, receiver) - before;
  return {sent / seconds, got / seconds};
}

// Two receivers, the same for Linux and the router: b's IP stack takes the
// frames (UDP to a closed port: route lookup, socket lookup, the ICMP error
// attempt; ~30-40% of the whole path's CPU under perf), then b drops IPv4
// at its tc ingress (router_sink.bpf.c), so the figure is mostly generator +
// forwarder. rx_packets counts both ways.
struct Results {
  Result stack, drop;
};

Results measure(TestNet &net, const std::string &gw_mac, uint32_t dst, double seconds) {
  Results r;
  r.stack = measure_once(net, gw_mac, dst, seconds);
  // Attached from inside b (netlink talks to the caller's namespace).
  LoadSpec spec;
  auto sink = load_object(router_sink_bpf().tc, spec);
  std::string err;
  std::thread t([&] {
    int nsfd = open(("/var/run/netns/" + net.ns("b")).c_str(), O_RDONLY);
    setns(nsfd, CLONE_NEWNET);
    close(nsfd);
    try {
      tc_attach(if_nametoindex("eth0"), false, sink->prog_fd("bench_sink"));
    } catch (const std::exception &e) {
      err = e.what();
    }
  });
  t.join();
  if (!err.empty()) throw std::runtime_error("sink on b: " + err);
  r.drop = measure_once(net, gw_mac, dst, seconds);
  net.in("b", "tc qdisc del dev eth0 clsact");
  return r;
}

// The bare path of both receivers: the same generator, b's address and
// MAC, the frames as b gets them (to b's MAC), across one veth pair.
Results bare_forwarding(TestNet &net, uint32_t dst, double seconds) {
  Results r;
  auto run = [&](const std::string &s, const std::string &rx) {
    Result x = measure_once(net, kMacB, dst, seconds, s, rx);
    return pcnbench::Rate{x.sent_pps, x.rx_pps};
  };
  pcnbench::Rate stack = pcnbench::bare_path(net, {"10.98.2.2/24", kMacB}, run);
  const polycube::EmbeddedObject sink = router_sink_bpf().tc;
  pcnbench::Rate drop = pcnbench::bare_path(net, {"10.98.2.2/24", kMacB, &sink}, run);
  r.stack = {stack.sent, stack.rx};
  r.drop = {drop.sent, drop.rx};
  return r;
}

// Whole path received pps and ns/packet, what it adds over the bare path
// and, for the router, the ratio of that to what Linux adds.
void print(const std::string &what, const Result &r, const Result &bare, const Result *linux_fwd) {
  pcnbench::print_added_row(what, r.rx_pps, bare.rx_pps, linux_fwd ? linux_fwd->rx_pps : 0);
  if (linux_fwd && linux_fwd->rx_pps > 0)
    std::printf("  whole-path pps ratio vs Linux %.2f (sent %.0f pps)\n", r.rx_pps / linux_fwd->rx_pps, r.sent_pps);
}

RouterConfig router_config(uint32_t static_routes) {
  RouterConfig c;
  c.ports["p1"].primary = ipv4::parse_cidr("10.98.1.1/24");
  c.ports["p2"].primary = ipv4::parse_cidr("10.98.2.1/24");
  for (uint32_t i = 0; i < static_routes; i++)
    c.routes.push_back({ipv4::Cidr{route_net(i), 24}, ip("10.98.2.2"), "", 1});
  return c;
}

uint64_t monotonic_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return uint64_t(ts.tv_sec);
}

// Runs a whole shell command line inside namespace `ns`.
int in_ns(TestNet &net, const std::string &ns, const std::string &cmd) { return net.in(ns, "sh -c '" + cmd + "'"); }

// Linux forwarding: va and vb move into namespace r, which routes.
Results linux_forwarding(TestNet &net, const std::string &va, const std::string &vb, uint32_t static_routes,
                        uint32_t dst, double seconds) {
  std::string r = net.ns("r");
  sh("ip link set " + va + " netns " + r + " && ip link set " + vb + " netns " + r);
  in_ns(net, "r", "ip addr add 10.98.1.1/24 dev " + va + " && ip addr add 10.98.2.1/24 dev " + vb + " && ip link set " +
                     va + " up && ip link set " + vb + " up && ip link set lo up && sysctl -qw net.ipv4.ip_forward=1");
  if (static_routes) {
    std::string batch = "/tmp/" + net.prefix() + "routes.batch";
    std::ofstream out(batch);
    for (uint32_t i = 0; i < static_routes; i++)
      out << "route add " << ipv4::addr_str(route_net(i)) << "/24 via 10.98.2.2\n";
    out.close();
    net.in("r", "ip -batch " + batch);
    sh("rm -f " + batch);
  }
  net.in("a", "ping -c 1 -W 1 -q 10.98.2.2 >/dev/null");  // resolves both sides
  std::string gw = net.in_out("r", "cat /sys/class/net/" + va + "/address");
  Results res = measure(net, gw, dst, seconds);
  // Back to the root namespace, bare, for the router cube.
  in_ns(net, "r", "ip link set " + va + " netns 1 && ip link set " + vb + " netns 1");
  sh("ip link set " + va + " up && ip link set " + vb + " up");
  return res;
}

Results router_forwarding(TestNet &net, Mode mode, const std::string &va, const std::string &vb,
                         uint32_t static_routes, uint32_t dst, double seconds) {
  Runtime rt;
  auto r = rt.create<Router>("r1", mode);
  r->add_port("p1", va);
  r->add_port("p2", vb);
  r->apply(router_config(static_routes));
  net.in("a", "ping -c 1 -W 1 -q 10.98.2.2 >/dev/null");
  return measure(net, polycube::mac_to_string(r->port_mac("p1")), dst, seconds);
}

// Best of three runs; a run a signal interrupts (EINTR) is run again.
double ns_per_packet(const std::string &pin, Mode mode, uint32_t ifindex, const std::string &frame, uint32_t repeat) {
  double best = 1e18;
  for (int i = 0, tries = 0; i < 3; i++) {
    uint32_t d = 0;
    try {
      run_pinned(pin, mode, ifindex, frame, repeat, &d);
    } catch (const std::runtime_error &e) {
      if (++tries > 10 || std::string(e.what()).find("Interrupted") == std::string::npos) throw;
      i--;
      continue;
    }
    best = std::min(best, double(d));
  }
  return best;
}

void lookup_bench(Mode mode, const std::string &va, const std::string &vb, uint32_t repeat) {
  Runtime rt;
  const char *m = to_string(mode);
  std::string hook = rt.pin_root() + (is_xdp(mode) ? "/hooks/xdp_ingress" : "/hooks/tc_ingress");
  uint32_t ifa = netdev_ifindex(va);
  LoadSpec spec;
  spec.pin_root = rt.globals_dir();
  auto base = load_object(is_xdp(mode) ? router_baseline_bpf().xdp : router_baseline_bpf().tc, spec);
  std::string base_pin = rt.pin_root() + "/bench_baseline";
  bpf_obj_pin(base->prog_fd("bench_pass"), base_pin.c_str());
  std::string any = udp_frame(mac("02:00:00:00:00:02"), mac(kMacA), ip("10.98.1.2"), ip("10.98.2.2"), 9, 9, 64);
  double baseline = ns_per_packet(base_pin, mode, ifa, any, repeat);
  unlink(base_pin.c_str());
  std::printf("%-8s baseline (return pass)                 %7.1f ns/pkt\n", m, baseline);

  auto r = rt.create<Router>("r1", mode);
  r->add_port("p1", va);
  r->add_port("p2", vb);
  rt_arp_entry n{};
  polycube::mac_to_bytes(polycube::mac_from_string(kMacB), n.mac);
  n.port = r->port("p2").index;
  for (uint32_t routes : {0u, 10u, 1000u, 100000u}) {
    auto t0 = std::chrono::steady_clock::now();
    r->apply(router_config(routes));
    double install_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    n.timestamp = monotonic_seconds();  // fresh for the aging time (300 s), longer than a run
    r->map<uint32_t, rt_arp_entry>("rt_arp").set(htonl(ip("10.98.2.2")), n);
    uint32_t dst = routes ? route_net(routes / 2) + 7 : ip("10.98.2.2");
    std::string f = udp_frame(mac(polycube::mac_to_string(r->port_mac("p1"))), mac(kMacA), ip("10.98.1.2"), dst, 9, 9, 64);
    RunResult check = run_pinned(hook, mode, ifa, f);
    bool ok = check.verdict == (is_xdp(mode) ? XDP_REDIRECT : TC_ACT_REDIRECT) && uint8_t(check.out[22]) == 63;
    double ns = ns_per_packet(hook, mode, ifa, f, repeat);
    std::printf("%-8s router forward, %6u static routes  %7.1f ns/pkt  (+%.1f over baseline)%s  [apply %.0f ms]\n", m,
                routes, ns, ns - baseline, ok ? "" : "  NOT FORWARDED", install_ms);
  }
}

}  // namespace

int run(double seconds, uint32_t repeat) {
  TestNet net;
  net.add_ns("a");
  net.add_ns("b");
  net.add_ns("r");
  std::string va = net.add_host("a", "va", "10.98.1.2/24", kMacA);
  std::string vb = net.add_host("b", "vb", "10.98.2.2/24", kMacB);
  for (const char *n : {"a", "b"}) net.in(n, "sysctl -qw net.ipv6.conf.all.disable_ipv6=1");
  net.in("a", "ip route add default via 10.98.1.1");
  net.in("b", "ip route add default via 10.98.2.1");

  std::printf("== packets/s: 64-byte UDP ns a -> router -> ns b over veth, %.0f s each, counted at b's eth0\n", seconds);
  const char *only_routes = std::getenv("ROUTER_BENCH_ROUTES");  // "0" or "100000": profiling one case
  for (uint32_t routes : {0u, 100000u}) {
    if (only_routes && std::strtoul(only_routes, nullptr, 10) != routes) continue;
    // With static routes, to an address inside one of them (routed via b,
    // which counts and drops it); else to b itself.
    uint32_t dst = routes ? route_net(routes / 2) + 7 : ip("10.98.2.2");
    std::printf("-- %u static routes (plus 2 connected)\n", routes);
    const char *only = std::getenv("ROUTER_BENCH_ONLY");  // "linux", "TC" or "XDP_SKB": profiling one case
    auto wanted = [&](const char *what) { return !only || std::string(only) == what; };
    Results bare = bare_forwarding(net, dst, seconds);
    pcnbench::print_bare_row("bare path (one veth pair a -> b)", bare.stack.rx_pps);
    pcnbench::print_bare_row("  b drops at tc ingress", bare.drop.rx_pps);
    Results lin{};
    if (wanted("linux")) lin = linux_forwarding(net, va, vb, routes, dst, seconds);
    print("Linux IPv4 forwarding (netns)", lin.stack, bare.stack, nullptr);
    print("  b drops at tc ingress", lin.drop, bare.drop, nullptr);
    for (Mode mode : {Mode::kTc, Mode::kXdpSkb}) {
      if (!wanted(to_string(mode))) continue;
      Results r = router_forwarding(net, mode, va, vb, routes, dst, seconds);
      print(std::string("router ") + to_string(mode), r.stack, bare.stack, &lin.stack);
      print("  b drops at tc ingress", r.drop, bare.drop, &lin.drop);
    }
  }
  std::printf("\n== ns/packet: BPF_PROG_TEST_RUN, repeat %u, best of 3, CPU 1\n", repeat);
  pcnbench::pin_to_cpu(1);
  for (Mode m : {Mode::kTc, Mode::kXdpSkb}) lookup_bench(m, va, vb, repeat);
  return 0;
}

int main(int argc, char **argv) {
  double seconds = argc > 1 ? std::atof(argv[1]) : 3.0;
  uint32_t repeat = argc > 2 ? static_cast<uint32_t>(std::atoi(argv[2])) : 1000000;
  spdlog::set_level(spdlog::level::warn);
  try {
    return run(seconds, repeat);  // namespaces and pins go away on any exit from it
  } catch (const std::exception &e) {
    std::fprintf(stderr, "pcn-bench-router: %s\n", e.what());
    return 1;
  }
}
