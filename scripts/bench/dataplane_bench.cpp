// ns per packet of each service's data plane under BPF_PROG_TEST_RUN,
// through the real netdev hook, next to the cheapest program of the same
// hook type measured in the same run. It is the figure that moves when the
// shared packet library (parsing, checksums, connection tracking in
// libpolycube/include/polycube) changes, so it is run before and after
// such a change. Pinned to one CPU; best of three runs per figure.
//
//   pcn-bench-dataplane [repeat]        (default 1000000)
#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <time.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>

#include <spdlog/spdlog.h>

#include "bench_util.h"
#include "bridge.h"
#include "dataplane_baseline_bpf.h"
#include "ddosmitigator.h"
#include "firewall.h"
#include "frames.h"
#include "helloworld.h"
#include "nat.h"
#include "polycube/mac.h"
#include "polycube/netdev.h"
#include "polycube/runtime.h"
#include "prog_timing.h"
#include "progrun.h"
#include "router.h"
#include "simplebridge.h"
#include "testnet.h"

using namespace polycube;
using namespace polycube::services;
using namespace pcntest;

namespace {

uint32_t g_repeat = 1000000;
const char *kMacA = "02:00:00:00:0b:01";
const char *kMacB = "02:00:00:00:0b:02";

double ns(const std::string &pin, Mode mode, uint32_t ifindex, const std::string &frame) {
  return pcnbench::ns_per_packet(pin, mode, ifindex, frame, g_repeat);
}

uint32_t verdict(const std::string &pin, Mode mode, uint32_t ifindex, const std::string &frame) {
  return run_pinned(pin, mode, ifindex, frame).verdict;
}

void row(Mode mode, const char *what, double v, double baseline, bool ok) {
  std::printf("%-8s %-52s %7.1f ns/pkt  (+%.1f over baseline)%s\n", to_string(mode), what, v, v - baseline,
              ok ? "" : "  UNEXPECTED VERDICT");
}

std::string udp(const std::string &dst_mac, const char *src, const char *dst, uint16_t sport, uint16_t dport) {
  return udp_frame(mac(dst_mac), mac(kMacA), ip(src), ip(dst), sport, dport, 64);
}

void bench_mode(Mode mode, const std::string &va, const std::string &vb) {
  Runtime rt;
  std::string hook = rt.pin_root() + (is_xdp(mode) ? "/hooks/xdp_ingress" : "/hooks/tc_ingress");
  uint32_t ifa = netdev_ifindex(va), ifb = netdev_ifindex(vb);
  const uint32_t kPass = is_xdp(mode) ? XDP_PASS : TC_ACT_OK;
  const uint32_t kDrop = is_xdp(mode) ? XDP_DROP : TC_ACT_SHOT;
  const uint32_t kRedirect = is_xdp(mode) ? XDP_REDIRECT : TC_ACT_REDIRECT;

  LoadSpec spec;
  spec.pin_root = rt.globals_dir();
  auto base = load_object(is_xdp(mode) ? dataplane_baseline_bpf().xdp : dataplane_baseline_bpf().tc, spec);
  std::string base_pin = rt.pin_root() + "/bench_baseline";
  bpf_obj_pin(base->prog_fd("bench_pass"), base_pin.c_str());
  std::string f = udp(kMacB, "10.11.0.1", "10.11.0.2", 1000, 2000);
  double baseline = ns(base_pin, mode, ifa, f);
  unlink(base_pin.c_str());
  std::printf("%-8s %-52s %7.1f ns/pkt\n", to_string(mode), "baseline (return pass)", baseline);

  {  // firewall on the netdev, INGRESS chain: 10 rules, the last one matches.
    auto fw = rt.create<Firewall>("fw1", mode);
    fw->set_log_level("WARN");
    rt.attach("fw1", va);
    fw::Config c;
    for (int i = 0; i < 9; i++) {
      fw::Rule r;
      r.src = fw::Prefix{ip("172.16.0.0") + uint32_t(i), 32};
      r.action = FW_A_DROP;
      c.chains[FW_INGRESS].rules.push_back(r);
    }
    fw::Rule last;
    last.src = fw::Prefix{ip("10.11.0.1"), 32};
    last.proto = 17;
    last.dport = fw::PortRange{2000, 2000};
    last.action = FW_A_ACCEPT;
    c.chains[FW_INGRESS].rules.push_back(last);
    c.chains[FW_INGRESS].default_action = FW_A_DROP;
    fw->apply(c);
    row(mode, "firewall, 10 rules (src, proto, dport), last accepts", ns(hook, mode, ifa, f), baseline,
        verdict(hook, mode, ifa, f) == kPass);
    // Stateful: accept-established, a UDP flow whose reply was seen.
    c.accept_established = true;
    fw::Rule open;
    open.src = fw::Prefix{ip("10.11.0.2"), 32};
    open.action = FW_A_ACCEPT;
    c.chains[FW_INGRESS].rules.insert(c.chains[FW_INGRESS].rules.begin(), open);
    fw->apply(c);
    std::string reply = udp(kMacB, "10.11.0.2", "10.11.0.3", 3000, 4000);
    std::string est = udp(kMacB, "10.11.0.3", "10.11.0.2", 4000, 3000);
    verdict(hook, mode, ifa, reply);  // opens the session (rule 0 accepts)
    bool ok = verdict(hook, mode, ifa, est) == kPass;
    row(mode, "firewall, conntrack, established UDP (accept-established)", ns(hook, mode, ifa, est), baseline, ok);
    rt.detach("fw1", va);
    rt.delete_cube("fw1");
  }
  {  // ddosmitigator on the netdev: one /16 source prefix.
    auto dd = rt.create<DdosMitigator>("dd1", mode);
    dd->set_log_level("WARN");
    rt.attach("dd1", va);
    dd->set_blacklists({"10.200.0.0/16"}, {});
    std::string hit = udp(kMacB, "10.200.0.1", "10.11.0.2", 9, 9);
    row(mode, "ddosmitigator, src list, miss (pass)", ns(hook, mode, ifa, f), baseline, verdict(hook, mode, ifa, f) == kPass);
    row(mode, "ddosmitigator, src list, hit (drop)", ns(hook, mode, ifa, hit), baseline,
        verdict(hook, mode, ifa, hit) == kDrop);
    rt.detach("dd1", va);
    rt.delete_cube("dd1");
  }
  {  // router: forward between two connected networks.
    auto r = rt.create<Router>("r1", mode);
    r->add_port("p1", va);
    r->add_port("p2", vb);
    RouterConfig c;
    c.ports["p1"].primary = ipv4::parse_cidr("10.11.1.1/24");
    c.ports["p2"].primary = ipv4::parse_cidr("10.11.2.1/24");
    r->apply(c);
    rt_arp_entry n{};
    polycube::mac_to_bytes(polycube::mac_from_string(kMacB), n.mac);
    n.port = r->port("p2").index;
    timespec ts{};
    clock_gettime(CLOCK_MONOTONIC, &ts);
    n.timestamp = uint64_t(ts.tv_sec);
    r->map<uint32_t, rt_arp_entry>("rt_arp").set(htonl(ip("10.11.2.2")), n);
    std::string fr = udp(polycube::mac_to_string(r->port_mac("p1")), "10.11.1.2", "10.11.2.2", 9, 9);
    row(mode, "router, forward (LPM, ARP hit, TTL, MACs)", ns(hook, mode, ifa, fr), baseline,
        verdict(hook, mode, ifa, fr) == kRedirect);
    rt.delete_cube("r1");
  }
  {  // simplebridge: known unicast.
    auto sb = rt.create<SimpleBridge>("sb1", mode);
    sb->add_port("p1", va);
    sb->add_port("p2", vb);
    run_pinned(hook, mode, ifb, udp_frame(mac(kMacA), mac(kMacB), ip("10.11.0.2"), ip("10.11.0.1"), 2, 1, 64));
    row(mode, "simplebridge, known unicast", ns(hook, mode, ifa, f), baseline, verdict(hook, mode, ifa, f) == kRedirect);
    rt.delete_cube("sb1");
  }
  {  // nat on a port of a forwarding helloworld: SNAT, one UDP flow both ways.
    auto hw = rt.create<HelloWorld>("hw1", mode);
    hw->add_port("in", va);
    hw->add_port("out", vb);
    hw->set_action(HelloWorld::Action::kForward);
    std::string outf = udp(kMacB, "10.11.0.1", "8.8.8.8", 1000, 53);
    std::string backf = udp_frame(mac(kMacA), mac(kMacB), ip("8.8.8.8"), ip("192.168.1.100"), 53, 1000, 64);
    double bare = ns(hook, mode, ifa, outf);
    auto nat = rt.create<Nat>("nat1", mode);
    nat->set_log_level("WARN");
    rt.attach("nat1", "hw1:out");
    nat::Config c;
    c.snat.push_back({0, ip("10.11.0.0"), 16, ip("192.168.1.100")});
    nat->apply(c);
    bool ok = verdict(hook, mode, ifa, outf) == kRedirect && verdict(hook, mode, ifb, backf) == kRedirect;
    row(mode, "helloworld forward (what the nat sits on)", bare, baseline, true);
    row(mode, "nat, SNAT, established UDP, egress (translated)", ns(hook, mode, ifa, outf), baseline, ok);
    row(mode, "nat, SNAT, established UDP, ingress (reply)", ns(hook, mode, ifb, backf), baseline, ok);
    rt.detach("nat1", "hw1:out");
    rt.delete_cube("nat1");
    rt.delete_cube("hw1");
  }
  {  // bridge: known unicast, both ports access VLAN 10.
    auto br = rt.create<Bridge>("br1", mode);
    br->add_port("p1", va);
    br->add_port("p2", vb);
    Bridge::PortVlan v;
    v.vlan = 10;
    br->set_port_vlan("p1", v);
    br->set_port_vlan("p2", v);
    run_pinned(hook, mode, ifb, udp_frame(mac(kMacA), mac(kMacB), ip("10.11.0.2"), ip("10.11.0.1"), 2, 1, 64));
    row(mode, "bridge, known unicast, access VLAN 10", ns(hook, mode, ifa, f), baseline,
        verdict(hook, mode, ifa, f) == kRedirect);
    rt.delete_cube("br1");
  }
}

}  // namespace

int main(int argc, char **argv) {
  if (argc > 1) g_repeat = static_cast<uint32_t>(std::atoi(argv[1]));
  spdlog::set_level(spdlog::level::warn);
  pcnbench::pin_to_cpu(1);
  try {
    TestNet net;
    net.add_ns("a");
    net.add_ns("b");
    std::string va = net.add_host("a", "va", "", kMacA);
    std::string vb = net.add_host("b", "vb", "", kMacB);
    std::printf("BPF_PROG_TEST_RUN through the netdev hook, repeat %u, best of 3, CPU 1\n", g_repeat);
    for (Mode m : {Mode::kTc, Mode::kXdpSkb}) bench_mode(m, va, vb);
  } catch (const std::exception &e) {
    std::fprintf(stderr, "pcn-bench-dataplane: %s\n", e.what());
    return 1;
  }
  return 0;
}
