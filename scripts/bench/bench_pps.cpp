// Packets per second between two namespaces over veth: simplebridge (TC,
// generic XDP) against a Linux bridge, same topology, same generator, same
// run. The generator is AF_PACKET sendmmsg with PACKET_QDISC_BYPASS inside
// the sender namespace; packets are counted at the receiver's interface.
//
//   pcn-bench-pps [seconds]   (default 3)
#include <arpa/inet.h>
#include <fcntl.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <thread>

#include <spdlog/spdlog.h>

#include "bench_util.h"
#include "flood.h"
#include "frames.h"
#include "polycube/runtime.h"
#include "simplebridge.h"
#include "testnet.h"

using namespace polycube;
using namespace polycube::services;
using namespace pcntest;

namespace {

const char *kMacA = "02:00:00:00:05:01";
const char *kMacB = "02:00:00:00:05:02";

// Sends 64-byte UDP frames from `ns`'s eth0 as fast as possible for
// `seconds`; returns how many the kernel accepted.
uint64_t generate(const std::string &ns, double seconds) {
  // Destination IP owned by nobody: the receiver counts and drops it
  // silently (no forwarding, no ICMP back through the bridge).
  return pcnbench::flood(ns, {udp_frame(mac(kMacB), mac(kMacA), ip("10.99.0.1"), ip("10.99.0.200"), 9, 9, 64)}, seconds);
}

struct Result {
  double sent_pps, rx_pps;
};

Result measure(TestNet &net, double seconds) {
  generate(net.ns("a"), 0.3);  // warm-up (and FDB learning)
  uint64_t before = pcnbench::rx_packets(net, "b");
  uint64_t sent = generate(net.ns("a"), seconds);
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  uint64_t got = pcnbench::rx_packets(net, "b") - before;
  return {sent / seconds, got / seconds};
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
  for (const char *n : {"a", "b"}) net.in(n, "sysctl -qw net.ipv6.conf.all.disable_ipv6=1");

  std::printf("64-byte UDP frames ns a -> ns b over veth, %.0f s each, counted at b's eth0\n", seconds);
  // b's MAC must be known to every switch so frames are unicast, not flooded:
  // one frame from b teaches it.
  auto teach = [&] { net.in("b", "ping -c 1 -W 1 -q 10.99.0.1 >/dev/null"); };

  std::string bridge = net.ifname("br");
  sh("ip link add " + bridge + " type bridge && ip link set " + va + " master " + bridge + " && ip link set " + vb +
     " master " + bridge + " && ip link set " + bridge + " up");
  teach();
  Result linux_br = measure(net, seconds);
  sh("ip link del " + bridge);
  std::printf("%-28s sent %9.0f pps   received %9.0f pps\n", "Linux bridge", linux_br.sent_pps, linux_br.rx_pps);

  for (Mode mode : {Mode::kTc, Mode::kXdpSkb}) {
    Runtime rt;
    auto sb = rt.create<SimpleBridge>("sb1", mode);
    sb->add_port("p1", va);
    sb->add_port("p2", vb);
    teach();
    Result r = measure(net, seconds);
    std::printf("%-28s sent %9.0f pps   received %9.0f pps   ratio vs Linux bridge %.2f\n",
                (std::string("simplebridge ") + to_string(mode)).c_str(), r.sent_pps, r.rx_pps,
                r.rx_pps / linux_br.rx_pps);
  }
  return 0;
}
