// Load balancer benchmark (lbrp and lbdsr), every figure next to Linux's
// measured in the same run on the same namespaces and veths. This kernel
// has no IPVS, so the Linux load balancers are the two kube-proxy uses
// without it, in a router namespace between client and backends:
//   - iptables (legacy) in kube-proxy's shape, loaded with
//     iptables-restore: nat PREROUTING -> KUBE-SERVICES (one rule per
//     service port) -> per-service chain of `statistic --mode random`
//     rules -> per-endpoint DNAT chains;
//   - nftables: a verdict map (address . protocol . port -> per-service
//     chain) whose chain DNATs with `numgen random mod 3` over a map.
// lbrp sits on the link itself (a wire that balances: no routing), so
// Linux also routes while lbrp does not; the Linux router without any
// DNAT is printed too. lbrp is configured through polycubed's REST API,
// the whole cube with its services in one PUT.
//  1. by number of services (1, 1,000, 10,000; each TCP and UDP port 80,
//     3 backends), the one measured in the middle of the list:
//     packets/s of 64-byte UDP to its virtual IP on 64 established flows
//     (sessions made by the warm-up; the backend namespace drops at its tc
//     ingress, so the balancer is what is measured) from each of the two
//     generators (AF_PACKET, flood.h; XDP live frames, xdp_flood.h), with
//     the ns/packet each adds over the bare path (flood.h), new TCP
//     connections/s (connect, accept, RST), where each connection is a new
//     flow that walks the rules;
//  2. lbdsr against nftables netdev ingress rewriting the destination MAC
//     (jhash of the 5-tuple over a map) and `fwd` to the backend veth;
//  3. the Maglev table build time.
//
//   pcn-bench-lb [seconds]     (default 2)
#include <arpa/inet.h>
#include <net/if.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <thread>

#include <spdlog/spdlog.h>

#include "flood.h"
#include "xdp_flood.h"
#include "frames.h"
#include "lbdsr.h"
#include "lb_sink_bpf.h"
#include "pcnd.h"
#include "polycube/ipv4.h"
#include "polycube/mac.h"
#include "polycube/maglev.h"
#include "polycube/runtime.h"
#include "testnet.h"

using namespace polycube;
using namespace polycube::services;
using namespace pcntest;
using pcnbench::Rate;

namespace {

const char *kMacA = "02:00:00:00:98:01";
const int kFlows = 64;
const uint16_t kPort = 80;
const int kServiceCounts[] = {1, 1000, 10000};
const char *kBackendsLinux[] = {"10.98.2.11", "10.98.2.12", "10.98.2.13"};
const char *kBackendsLbrp[] = {"10.98.1.11", "10.98.1.12", "10.98.1.13"};

// Service i's virtual IP: 10.96.0.10 + i. The one measured is in the
// middle of the list (kube-proxy's KUBE-SERVICES is walked in order).
std::string vip(int i) { return ipv4_string(ip("10.96.0.10") + uint32_t(i)); }
std::string measured_vip(int services) { return vip(services / 2); }

double ms_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
}

// 64-byte UDP from a to `dst`:80 from source ports `sport`.. (each
// measurement its own flows: a flow's DNAT decision is made at its first
// packet), `seconds` long after a warm-up that opens them; b drops them
// at its tc ingress. Sent by both generators, one after the other.
struct Udp {
  Rate packet{0, 0}, xdp{0, 0};  // AF_PACKET (flood.h), XDP live frames (xdp_flood.h)
};
Udp udp_rate(TestNet &net, const std::string &gw_mac, const std::string &dst, uint16_t sport, double seconds) {
  std::vector<std::string> frames;
  for (int i = 0; i < kFlows; i++)
    frames.push_back(udp_frame(mac(gw_mac), mac(kMacA), ip("10.98.1.2"), ip(dst), uint16_t(sport + i), kPort, 64));
  Udp u;
  u.packet = pcnbench::with_tc_sink(net, "b", lb_sink_bpf().tc,
                                    [&] { return pcnbench::flood_and_count(net, "a", "b", frames, seconds); });
  // Other source ports: the XDP generator's flows are new flows too.
  auto flows = pcnbench::udp_source_ports(uint16_t(sport + 10000), kFlows);
  u.xdp = pcnbench::with_tc_sink(net, "b", lb_sink_bpf().tc, [&] {
    return pcnbench::xdp_flood_and_count(net, "a", "b", frames[0], flows, seconds);
  });
  return u;
}

