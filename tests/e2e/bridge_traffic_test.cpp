// End-to-end: namespaces joined by simplebridge (TC, generic and native XDP); real
// ping and TCP both ways; the filtering database and the port counters are
// asserted after the traffic.
#include <gtest/gtest.h>

#include <thread>

#include "helloworld.h"
#include "polycube/runtime.h"
#include "simplebridge.h"
#include "testnet.h"

using namespace polycube;
using namespace polycube::services;
using namespace pcntest;

namespace {

std::string mac_of(int i) { return "02:00:00:00:01:0" + std::to_string(i); }
std::string ip_of(int i) { return "10.77.0." + std::to_string(i); }

class BridgeTraffic : public ::testing::TestWithParam<Mode> {
 protected:
  // n namespaces h1..hn, each behind port p<i> of sb1.
  void build(int n) {
    rt = std::make_unique<Runtime>();
    sb = rt->create<SimpleBridge>("sb1", GetParam());
    for (int i = 1; i <= n; i++) {
      std::string h = "h" + std::to_string(i);
      net.add_ns(h);
      net.in(h, "sysctl -qw net.ipv6.conf.all.disable_ipv6=1");
      host.push_back(net.add_host(h, "v" + std::to_string(i), ip_of(i) + "/24", mac_of(i)));
      enable_native_xdp_rx(h);
      sb->add_port("p" + std::to_string(i), host.back());
    }
  }
  // Native XDP redirects into a veth only if the veth's peer has NAPI
  // enabled (an XDP program or GRO); GRO on the namespace side does it.
  void enable_native_xdp_rx(const std::string &h) { net.in(h, "ethtool -K eth0 gro on >/dev/null"); }
  void TearDown() override {
    sb.reset();
    rt.reset();
  }
  bool ping(int from, int to, int count = 2) {
    return net.in("h" + std::to_string(from), "ping -c " + std::to_string(count) + " -i 0.1 -W 1 -q " + ip_of(to) +
                                                   " >/dev/null") == 0;
  }
  // Sends `payload` over TCP from h<from> to h<to>; returns what arrived.
  std::string tcp(int from, int to, const std::string &payload) {
    std::string out = "/tmp/" + net.prefix() + "tcp" + std::to_string(to);
    std::string listen = "ip netns exec " + net.ns("h" + std::to_string(to)) + " timeout 5 nc -l -p 5201 > " + out;
    std::thread server([&] { sh(listen); });
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    net.in("h" + std::to_string(from), "sh -c 'echo " + payload + " | timeout 3 nc -N " + ip_of(to) + " 5201'");
    server.join();
    std::string got = sh_out("cat " + out);
    sh("rm -f " + out);
    return got;
  }

