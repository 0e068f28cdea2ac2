// End-to-end: a port's peer netdev deleted under traffic. Its ifindex,
// handed to an unrelated new interface, must receive nothing of the port's
// traffic; a netdev that comes back under the same name is taken again only
// by a port that asks for it (reattach).
#include <gtest/gtest.h>
#include <net/if.h>

#include <fstream>
#include <map>
#include <thread>

#include <nlohmann/json.hpp>

#include "pcnd.h"
#include "polycube/runtime.h"
#include "simplebridge.h"
#include "testnet.h"
#include "udpflow.h"

using namespace polycube;
using namespace polycube::services;
using namespace pcntest;

namespace {

uint64_t link_counter(const std::string &dev, const std::string &counter) {
  std::ifstream f("/sys/class/net/" + dev + "/statistics/" + counter);
  uint64_t v = 0;
  f >> v;
  return v;
}

// Polls `done` for up to 3 s (the runtime hears of links asynchronously).
template <class Pred>
bool soon(Pred done) {
  for (int i = 0; i < 300; i++) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return false;
}

class PeerNetdevGone : public ::testing::Test {
 protected:
  void SetUp() override {
    net.add_ns("a");
    net.add_ns("b");
    va = net.add_host("a", "va", "10.67.0.1/24", "02:00:00:00:05:01");
    vb = net.add_host("b", "vb", "10.67.0.2/24", "02:00:00:00:05:02");
    net.in("a", "ip neigh replace 10.67.0.2 lladdr 02:00:00:00:05:02 dev eth0");
    net.in("b", "ip neigh replace 10.67.0.1 lladdr 02:00:00:00:05:01 dev eth0");
    rt = std::make_unique<Runtime>();
    sb = rt->create<SimpleBridge>("sb1", Mode::kTc);
    sb->add_port("p1", va);
    sb->add_port("p2", vb);
  }
  void TearDown() override {
    sb.reset();
    rt.reset();
    if (!reuser.empty()) sh("ip link del " + reuser + " 2>/dev/null");
  }
  bool ping() { return net.in("a", "ping -c 1 -W 1 -q 10.67.0.2 >/dev/null") == 0; }
  // vb again, same name, into namespace b.
  void recreate_vb() { net.add_host("b", "vb", "10.67.0.2/24", "02:00:00:00:05:02"); }