// The bare path of both generators: the same frames (to b's MAC) and b's
// tc sink across one veth pair (flood.h), what every row adds to.
Udp bare_udp(TestNet &net, double seconds) {
  const char *kMacB = "02:00:00:00:98:02";
  std::vector<std::string> frames;
  for (int i = 0; i < kFlows; i++)
    frames.push_back(udp_frame(mac(kMacB), mac(kMacA), ip("10.98.1.2"), ip("10.98.1.11"), uint16_t(27000 + i), kPort, 64));
  const polycube::EmbeddedObject sink = lb_sink_bpf().tc;
  Udp u;
  u.packet = pcnbench::bare_path(net, {"10.98.1.11/24", kMacB, &sink}, [&](const std::string &s, const std::string &r) {
    return pcnbench::flood_and_count(net, s, r, frames, seconds);
  });
  u.xdp = pcnbench::bare_path(net, {"10.98.1.11/24", kMacB, &sink, true}, [&](const std::string &s, const std::string &r) {
    return pcnbench::xdp_flood_and_count(net, s, r, frames[0], pcnbench::udp_source_ports(27000, kFlows), seconds);
  });
  return u;
}

// kube-proxy's iptables shape: every service has a TCP and a UDP port 80,
// each a KUBE-SERVICES rule (with kube-proxy's comment match) to its
// KUBE-SVC chain of 3 endpoints.
std::string iptables_rules(int services) {
  std::string chains = "*nat\n:PREROUTING ACCEPT [0:0]\n:INPUT ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n"
                       ":POSTROUTING ACCEPT [0:0]\n:KUBE-SERVICES - [0:0]\n";
  std::string rules = "-A PREROUTING -j KUBE-SERVICES\n";
  for (int s = 0; s < services; s++)
    for (const char *proto : {"tcp", "udp"}) {
      std::string id = std::string(proto) + "-" + std::to_string(s), svc = "KUBE-SVC-" + id;
      chains += ":" + svc + " - [0:0]\n";
      rules += "-A KUBE-SERVICES -d " + vip(s) + "/32 -p " + proto + " -m comment --comment \"default/svc" +
               std::to_string(s) + ":" + proto + " cluster IP\" -m " + proto + " --dport 80 -j " + svc + "\n";
      for (int i = 0; i < 3; i++) {
        std::string sep = "KUBE-SEP-" + id + "-" + std::to_string(i);
        chains += ":" + sep + " - [0:0]\n";
        const char *prob = i == 0 ? "0.33333333349" : "0.50000000000";
        if (i < 2) rules += "-A " + svc + " -m statistic --mode random --probability " + prob + " -j " + sep + "\n";
        else rules += "-A " + svc + " -j " + sep + "\n";
        rules += "-A " + sep + " -p " + proto + " -j DNAT --to-destination " + kBackendsLinux[i] + ":80\n";
      }
    }
  return chains + rules + "COMMIT\n";
}

// nftables: a verdict map from (address, protocol, port) to the service's
// chain, which picks one of 3 endpoints at random.
std::string nft_rules(int services) {
  std::string chains, elements;
  for (int s = 0; s < services; s++) {
    std::string c = "svc" + std::to_string(s);
    chains += " chain " + c + " {\n  dnat to numgen random mod 3 map { 0 : " + kBackendsLinux[0] + ", 1 : " +
              kBackendsLinux[1] + ", 2 : " + kBackendsLinux[2] + " }\n }\n";
    elements += std::string(s ? ", " : "") + vip(s) + " . tcp . 80 : goto " + c + ", " + vip(s) + " . udp . 80 : goto " + c;
  }
  return "table ip lbbench {\n" + chains +
         " map services {\n  type ipv4_addr . inet_proto . inet_service : verdict\n  elements = { " + elements +
         " }\n }\n chain pre {\n  type nat hook prerouting priority dstnat;\n"
         "  ip daddr . meta l4proto . th dport vmap @services\n }\n}\n";
}

