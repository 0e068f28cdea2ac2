// End-to-end: the slow path. Packets punted to a control plane (helloworld's
// SLOWPATH logs and drops them), frames a control plane sends out of a port
// (packet-out) into another cube, and the bridge's flood to several cube
// peers, which goes through the control plane.
#include <gtest/gtest.h>

#include <map>
#include <thread>

#include "helloworld.h"
#include "polycube/packet.h"
#include "polycube/runtime.h"
#include "simplebridge.h"
#include "testnet.h"

using namespace polycube;
using namespace polycube::services;
using namespace pcntest;

namespace {

class SlowPath : public ::testing::TestWithParam<Mode> {
 protected:
  std::string host(int i) {
    std::string h = "h" + std::to_string(i);
    net.add_ns(h);
    net.in(h, "sysctl -qw net.ipv6.conf.all.disable_ipv6=1");
    std::string v = net.add_host(h, "v" + std::to_string(i), "10.44.0." + std::to_string(i) + "/24",
                                 "02:00:00:00:06:0" + std::to_string(i));
    net.in(h, "ethtool -K eth0 gro on >/dev/null");
    return v;
  }
  bool ping(int from, int to, int count = 3) {
    return net.in("h" + std::to_string(from), "ping -c " + std::to_string(count) + " -i 0.1 -W 1 -q 10.44.0." +
                                                   std::to_string(to) + " >/dev/null") == 0;
  }
  TestNet net;
};

TEST_P(SlowPath, HelloworldSlowpathLogsAndDrops) {
  std::string v1 = host(1), v2 = host(2);
  Runtime rt;
  auto hw = rt.create<HelloWorld>("hw1", GetParam());
  hw->add_port("p0", v1);
  hw->add_port("p1", v2);
  hw->set_action(HelloWorld::Action::kSlowpath);
  EXPECT_FALSE(ping(1, 2, 2));
  // h1's ARP requests (at least) reached the control plane, and went no further.
  EXPECT_GE(hw->packets_in(), 2u);
  EXPECT_EQ(hw->port_stats("p1").tx_pkts, 0u);
  EXPECT_EQ(hw->port_stats("p0").tx_pkts, 0u);
  hw->set_action(HelloWorld::Action::kForward);
  EXPECT_TRUE(ping(1, 2, 1));
  hw->set_action(HelloWorld::Action::kDrop);
  uint64_t before = hw->packets_in();
  EXPECT_FALSE(ping(1, 2, 1));
  EXPECT_EQ(hw->packets_in(), before);
}

TEST_P(SlowPath, PacketOutIntoAnotherCube) {
  // hw1 -- sb1 -- h2: frames hw1's control plane sends out of p1 enter sb1
  // and reach h2.
  std::string v2 = host(2);
  Runtime rt;
  auto hw = rt.create<HelloWorld>("hw1", GetParam());
  auto sb = rt.create<SimpleBridge>("sb1", GetParam());
  hw->add_port("p1");
  sb->add_port("up");
  sb->add_port("p2", v2);
  rt.connect("hw1:p1", "sb1:up");
  // Echo requests from an address of h2's subnet, as a host behind hw1 would send.
  net.in("h2", "ip neigh replace 10.44.0.1 lladdr 02:00:00:00:06:01 dev eth0");
  // Sent until three have entered sb1: on a loaded machine the first
  // packet-out frames in TC mode were seen lost while the packet-out veth
  // came up (see the report of issue 16's branch).
  for (uint16_t seq = 1; seq <= 60 && sb->port_stats("up").rx_pkts < 3; seq++) {
    packet::Packet req;
    req.eth(packet::mac("02:00:00:00:06:02"), packet::mac("02:00:00:00:06:01"))
        .ipv4(packet::ip("10.44.0.1"), packet::ip("10.44.0.2"))
        .with_icmp(8, 0, 77, seq)
        .with_payload("slow path");
    hw->packet_out("p1", packet::build(req));
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ASSERT_GE(sb->port_stats("up").rx_pkts, 3u);
  // Every frame counted as sent by hw1:p1 entered sb1:up.
  EXPECT_EQ(hw->port_stats("p1").tx_pkts, sb->port_stats("up").rx_pkts);
  // h2's echo replies come back towards hw1 (dropped there: DROP).
  for (int i = 0; i < 300 && sb->port_stats("up").tx_pkts < 3; i++)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  EXPECT_GE(sb->port_stats("up").tx_pkts, 3u);
  std::map<std::string, std::string> fdb;
  for (const auto &e : sb->fdb()) fdb[e.mac] = e.port;
  EXPECT_EQ(fdb["02:00:00:00:06:01"], "up");  // learned from the injected frames
  EXPECT_EQ(fdb["02:00:00:00:06:02"], "p2");
}

TEST_P(SlowPath, FloodReachesSeveralCubePeers) {
  // sb1 has one netdev port and two ports towards helloworld cubes; an ARP
  // broadcast from h1 must reach both h2 and h3 (via the control plane for
  // the cube peers beyond the first).
  std::string v1 = host(1), v2 = host(2), v3 = host(3);
  Runtime rt;
  auto sb = rt.create<SimpleBridge>("sb1", GetParam());
  auto hw2 = rt.create<HelloWorld>("hw2", GetParam());
  auto hw3 = rt.create<HelloWorld>("hw3", GetParam());
  sb->add_port("p1", v1);
  sb->add_port("c2");
  sb->add_port("c3");
  for (auto &[hw, v] : {std::pair{hw2, v2}, std::pair{hw3, v3}}) {
    hw->add_port("in");
    hw->add_port("out", v);
    hw->set_action(HelloWorld::Action::kForward);
  }
  rt.connect("sb1:c2", "hw2:in");
  rt.connect("sb1:c3", "hw3:in");
  EXPECT_TRUE(ping(1, 2));
  EXPECT_TRUE(ping(1, 3));
  EXPECT_TRUE(ping(3, 2));
  EXPECT_EQ(sb->fdb().size(), 3u);
  EXPECT_GE(hw2->port_stats("in").rx_pkts, 3u);
  EXPECT_GE(hw3->port_stats("in").rx_pkts, 3u);
}

INSTANTIATE_TEST_SUITE_P(Modes, SlowPath, ::testing::Values(Mode::kTc, Mode::kXdpSkb, Mode::kXdpDrv),
                         [](const auto &info) { return std::string(to_string(info.param)); });

}  // namespace
