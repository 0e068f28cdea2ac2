// Packets per second and ns/packet between two namespaces over veth through
// the 802.1Q bridge (TC, generic XDP) against a Linux bridge, VLAN filtering
// off and on, same topology, same generator, same run; printed with ratios.
// The destination MAC is a static FDB entry in every case (no flooding).
// Each row also prints the ns/packet it adds over the bare path (the same
// generator and receiver across one veth pair, flood.h) and, for ours, the
// ratio of that to what Linux adds (goal: at most 0.5).
//
// If the kernel has no bridge module (this one has none), the Linux side is
// tc u32 + mirred redirect instead, and the output says so.
//
// Cases:
//   plain   Linux: vlan_filtering 0        ours: both ports access VLAN 1
//   access  Linux: vlan_filtering 1, both ports pvid 10 untagged
//           ours: both ports access VLAN 10
//   push    Linux: vlan_filtering 1, a pvid 10 untagged, b tagged 10
//           ours: a access 10, b trunk allowed 10 (802.1Q tag pushed)
//
//   pcn-bench-bridge-pps [seconds]   (default 3)
#include <fcntl.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <map>
#include <thread>

#include <spdlog/spdlog.h>

#include "bridge.h"
#include "flood.h"
#include "frames.h"
#include "polycube/runtime.h"
#include "testnet.h"

using namespace polycube;
using namespace polycube::services;
using namespace pcntest;

namespace {

const char *kMacA = "02:00:00:00:05:01";
const char *kMacB = "02:00:00:00:05:02";

// 64-byte UDP frames from `ns`'s eth0 as fast as one core sends them
// (AF_PACKET, sendmmsg, qdisc bypass) for `seconds`.
uint64_t generate(const std::string &ns, double seconds) {
  return pcnbench::flood(ns, {udp_frame(mac(kMacB), mac(kMacA), ip("10.99.0.1"), ip("10.99.0.200"), 9, 9, 64)}, seconds);
}

double measure(TestNet &net, double seconds, const std::string &sender = "a", const std::string &receiver = "b") {
  generate(net.ns(sender), 0.3);  // warm-up
  uint64_t before = pcnbench::rx_packets(net, receiver);
  generate(net.ns(sender), seconds);
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  return (pcnbench::rx_packets(net, receiver) - before) / seconds;
}

}  // namespace

int main(int argc, char **argv) {
  double seconds = argc > 1 ? std::atof(argv[1]) : 3.0;
  spdlog::set_level(spdlog::level::warn);
  TestNet net;
  net.add_ns("a");
  net.add_ns("b");
  std::string va = net.add_host("a", "va", "10.99.0.1/24", kMacA);
  std::string vb = net.add_host("b", "vb", "10.99.0.2/24", kMacB);

  std::printf("64-byte UDP frames ns a -> ns b over veth, %.0f s each, counted at b's eth0\n", seconds);
  // The same generator and receiver (b's address and MAC) across one veth
  // pair, no bridge: what every row below adds to (flood.h).
  double bare = pcnbench::bare_path(net, {"10.99.0.2/24", kMacB}, [&](const std::string &s, const std::string &r) {
                  return pcnbench::Rate{0, measure(net, seconds, s, r)};
                }).rx;
  pcnbench::print_bare_row("bare path (one veth pair a -> b)", bare);
  std::map<std::string, double> linux_pps;
  std::map<std::string, std::string> linux_name;
  const char *cases[] = {"plain", "access", "push"};
  std::string br = net.ifname("br");
  bool have_bridge = sh("ip link add " + br + " type bridge 2>/dev/null") == 0;
  bool have_vlan_filtering = have_bridge && sh("ip link set " + br + " type bridge vlan_filtering 1 2>/dev/null") == 0;
  if (have_bridge) sh("ip link del " + br);
  if (have_bridge && !have_vlan_filtering)
    std::printf("this kernel's Linux bridge has no VLAN filtering (CONFIG_BRIDGE_VLAN_FILTERING off): the VLAN\n"
                "cases are compared with the plain Linux bridge measured again\n");
  if (!have_bridge)
    std::printf("this kernel has no Linux bridge (nor 8021q, nor act_vlan): the Linux baseline is tc u32 + mirred\n"
                "redirect a -> b (in-kernel L2 forwarding without learning or VLANs), the same for every case\n");
  for (const std::string c : cases) {
    if (have_bridge) {
      bool vf = have_vlan_filtering && c != "plain";
      sh("ip link add " + br + " type bridge" + (vf ? " vlan_filtering 1" : "") + " && ip link set " + va +
         " master " + br + " && ip link set " + vb + " master " + br + " && ip link set " + br + " up");
      uint16_t vlan = vf ? 10 : 1;
      if (vf) {
        sh("bridge vlan add dev " + va + " vid 10 pvid untagged && bridge vlan del dev " + va + " vid 1");
        sh(c == "access" ? "bridge vlan add dev " + vb + " vid 10 pvid untagged && bridge vlan del dev " + vb + " vid 1"
                         : "bridge vlan add dev " + vb + " vid 10");
      }
      sh("bridge fdb add " + std::string(kMacB) + " dev " + vb + " master static" +
         (vf ? " vlan " + std::to_string(vlan) : std::string()));
      linux_name[c] = vf ? "Linux bridge vlan_filtering 1 " + c : "Linux bridge (no VLAN filtering)";
      linux_pps[c] = measure(net, seconds);
      sh("ip link del " + br);
    } else {
      sh("tc qdisc add dev " + va + " clsact && tc filter add dev " + va +
         " ingress protocol all u32 match u32 0 0 action mirred egress redirect dev " + vb);
      linux_name[c] = "Linux tc mirred (" + c + " case)";
      linux_pps[c] = measure(net, seconds);
      sh("tc qdisc del dev " + va + " clsact");
    }
    pcnbench::print_added_row(linux_name[c], linux_pps[c], bare);
  }
  for (Mode mode : {Mode::kTc, Mode::kXdpSkb}) {
    for (const std::string c : cases) {
      Runtime rt;
      auto br = rt.create<Bridge>("br1", mode);
      br->add_port("p1", va);
      br->add_port("p2", vb);
      uint16_t vlan = c == "plain" ? 1 : 10;
      br->set_port_vlan("p1", Bridge::PortVlan{false, vlan, {}, 0});
      br->set_port_vlan("p2", c == "push" ? Bridge::PortVlan{true, 1, {10}, 0} : Bridge::PortVlan{false, vlan, {}, 0});
      br->set_static_entries({{vlan, kMacB, "p2"}});
      double pps = measure(net, seconds);
      pcnbench::print_added_row("bridge " + std::string(to_string(mode)) + " " + c, pps, bare, linux_pps[c]);
      std::printf("  whole-path pps ratio %.2f vs %s\n", pps / linux_pps[c], linux_name[c].c_str());
    }
  }
  return 0;
}
