// End-to-end: a transparent cube attached to and detached from a bridge
// port and a bare netdev while traffic flows.
#include <gtest/gtest.h>

#include "polycube/runtime.h"
#include "simplebridge.h"
#include "testnet.h"
#include "transparenthelloworld.h"
#include "udpflow.h"

using namespace polycube;
using namespace polycube::services;
using namespace pcntest;

namespace {

class TransparentTraffic : public ::testing::TestWithParam<Mode> {
 protected:
  void SetUp() override {
    net.add_ns("a");
    net.add_ns("b");
    va = net.add_host("a", "va", "10.66.0.1/24", "02:00:00:00:03:01");
    vb = net.add_host("b", "vb", "10.66.0.2/24", "02:00:00:00:03:02");
    net.in("a", "ip neigh replace 10.66.0.2 lladdr 02:00:00:00:03:02 dev eth0");
    net.in("b", "ip neigh replace 10.66.0.1 lladdr 02:00:00:00:03:01 dev eth0");
    rt = std::make_unique<Runtime>();
  }
  void TearDown() override { rt.reset(); }
  bool ping(int count = 2) { return net.in("a", "ping -c " + std::to_string(count) + " -i 0.1 -W 1 -q 10.66.0.2 >/dev/null") == 0; }

  TestNet net;
  std::string va, vb;
  std::unique_ptr<Runtime> rt;
};

TEST_P(TransparentTraffic, AttachDetachOnBridgePortUnderTraffic) {
  auto sb = rt->create<SimpleBridge>("sb1", GetParam());
  sb->add_port("p1", va);
  sb->add_port("p2", vb);
  auto t = rt->create<TransparentHelloWorld>("t1", GetParam());
  ASSERT_TRUE(ping(1));  // learn both MACs

  UdpFlow flow(net.ns("a"), net.ns("b"), "10.66.0.2", 7001, 3000, 500);
  flow.start();
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  rt->attach("t1", "sb1:p1");
  std::this_thread::sleep_for(std::chrono::milliseconds(400));
  rt->detach("t1", "sb1:p1");
  flow.finish();
  // Read once the flow is over: a datagram inside the block when it was
  // detached still finishes its trip (and its count) on the other CPU.
  uint64_t seen = t->packets(TransparentHelloWorld::kIngress);
  EXPECT_EQ(flow.received(), flow.sent()) << "attach/detach lost packets";
  EXPECT_GT(seen, 100u);  // ~800 datagrams crossed it while attached
  EXPECT_LT(seen, flow.sent());
  // Detached: its counter stays still while traffic goes on.
  ASSERT_TRUE(ping(2));
  EXPECT_EQ(t->packets(TransparentHelloWorld::kIngress), seen);

  // Attached with ingress DROP, traffic from a stops; replies direction
  // (egress towards a) is counted on the egress handler.
  rt->attach("t1", "sb1:p1");
  t->set_action(TransparentHelloWorld::kIngress, TransparentHelloWorld::Action::kDrop);
  EXPECT_FALSE(ping(1));
  t->set_action(TransparentHelloWorld::kIngress, TransparentHelloWorld::Action::kPass);
  uint64_t eg = t->packets(TransparentHelloWorld::kEgress);
  EXPECT_TRUE(ping(2));
  EXPECT_GE(t->packets(TransparentHelloWorld::kEgress), eg + 2);  // the echo replies
  rt->delete_cube("t1");  // detached first, as a qdisc goes with its interface
  EXPECT_TRUE(sb->port("p1").transparent.empty());
  EXPECT_TRUE(ping(1));
}

TEST_P(TransparentTraffic, StackOrderOnOnePort) {
  auto sb = rt->create<SimpleBridge>("sb1", GetParam());
  sb->add_port("p1", va);
  sb->add_port("p2", vb);
  auto t1 = rt->create<TransparentHelloWorld>("t1", GetParam());
  auto t2 = rt->create<TransparentHelloWorld>("t2", GetParam());
  rt->attach("t1", "sb1:p1");
  rt->attach("t2", "sb1:p1", "first");  // t2 sees ingress before t1
  EXPECT_EQ(sb->port("p1").transparent, (std::vector<std::string>{"t2", "t1"}));
  t2->set_action(TransparentHelloWorld::kIngress, TransparentHelloWorld::Action::kDrop);
  EXPECT_FALSE(ping(1));
  EXPECT_GE(t2->packets(TransparentHelloWorld::kIngress), 1u);
  EXPECT_EQ(t1->packets(TransparentHelloWorld::kIngress), 0u);  // never reached
  rt->detach("t2", "sb1:p1");
  EXPECT_TRUE(ping(1));
  EXPECT_GE(t1->packets(TransparentHelloWorld::kIngress), 1u);
}

TEST_P(TransparentTraffic, BareNetdevSeesBothDirections) {
  // No cube: the transparent cube sits on veth va itself.
  net.in("a", "ip neigh flush dev eth0");
  sh("ip addr add 10.66.0.254/24 dev " + va);
  auto t = rt->create<TransparentHelloWorld>("t1", GetParam());
  rt->attach("t1", va);
  EXPECT_EQ(net.in("a", "ping -c 3 -i 0.1 -W 1 -q 10.66.0.254 >/dev/null"), 0);
  EXPECT_GE(t->packets(TransparentHelloWorld::kIngress), 3u);
  if (is_xdp(GetParam())) {
    EXPECT_EQ(t->packets(TransparentHelloWorld::kEgress), 0u);  // XDP has no egress hook
  } else {
    EXPECT_GE(t->packets(TransparentHelloWorld::kEgress), 3u);
  }
  t->set_action(TransparentHelloWorld::kIngress, TransparentHelloWorld::Action::kDrop);
  EXPECT_NE(net.in("a", "ping -c 1 -W 1 -q 10.66.0.254 >/dev/null"), 0);
  rt->detach("t1", va);
  EXPECT_EQ(net.in("a", "ping -c 1 -W 1 -q 10.66.0.254 >/dev/null"), 0);
  EXPECT_EQ(sh_out("tc qdisc show dev " + va + " | grep -c clsact"), "0");
}

INSTANTIATE_TEST_SUITE_P(Modes, TransparentTraffic, ::testing::Values(Mode::kTc, Mode::kXdpSkb),
                         [](const auto &info) { return std::string(to_string(info.param)); });

}  // namespace