// The lbrp cube with `services` services, as one RESTCONF PUT body.
std::string lbrp_body(int services, const std::string &fe, const std::string &be) {
  std::string svc;
  for (int s = 0; s < services; s++) {
    svc += std::string(s ? "," : "") + R"({"vip":")" + vip(s) + R"(","vport":80,"proto":"ALL","backend":[)";
    for (int i = 0; i < 3; i++) svc += std::string(i ? "," : "") + R"({"ip":")" + kBackendsLbrp[i] + R"("})";
    svc += "]}";
  }
  return R"({"lbrp:lbrp":[{"name":"lb1","ports":[{"name":"fe","type":"FRONTEND","peer":")" + fe +
         R"("},{"name":"be","type":"BACKEND","peer":")" + be + R"("}],"service":[)" + svc + "]}]}";
}

bool write_file(const std::string &path, const std::string &text) {
  FILE *f = std::fopen(path.c_str(), "w");
  if (!f) return false;
  bool ok = std::fwrite(text.data(), 1, text.size(), f) == text.size();
  return std::fclose(f) == 0 && ok;
}

// One point of a curve: a balancer with `services` services.
struct Point {
  Udp udp;
  double tcp = 0, load_ms = 0;
};

void print_rate(const std::string &what, const Udp &u) {
  std::printf("  %-44s AF_PACKET sent %9.0f received %9.0f pps; XDP sent %9.0f received %9.0f pps\n", what.c_str(),
              u.packet.sent, u.packet.rx, u.xdp.sent, u.xdp.rx);
}

// Maglev table build time (65,537 positions), best of 5: no Linux
// equivalent (iptables and nftables pick at random per connection);
// the issue's goals are printed beside it.
void maglev_build_times() {
  std::printf("== Maglev table build (%u positions), best of 5\n", PCN_MAGLEV_SIZE);
  for (auto [n, goal] : {std::pair{100, 10.0}, std::pair{1000, 50.0}}) {
    std::vector<maglev::Endpoint> eps;
    for (int i = 0; i < n; i++) eps.push_back({uint64_t(i), 1, uint16_t(i)});
    double best = 1e9;
    for (int k = 0; k < 5; k++) {
      auto t0 = std::chrono::steady_clock::now();
      auto t = maglev::build(eps);
      best = std::min(best, ms_since(t0));
      if (t.size() != PCN_MAGLEV_SIZE) std::abort();
    }
    std::printf("%4d backends: %.2f ms (goal < %.0f ms)\n", n, best, goal);
  }
  std::printf("\n");
}

// The namespaces: a (client 10.98.1.2), b (backends), r (the Linux
// router). va and vb, the root-side ends of a's and b's veths, are in r
// for the Linux figures and in the root namespace for polycube's.
struct Topology {
  TestNet net;
  std::string va, vb;
  Topology() {
    net.add_ns("a");
    net.add_ns("b");
    net.add_ns("r");
    va = net.add_host("a", "va", "10.98.1.2/24", kMacA);
    vb = net.add_host("b", "vb", "");
    sh("ethtool -K " + va + " gro on >/dev/null");  // takes the XDP generator's frames (xdp_flood.h)
    net.in("a", "ip route add 10.96.0.0/12 via 10.98.1.1");
  }
  void to_router() {
    std::string r = net.ns("r");
    sh("ip link set " + va + " netns " + r);
    sh("ip link set " + vb + " netns " + r);
    for (const std::string &c : {"ip addr add 10.98.1.1/24 dev " + va, "ip addr add 10.98.2.1/24 dev " + vb,
                                 "ip link set " + va + " up", "ip link set " + vb + " up",
                                 std::string("ip link set lo up"), std::string("sysctl -qw net.ipv4.ip_forward=1")})
      net.in("r", c);
    net.in("b", "ip addr add 10.98.2.2/24 dev eth0");
    for (const char *b : kBackendsLinux) net.in("b", std::string("ip addr add ") + b + "/24 dev eth0");
    net.in("b", "ip route add default via 10.98.2.1");
    net.in("a", "ping -c 1 -W 1 -q 10.98.2.2 >/dev/null");
    // Neighbours resolved before any flood: an ARP reply queued behind a
    // flood in the backlog is lost, and the DNAT'd flows would wait for it.
    for (const char *b : kBackendsLinux) net.in("r", std::string("ping -c 1 -W 1 -q ") + b + " >/dev/null");
  }
  // Back to the root namespace; b's addresses on the client's link.
  void to_root() {
    net.in("r", "ip link set " + va + " netns 1");
    net.in("r", "ip link set " + vb + " netns 1");
    sh("ip link set " + va + " up");
    sh("ip link set " + vb + " up");
    net.in("b", "ip route flush dev eth0");
    net.in("b", "ip addr flush dev eth0");
    net.in("b", "ip addr add 10.98.1.1/24 dev eth0");
    for (const char *b : kBackendsLbrp) net.in("b", std::string("ip addr add ") + b + "/24 dev eth0");
    net.in("a", "ip neigh flush dev eth0");
  }
  std::string mac_of(const std::string &ns, const std::string &dev) {
    return net.in_out(ns, "cat /sys/class/net/" + dev + "/address");
  }
};

