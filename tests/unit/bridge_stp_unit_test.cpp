// The bridge's spanning tree as pure logic (services/bridge/stp.h): BPDU
// wire format, and three simulated bridges in a loop exchanging BPDUs with
// a virtual clock: roles, states and timers, root loss.
#include <gtest/gtest.h>

#include <deque>
#include <map>
#include <set>

#include "stp.h"

using namespace polycube::services;

namespace {

TEST(BridgeStpLogic, BpduRoundTripAndRejects) {
  Bpdu b;
  b.root_id = 0x1000020000000001ull;
  b.root_path_cost = 4000;
  b.bridge_id = 0x8000020000000002ull;
  b.port_id = 0x8003;
  b.message_age = 1;
  b.max_age = 6;
  b.hello_time = 1;
  b.forward_delay = 2;
  b.topology_change = true;
  uint8_t src[6] = {2, 0, 0, 0, 0, 2};
  std::string f = encode_bpdu(b, src);
  ASSERT_EQ(f.size(), 60u);
  EXPECT_EQ(static_cast<uint8_t>(f[0]), 0x01);
  EXPECT_EQ(static_cast<uint8_t>(f[12]), 0x00);
  EXPECT_EQ(static_cast<uint8_t>(f[13]), 38);  // 802.3 length: LLC + 35
  EXPECT_EQ(static_cast<uint8_t>(f[14]), 0x42);
  auto p = parse_bpdu(f);
  ASSERT_TRUE(p);
  EXPECT_EQ(p->root_id, b.root_id);
  EXPECT_EQ(p->root_path_cost, 4000u);
  EXPECT_EQ(p->bridge_id, b.bridge_id);
  EXPECT_EQ(p->port_id, 0x8003);
  EXPECT_DOUBLE_EQ(p->message_age, 1);
  EXPECT_DOUBLE_EQ(p->forward_delay, 2);
  EXPECT_TRUE(p->topology_change);
  EXPECT_FALSE(parse_bpdu(f.substr(0, 40)));                // truncated
  std::string tcn = f;
  tcn[17 + 3] = static_cast<char>(0x80);                     // TCN BPDU
  EXPECT_FALSE(parse_bpdu(tcn));
  std::string eth2 = f;
  eth2[12] = 0x08;                                           // EtherType, not a length
  EXPECT_FALSE(parse_bpdu(eth2));
  EXPECT_EQ(bridge_id_string(b.root_id), "1000.02:00:00:00:00:01");
}

// Bridges 1..3, port j of bridge i leads to bridge j (a triangle).
class Triangle : public ::testing::Test {
 protected:
  void SetUp() override {
    const uint64_t ids[] = {0x1000020000000001ull, 0x2000020000000002ull, 0x8000020000000003ull};
    for (int i = 0; i < 3; i++) {
      st[i].configure(ids[i], StpTimers{1, 2, 6});
      for (int j = 0; j < 3; j++)
        if (j != i) st[i].add_port(j, 0);
      deliver(i, st[i].restart(0));
    }
  }
  void deliver(int from, const SpanningTree::Output &out) {
    for (const auto &[port, b] : out.send)
      if (!down.count({from, static_cast<int>(port)})) queue.push_back({static_cast<int>(port), from, b});
  }
  // Runs the network until `until` seconds in 100 ms ticks.
  void run(double until) {
    for (; now < until; now += 0.1) {
      while (!queue.empty()) {
        auto m = queue.front();
        queue.pop_front();
        deliver(m.to, st[m.to].receive(m.from, m.bpdu, now));  // port index = neighbour
      }
      for (int i = 0; i < 3; i++) deliver(i, st[i].tick(now));
    }
  }
  struct Msg {
    int to, from;
    Bpdu bpdu;
  };
  SpanningTree st[3];
  std::deque<Msg> queue;
  std::set<std::pair<int, int>> down;  // (bridge, port) whose BPDUs are lost
  double now = 0;
};

TEST_F(Triangle, ConvergesToOneAlternatePortAfterTwoForwardDelays) {
  run(1);
  // Roles are known at once, states still in listening.
  EXPECT_EQ(st[2].role(1), StpRole::kAlternate);
  EXPECT_EQ(st[0].state(1), StpState::kListening);
  run(4.5);
  for (int i = 0; i < 3; i++) EXPECT_EQ(st[i].root_id(), st[0].bridge_id());
  EXPECT_FALSE(st[0].root_port());
  EXPECT_EQ(*st[1].root_port(), 0u);
  EXPECT_EQ(*st[2].root_port(), 0u);
  int blocked = 0;
  for (int i = 0; i < 3; i++)
    for (int j = 0; j < 3; j++)
      if (j != i) blocked += st[i].state(j) == StpState::kBlocking;
  EXPECT_EQ(blocked, 1);
  EXPECT_EQ(st[2].state(1), StpState::kBlocking);
  EXPECT_EQ(st[1].state(2), StpState::kForwarding);
}

TEST_F(Triangle, LosingTheRootLinkUnblocksTheAlternateAfterMaxAge) {
  run(5);
  // Bridge 3 stops hearing the root on its root port (link 1-3 dead both ways).
  down.insert({0, 2});
  down.insert({2, 0});
  run(9.5);  // the root's information is kept for max-age (6 s) after its last hello (4..5 s)
  EXPECT_EQ(*st[2].root_port(), 0u);
  EXPECT_EQ(st[2].state(1), StpState::kBlocking);
  run(11.5);
  EXPECT_EQ(*st[2].root_port(), 1u);  // now through bridge 2
  EXPECT_EQ(st[2].root_path_cost(), 2 * SpanningTree::kPortPathCost);
  EXPECT_EQ(st[2].state(1), StpState::kListening);
  run(16);  // listening + learning
  EXPECT_EQ(st[2].state(1), StpState::kForwarding);
}

}  // namespace