  TestNet net;
  std::vector<std::string> host;
  std::unique_ptr<Runtime> rt;
  std::shared_ptr<SimpleBridge> sb;
};

TEST_P(BridgeTraffic, TwoNamespacesPingAndTcpBothWays) {
  build(2);
  EXPECT_TRUE(ping(1, 2));
  EXPECT_TRUE(ping(2, 1));
  EXPECT_EQ(tcp(1, 2, "hello-from-1"), "hello-from-1");
  EXPECT_EQ(tcp(2, 1, "hello-from-2"), "hello-from-2");
  auto fdb = sb->fdb();
  ASSERT_EQ(fdb.size(), 2u);
  EXPECT_EQ(fdb[0].mac, mac_of(1));
  EXPECT_EQ(fdb[0].port, "p1");
  EXPECT_EQ(fdb[1].mac, mac_of(2));
  EXPECT_EQ(fdb[1].port, "p2");
  // 4 echo requests + ARP + TCP segments entered on each side.
  PortStats p1 = sb->port_stats("p1"), p2 = sb->port_stats("p2");
  EXPECT_GE(p1.rx_pkts, 4u + 5u);
  EXPECT_GE(p2.rx_pkts, 4u + 5u);
  EXPECT_EQ(p1.drops, 0u);
  // Everything h1 sent reached p2's wire (flooded copies are not counted in
  // XDP's devmap broadcast, so only TC counts exactly).
  if (!is_xdp(GetParam())) {
    EXPECT_EQ(p2.tx_pkts, p1.rx_pkts);
  }
}

TEST_P(BridgeTraffic, ThreeNamespacesFullMeshAndFdb) {
  build(3);
  for (int a = 1; a <= 3; a++)
    for (int b = 1; b <= 3; b++)
      if (a != b) {
        EXPECT_TRUE(ping(a, b, 1)) << a << "->" << b;
      }
  auto fdb = sb->fdb();
  ASSERT_EQ(fdb.size(), 3u);
  for (int i = 0; i < 3; i++) {
    EXPECT_EQ(fdb[i].mac, mac_of(i + 1));
    EXPECT_EQ(fdb[i].port, "p" + std::to_string(i + 1));
    EXPECT_LE(fdb[i].age, 5u);
  }
  sb->flush_fdb();
  EXPECT_TRUE(sb->fdb().empty());
  EXPECT_TRUE(ping(3, 1, 1));  // relearns
  EXPECT_EQ(sb->fdb().size(), 2u);
}

TEST_P(BridgeTraffic, EntriesAgeOut) {
  build(2);
  sb->set_aging_time(1);
  EXPECT_TRUE(ping(1, 2, 1));
  EXPECT_EQ(sb->fdb().size(), 2u);
  std::this_thread::sleep_for(std::chrono::milliseconds(2600));
  EXPECT_TRUE(sb->fdb().empty());
  EXPECT_THROW(sb->set_aging_time(0), Error);
  EXPECT_EQ(sb->aging_time(), 1u);
}

TEST_P(BridgeTraffic, HelloworldChainedCubeToCube) {
  // h1 -- hw1 -- sb1 -- h2, h3
  rt = std::make_unique<Runtime>();
  sb = rt->create<SimpleBridge>("sb1", GetParam());
  auto hw = rt->create<HelloWorld>("hw1", GetParam());
  for (int i = 1; i <= 3; i++) {
    std::string h = "h" + std::to_string(i);
    net.add_ns(h);
    net.in(h, "sysctl -qw net.ipv6.conf.all.disable_ipv6=1");
    host.push_back(net.add_host(h, "v" + std::to_string(i), ip_of(i) + "/24", mac_of(i)));
    enable_native_xdp_rx(h);
  }
  hw->add_port("p0", host[0]);
  hw->add_port("p1");
  sb->add_port("p1");
  sb->add_port("p2", host[1]);
  sb->add_port("p3", host[2]);
  rt->connect("hw1:p1", "sb1:p1");
  hw->set_action(HelloWorld::Action::kForward);
  EXPECT_TRUE(ping(1, 2));
  EXPECT_TRUE(ping(3, 1));
  EXPECT_TRUE(ping(2, 3));
  auto fdb = sb->fdb();
  ASSERT_EQ(fdb.size(), 3u);
  EXPECT_EQ(fdb[0].port, "p1");  // h1 is learned behind the cube port
  // What hw1 sent towards sb1 is what sb1 received on p1.
  EXPECT_EQ(hw->port_stats("p1").tx_pkts, sb->port_stats("p1").rx_pkts);
  EXPECT_EQ(hw->port_stats("p1").rx_pkts, sb->port_stats("p1").tx_pkts);
  hw->set_action(HelloWorld::Action::kDrop);
  EXPECT_FALSE(ping(1, 2, 1));
  EXPECT_TRUE(ping(2, 3, 1));
  EXPECT_GE(hw->port_stats("p0").drops, 1u);
}

INSTANTIATE_TEST_SUITE_P(Modes, BridgeTraffic, ::testing::Values(Mode::kTc, Mode::kXdpSkb, Mode::kXdpDrv),
                         [](const auto &info) { return std::string(to_string(info.param)); });

}  // namespace