struct Curves {
  Point iptables[3], nftables[3], lbrp[3];
};

void linux_curves(Topology &t, double seconds, Curves &c, Udp &plain) {
  TestNet &net = t.net;
  std::string gw = t.mac_of("r", t.va);
  net.in("r", "ip route add 10.96.0.0/12 via 10.98.2.2");  // the VIP unchanged goes to b too
  plain = udp_rate(net, gw, vip(0), 20000, seconds);
  print_rate("Linux router, no DNAT (to the VIP unchanged)", plain);
  uint16_t sport = 21000;
  std::string file = "/tmp/" + net.prefix() + "lb.rules";
  for (int k = 0; k < 3; k++) {
    int n = kServiceCounts[k];
    Point &p = c.iptables[k];
    if (!write_file(file, iptables_rules(n))) throw std::runtime_error("cannot write " + file);
    auto t0 = std::chrono::steady_clock::now();
    if (net.in("r", "iptables-legacy-restore < " + file) != 0) std::printf("iptables-legacy-restore refused the rules\n");
    p.load_ms = ms_since(t0);
    p.udp = udp_rate(net, gw, measured_vip(n), sport += kFlows, seconds);
    p.tcp = pcnbench::tcp_connect_rate(net.ns("a"), net.ns("b"), measured_vip(n), kPort, seconds);
    print_rate("iptables, " + std::to_string(n) + " services", p.udp);
    net.in("r", "iptables-legacy -t nat -F && iptables-legacy -t nat -X");
  }
  for (int k = 0; k < 3; k++) {
    int n = kServiceCounts[k];
    Point &p = c.nftables[k];
    if (!write_file(file, nft_rules(n))) throw std::runtime_error("cannot write " + file);
    auto t0 = std::chrono::steady_clock::now();
    if (net.in("r", "nft -f " + file) != 0) {
      std::printf("nftables: the ruleset did not load, skipped\n");
      continue;
    }
    p.load_ms = ms_since(t0);
    p.udp = udp_rate(net, gw, measured_vip(n), sport += kFlows, seconds);
    p.tcp = pcnbench::tcp_connect_rate(net.ns("a"), net.ns("b"), measured_vip(n), kPort, seconds);
    print_rate("nftables vmap, " + std::to_string(n) + " services", p.udp);
    net.in("r", "nft delete table ip lbbench");
  }
  sh("rm -f " + file);
  net.in("r", "ip route del 10.96.0.0/12");
}

// lbrp through polycubed: the cube and its services in one PUT each time.
void lbrp_curve(Topology &t, double seconds, Curves &c) {
  TestNet &net = t.net;
  Pcnd pcnd(net.prefix() + "lb");
  if (!pcnd.start()) throw std::runtime_error("polycubed did not start");
  std::string bmac = t.mac_of("b", "eth0");
  uint16_t sport = 23000;
  for (int k = 0; k < 3; k++) {
    int n = kServiceCounts[k];
    Point &p = c.lbrp[k];
    std::string body = lbrp_body(n, t.va, t.vb);
    // A new cube each time: the previous measurement's sessions would
    // clash with this one's (the client reuses its source ports towards
    // another VIP on the same backends; a session closed by RST lives 10 s).
    if (k > 0) pcnd.rest("DELETE", "/lbrp:lbrp=lb1");
    auto t0 = std::chrono::steady_clock::now();
    RestReply r = pcnd.rest("PUT", "/lbrp:lbrp=lb1", body);
    p.load_ms = ms_since(t0);
    if (r.status != 201 && r.status != 204) throw std::runtime_error("PUT lbrp: " + std::to_string(r.status) + " " + r.body);
    net.in("a", "ping -c 1 -W 1 -q 10.98.1.1 >/dev/null");
    p.udp = udp_rate(net, bmac, measured_vip(n), sport += kFlows, seconds);
    p.tcp = pcnbench::tcp_connect_rate(net.ns("a"), net.ns("b"), measured_vip(n), kPort, seconds);
    print_rate("lbrp TC, " + std::to_string(n) + " services (PUT " + std::to_string(body.size() / 1024) + " KiB)", p.udp);
  }
  pcnd.rest("DELETE", "/lbrp:lbrp=lb1");
}