  TestNet net;
  std::string va, vb, reuser;
  std::unique_ptr<Runtime> rt;
  std::shared_ptr<SimpleBridge> sb;
};

TEST_F(PeerNetdevGone, DeletedPeerIfindexReusedByAnotherInterfaceReceivesNothing) {
  ASSERT_TRUE(ping());  // the bridge learns both MACs: a's frames to b go out p2 only
  const uint32_t ifindex = if_nametoindex(vb.c_str());
  ASSERT_NE(ifindex, 0u);

  UdpFlow flow(net.ns("a"), net.ns("b"), "10.67.0.2", 7101, 4000, 250);
  flow.start();
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  ASSERT_GT(flow.received(), 0u);
  ASSERT_EQ(sh("ip link del " + vb), 0);
  ASSERT_TRUE(soon([&] { return sb->port("p2").peer.kind == Peer::kNone; })) << "peer not cleared";
  EXPECT_EQ(sb->port("p2").lost_peer, vb);
  EXPECT_EQ(port_status(sb->port("p2")), "down: peer netdev " + vb + " was deleted");
  EXPECT_EQ(rt->netdevs_lost(), 1u);

  // An unrelated interface takes the very ifindex while a still sends.
  reuser = net.ifname("vx");
  ASSERT_EQ(sh("ip link add " + reuser + " index " + std::to_string(ifindex) + " type veth peer name " + reuser + "p"), 0);
  sh("sysctl -qw net.ipv6.conf." + reuser + ".disable_ipv6=1 net.ipv6.conf." + reuser + "p.disable_ipv6=1");
  sh("ip link set " + reuser + " up && ip link set " + reuser + "p up");
  ASSERT_EQ(if_nametoindex(reuser.c_str()), ifindex);
  ASSERT_TRUE(flow.sending());
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  ASSERT_TRUE(flow.sending()) << "the flow ended before the reuser saw 300 ms of it";
  EXPECT_EQ(link_counter(reuser, "tx_packets"), 0u) << "the port's traffic went to the ifindex's new owner";
  EXPECT_EQ(link_counter(reuser + "p", "rx_packets"), 0u);
  flow.stop_sending();
  flow.finish(100);
  EXPECT_GT(sb->port_stats("p1").rx_pkts, 0u);

  // The same name back: not taken (the port did not ask for it).
  recreate_vb();
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  EXPECT_EQ(sb->port("p2").peer.kind, Peer::kNone);
  EXPECT_FALSE(ping());
  // Set again by hand, it works and the status forgets the loss.
  sb->set_peer("p2", vb);
  EXPECT_EQ(port_status(sb->port("p2")), "up");
  EXPECT_TRUE(ping());
}

TEST_F(PeerNetdevGone, ReattachTakesTheNetdevOfThatNameBack) {
  sb->set_reattach("p2", true);
  ASSERT_TRUE(ping());
  ASSERT_EQ(sh("ip link del " + vb), 0);
  ASSERT_TRUE(soon([&] { return sb->port("p2").peer.ifindex == 0; }));
  EXPECT_EQ(sb->port("p2").peer.to_string(), vb);  // keeps the name
  EXPECT_EQ(port_status(sb->port("p2")), "waiting for netdev " + vb + " (deleted; reattach is set)");
  EXPECT_FALSE(ping());
  recreate_vb();
  ASSERT_TRUE(soon([&] { return sb->port("p2").peer.ifindex == if_nametoindex(vb.c_str()); }));
  EXPECT_EQ(port_status(sb->port("p2")), "up");
  EXPECT_TRUE(ping());
  EXPECT_EQ(rt->netdevs_lost(), 1u);
  // Asking no more while waiting clears the peer.
  ASSERT_EQ(sh("ip link del " + vb), 0);
  ASSERT_TRUE(soon([&] { return sb->port("p2").peer.ifindex == 0; }));
  sb->set_reattach("p2", false);
  EXPECT_EQ(sb->port("p2").peer.kind, Peer::kNone);
  recreate_vb();
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  EXPECT_EQ(sb->port("p2").peer.kind, Peer::kNone);
}

// Through the daemon: the configuration stops naming a deleted peer (one
// version saying why), the status says what happened, /metrics counts it;
// a port with reattach keeps the name in its configuration.
TEST(PeerNetdevGoneDaemon, ConfigurationStatusAndMetric) {
  TestNet net;
  net.add_ns("a");
  std::string v1 = net.add_host("a", "v1", "10.68.0.1/24"), v2 = net.add_host("a", "v2", "", "", "eth1");
  Pcnd pcnd(net.prefix());
  ASSERT_TRUE(pcnd.start());
  ASSERT_EQ(pcnd.rest("POST", "", R"({"helloworld:helloworld":[{"name":"hw0","ports":[{"name":"p1","peer":")" + v1 +
                                      R"("},{"name":"p2","peer":")" + v2 + R"(","reattach":true}]}]})")
                .status,
            201);
  ASSERT_EQ(sh("ip link del " + v1 + " && ip link del " + v2), 0);
  auto peer_of = [&](const std::string &port) {
    return pcnd.rest("GET", "/helloworld:helloworld=hw0/ports=" + port + "/peer");
  };
  ASSERT_TRUE(soon([&] { return peer_of("p1").status == 404; })) << peer_of("p1").body;
  EXPECT_EQ(peer_of("p2").status, 200);  // reattach: the name stays
  auto cube = nlohmann::json::parse(pcnd.rest("GET", "/polycube:cubes/cube=hw0").body);
  std::map<std::string, std::string> status;
  for (const auto &p : cube["polycube:cube"][0]["ports"]) status[p["name"].get<std::string>()] = p["status"].get<std::string>();
  EXPECT_EQ(status["p1"], "down: peer netdev " + v1 + " was deleted");
  EXPECT_EQ(status["p2"], "waiting for netdev " + v2 + " (deleted; reattach is set)");
  auto versions = nlohmann::json::parse(pcnd.rest("GET", "/polycube:versions").body)["polycube:versions"];
  EXPECT_EQ(versions["version"][0]["message"], "netdev " + v1 + " went away");
  EXPECT_NE(pcnd.raw("GET", "/metrics").body.find("polycube_netdevs_lost_total 2"), std::string::npos);
  // Other writes to the cube go on (the lost peer is not taken again).
  EXPECT_EQ(pcnd.rest("PATCH", "", R"({"helloworld:helloworld":[{"name":"hw0","action":"DROP"}]})").status, 204);
  EXPECT_TRUE(pcnd.stop());
}

}  // namespace