void print_curves(const Curves &c, const Udp &plain, const Udp &bare) {
  auto ratio = [](double a, double b) { return b > 0 ? a / b : 0.0; };
  struct Gen {
    const char *name;
    Rate Udp::*rate;
  } gens[] = {{"AF_PACKET generator (flood.h)", &Udp::packet}, {"XDP live-frames generator (xdp_flood.h)", &Udp::xdp}};
  for (const Gen &g : gens) {
    std::printf("\n== packets/s received, 64-byte UDP to one virtual IP, %d established flows, %s\n", kFlows, g.name);
    std::printf("   (Linux router without DNAT: %.0f; the generator sent %.0f)\n", (plain.*g.rate).rx,
                (plain.*g.rate).sent);
    std::printf("%9s %12s %12s %12s %10s %10s\n", "services", "lbrp TC", "iptables", "nftables", "lbrp/ipt", "lbrp/nft");
    for (int k = 0; k < 3; k++) {
      double l = (c.lbrp[k].udp.*g.rate).rx, i = (c.iptables[k].udp.*g.rate).rx, n = (c.nftables[k].udp.*g.rate).rx;
      std::printf("%9d %12.0f %12.0f %12.0f %9.2fx %9.2fx\n", kServiceCounts[k], l, i, n, ratio(l, i), ratio(l, n));
    }
    double b = (bare.*g.rate).rx;
    std::printf("-- ns/packet added over the bare path (flood.h), %s\n", g.name);
    pcnbench::print_bare_row("bare path (one veth pair, b's tc sink)", b);
    pcnbench::print_added_row("Linux router, no DNAT", (plain.*g.rate).rx, b);
    for (int k = 0; k < 3; k++) {
      std::string n = std::to_string(kServiceCounts[k]) + " services";
      double l = (c.lbrp[k].udp.*g.rate).rx, i = (c.iptables[k].udp.*g.rate).rx, f = (c.nftables[k].udp.*g.rate).rx;
      pcnbench::print_added_row("iptables, " + n, i, b);
      pcnbench::print_added_row("nftables, " + n, f, b);
      pcnbench::print_added_row("lbrp TC, " + n + " (ratio vs iptables)", l, b, i);
    }
  }
  std::printf("\n== new TCP connections/s to one virtual IP (each a new flow)\n");
  std::printf("%9s %12s %12s %12s %10s %10s\n", "services", "lbrp TC", "iptables", "nftables", "lbrp/ipt", "lbrp/nft");
  for (int k = 0; k < 3; k++)
    std::printf("%9d %12.0f %12.0f %12.0f %9.2fx %9.2fx\n", kServiceCounts[k], c.lbrp[k].tcp, c.iptables[k].tcp,
                c.nftables[k].tcp, ratio(c.lbrp[k].tcp, c.iptables[k].tcp), ratio(c.lbrp[k].tcp, c.nftables[k].tcp));
  std::printf("\n== load time of the whole configuration, ms (lbrp: one REST PUT creating the cube, answered when\n"
              "   the data plane has it; Linux: iptables-legacy-restore, nft -f)\n");
  std::printf("%9s %12s %12s %12s\n", "services", "lbrp PUT", "iptables", "nftables");
  for (int k = 0; k < 3; k++)
    std::printf("%9d %12.1f %12.1f %12.1f\n", kServiceCounts[k], c.lbrp[k].load_ms, c.iptables[k].load_ms,
                c.nftables[k].load_ms);
}

// lbdsr vs nftables netdev ingress on the same veths: UDP to the VIP whose
// destination MAC is rewritten to one of 3 backend MACs (hash of the
// 5-tuple) and sent out of vb; b drops at its tc ingress.
const char *kDsrMac = "02:00:00:00:98:aa";
const char *kDsrBackends[] = {"02:00:00:00:98:b1", "02:00:00:00:98:b2", "02:00:00:00:98:b3"};

Udp dsr_rate(TestNet &net, double seconds) {
  std::vector<std::string> frames;
  for (int i = 0; i < kFlows; i++)
    frames.push_back(udp_frame(mac(kDsrMac), mac(kMacA), ip("10.98.1.2"), ip("10.96.0.10"), uint16_t(26000 + i), kPort, 64));
  Udp u;
  u.packet = pcnbench::with_tc_sink(net, "b", lb_sink_bpf().tc,
                                    [&] { return pcnbench::flood_and_count(net, "a", "b", frames, seconds); });
  u.xdp = pcnbench::with_tc_sink(net, "b", lb_sink_bpf().tc, [&] {
    return pcnbench::xdp_flood_and_count(net, "a", "b", frames[0], pcnbench::udp_source_ports(26000, kFlows), seconds);
  });
  return u;
}

// Linux: va and vb in r, a netdev table on va's ingress.
Udp dsr_linux(Topology &t, double seconds) {
  std::string file = "/tmp/" + t.net.prefix() + "dsr.nft";
  std::string rules = "table netdev lbdsr {\n chain in {\n  type filter hook ingress device \"" + t.va +
                      "\" priority 0;\n  ip daddr 10.96.0.10 ether daddr set jhash ip saddr . ip daddr . ip protocol . "
                      "udp sport . udp dport mod 3 map { 0 : " + kDsrBackends[0] + ", 1 : " + kDsrBackends[1] + ", 2 : " +
                      kDsrBackends[2] + " } fwd to \"" + t.vb + "\"\n }\n}\n";
  Udp r;
  if (write_file(file, rules) && t.net.in("r", "nft -f " + file) == 0) {
    r = dsr_rate(t.net, seconds);
    t.net.in("r", "nft delete table netdev lbdsr");
  } else {
    std::printf("nftables netdev: the ruleset did not load\n");
  }
  sh("rm -f " + file);
  print_rate("nftables netdev ingress: MAC rewrite + fwd", r);
  return r;
}

// lbdsr: va and vb in the root namespace, the cube between them.
Udp dsr_polycube(Topology &t, double seconds) {
  Runtime rt;
  auto lb = rt.create<Lbdsr>("dsr1", Mode::kTc);
  lb->set_log_level("WARN");
  lb->add_port("fe", t.va);
  lb->add_port("be", t.vb);
  Lbdsr::Config c;
  c.frontend_port = "fe";
  c.backend_port = "be";
  c.vip = ip("10.96.0.10");
  c.mac = mac_from_string(kDsrMac);
  for (uint32_t i = 0; i < 3; i++) c.pool[i + 1] = Lbdsr::Member{mac_from_string(kDsrBackends[i]), 1};
  lb->apply(c);
  Udp r = dsr_rate(t.net, seconds);
  print_rate("lbdsr TC", r);
  rt.delete_cube("dsr1");
  return r;
}

int run(double seconds) {
  maglev_build_times();
  Topology t;
  Curves c;
  Udp plain;
  std::printf("== packets/s, each %.0f s (sent by the generator, received by b's tc ingress)\n", seconds);
  Udp bare = bare_udp(t.net, seconds);
  t.to_router();
  linux_curves(t, seconds, c, plain);
  Udp dsr_nft = dsr_linux(t, seconds);
  t.to_root();
  lbrp_curve(t, seconds, c);
  Udp dsr = dsr_polycube(t, seconds);
  print_curves(c, plain, bare);
  std::printf("\n== lbdsr, 64-byte UDP to the VIP, %d flows, 3 backend MACs\n", kFlows);
  for (auto [name, rate] : {std::pair{"AF_PACKET", &Udp::packet}, std::pair{"XDP live frames", &Udp::xdp}}) {
    double l = (dsr.*rate).rx, n = (dsr_nft.*rate).rx;
    std::printf("%-16s lbdsr TC %9.0f pps, nftables netdev ingress %9.0f pps: ratio %.2fx\n", name, l, n,
                n > 0 ? l / n : 0.0);
    pcnbench::print_added_row(std::string("lbdsr TC, ") + name + " (ratio vs nftables)", l, (bare.*rate).rx, n);
  }
  return 0;
}

}  // namespace

int main(int argc, char **argv) {
  double seconds = argc > 1 ? std::atof(argv[1]) : 2.0;
  spdlog::set_level(spdlog::level::warn);
  try {
    return run(seconds);
  } catch (const std::exception &e) {
    std::fprintf(stderr, "pcn-bench-lb: %s\n", e.what());
    return 1;
  }
}
