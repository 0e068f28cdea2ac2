// The cube/port/topology model of the runtime, without traffic: ports and
// their indices, peers, links, transparent stacks, blocks and pins.
#include <gtest/gtest.h>

#include <filesystem>

#include <spdlog/spdlog.h>

#include "errors.h"
#include "helloworld.h"
#include "polycube/runtime.h"
#include "simplebridge.h"
#include "testnet.h"
#include "transparenthelloworld.h"

using namespace polycube;
using namespace polycube::services;
using namespace pcntest;
namespace fs = std::filesystem;

namespace {

class RuntimeModel : public ::testing::Test {
 protected:
  void SetUp() override {
    net.add_ns("a");
    va = net.add_host("a", "va", "");
    vb = net.add_host("a", "vb", "", "", "eth1");
    rt = std::make_unique<Runtime>();
  }
  void TearDown() override { rt.reset(); }
  TestNet net;
  std::string va, vb;
  std::unique_ptr<Runtime> rt;
};

TEST_F(RuntimeModel, PortIndicesAreDenseAndReused) {
  auto sb = rt->create<SimpleBridge>("sb1");
  EXPECT_EQ(sb->add_port("a").index, 0u);
  EXPECT_EQ(sb->add_port("b").index, 1u);
  EXPECT_EQ(sb->add_port("c").index, 2u);
  uint32_t gport_b = sb->port("b").gport;
  EXPECT_NE(gport_b, 0u);  // 0 is the "no port" sink
  sb->del_port("b");
  EXPECT_EQ(error_of([&] { sb->port("b"); }), "not-found");
  Port d = sb->add_port("d");
  EXPECT_EQ(d.index, 1u);  // the freed index
  EXPECT_EQ(sb->ports().size(), 3u);
  EXPECT_EQ(sb->port_stats("d").rx_pkts, 0u);
}

TEST_F(RuntimeModel, PortLimitIsEnforced) {
  auto sb = rt->create<SimpleBridge>("sb1");
  for (int i = 0; i < SB_MAX_PORTS; i++) sb->add_port("p" + std::to_string(i));
  EXPECT_EQ(error_of([&] { sb->add_port("one-too-many"); }), "invalid-value");
  EXPECT_EQ(sb->ports().size(), static_cast<size_t>(SB_MAX_PORTS));
}

TEST_F(RuntimeModel, NetdevPeerIsExclusiveAndMovable) {
  auto hw = rt->create<HelloWorld>("hw1");
  hw->add_port("p0", va);
  hw->add_port("p1");
  EXPECT_EQ(hw->port("p0").peer.kind, Peer::kNetdev);
  EXPECT_EQ(hw->port("p0").peer.to_string(), va);
  EXPECT_EQ(error_of([&] { hw->set_peer("p1", va); }), "in-use");
  EXPECT_EQ(hw->port("p1").peer.kind, Peer::kNone);
  hw->set_peer("p0", vb);  // move: va is released
  hw->set_peer("p1", va);
  EXPECT_EQ(hw->port("p1").peer.to_string(), va);
  hw->set_peer("p1", "");
  EXPECT_EQ(hw->port("p1").peer.kind, Peer::kNone);
  EXPECT_EQ(sh_out("tc qdisc show dev " + va + " | grep -c clsact"), "0");
}

TEST_F(RuntimeModel, ConnectIsSymmetricAndModeChecked) {
  auto a = rt->create<HelloWorld>("a");
  auto b = rt->create<HelloWorld>("b");
  auto x = rt->create<HelloWorld>("x", Mode::kXdpSkb);
  a->add_port("p");
  b->add_port("p");
  x->add_port("p");
  rt->connect("a:p", "b:p");
  EXPECT_EQ(a->port("p").peer.to_string(), "b:p");
  EXPECT_EQ(b->port("p").peer.to_string(), "a:p");
  EXPECT_EQ(error_of([&] { rt->connect("a:p", "x:p"); }), "in-use");
  EXPECT_EQ(error_of([&] { rt->disconnect("a:p", "x:p"); }), "invalid-value");
  rt->disconnect("b:p", "a:p");
  EXPECT_EQ(a->port("p").peer.kind, Peer::kNone);
  EXPECT_EQ(b->port("p").peer.kind, Peer::kNone);
  EXPECT_EQ(error_of([&] { rt->connect("a:p", "x:p"); }), "invalid-value");  // TC with XDP
  EXPECT_EQ(error_of([&] { rt->connect("a:p", "a:p"); }), "invalid-value");
  EXPECT_EQ(error_of([&] { rt->connect("a", "b:p"); }), "invalid-value");
  // Deleting a linked cube unlinks its peer.
  rt->connect("a:p", "b:p");
  rt->delete_cube("b");
  EXPECT_EQ(a->port("p").peer.kind, Peer::kNone);
}

TEST_F(RuntimeModel, TransparentStackPositions) {
  auto sb = rt->create<SimpleBridge>("sb1");
  sb->add_port("p1");
  for (const char *n : {"t1", "t2", "t3", "t4"}) rt->create<TransparentHelloWorld>(n);
  rt->attach("t1", "sb1:p1");
  rt->attach("t2", "sb1:p1", "first");
  rt->attach("t3", "sb1:p1", "after:t2");
  rt->attach("t4", "sb1:p1", "before:t2");
  EXPECT_EQ(sb->port("p1").transparent, (std::vector<std::string>{"t4", "t2", "t3", "t1"}));
  EXPECT_EQ(rt->get("t3")->attached_to(), "sb1:p1");
  EXPECT_EQ(error_of([&] { rt->attach("t1", "sb1:p1"); }), "in-use");
  EXPECT_EQ(error_of([&] { rt->attach("sb1", "sb1:p1"); }), "invalid-value");  // not transparent
  EXPECT_EQ(error_of([&] { rt->detach("t1", "sb1:p2"); }), "invalid-value");
  rt->detach("t2", "sb1:p1");
  EXPECT_EQ(sb->port("p1").transparent, (std::vector<std::string>{"t4", "t3", "t1"}));
  rt->create<TransparentHelloWorld>("t5");
  EXPECT_EQ(error_of([&] { rt->attach("t5", "sb1:p1", "after:t2"); }), "invalid-value");  // t2 is not there
  EXPECT_EQ(error_of([&] { rt->attach("t5", "sb1:p1", "sideways"); }), "invalid-value");
  EXPECT_EQ(rt->get("t5")->attached_to(), "");
  // Deleting the cube detaches what sits on its ports.
  rt->delete_cube("sb1");
  EXPECT_EQ(rt->get("t1")->attached_to(), "");
  rt->delete_cube("t1");
}

TEST_F(RuntimeModel, DeletingAPortOrAnAttachedTransparentCubeDetaches) {
  auto sb = rt->create<SimpleBridge>("sb1");
  sb->add_port("p1");
  sb->add_port("p2");
  for (const char *n : {"t1", "t2", "t3"}) rt->create<TransparentHelloWorld>(n);
  rt->attach("t1", "sb1:p1");
  rt->attach("t2", "sb1:p1");
  rt->attach("t3", "sb1:p2");
  // An attached transparent cube: detached, then deleted.
  rt->delete_cube("t2");
  EXPECT_EQ(sb->port("p1").transparent, (std::vector<std::string>{"t1"}));
  // A port: what sits on it is detached and stays.
  sb->del_port("p1");
  EXPECT_EQ(rt->get("t1")->attached_to(), "");
  EXPECT_EQ(rt->get("t3")->attached_to(), "sb1:p2");
  rt->attach("t1", "sb1:p2", "before:t3");
  EXPECT_EQ(sb->port("p2").transparent, (std::vector<std::string>{"t1", "t3"}));
}

TEST_F(RuntimeModel, TransparentOnTheNetdevSideOfAPort) {
  auto hw = rt->create<HelloWorld>("hw1");
  hw->add_port("p0", va);
  rt->create<TransparentHelloWorld>("t1");
  rt->create<TransparentHelloWorld>("t2");
  rt->create<TransparentHelloWorld>("tx", Mode::kXdpSkb);
  rt->attach("t1", va);  // the netdev side of hw1:p0
  rt->attach("t2", "hw1:p0");
  EXPECT_EQ(rt->get("t1")->attached_to(), va);
  EXPECT_EQ(error_of([&] { rt->attach("tx", va); }), "invalid-value");  // another mode family
  EXPECT_EQ(error_of([&] { rt->attach("t1", "no-such-dev9"); }), "in-use");  // already attached
  // The port lets the netdev go: t1 stays on it, a bare netdev now.
  hw->set_peer("p0", vb);
  EXPECT_EQ(rt->get("t1")->attached_to(), va);
  EXPECT_NE(sh_out("tc filter show dev " + va + " egress | grep -c bpf"), "0");
  // And a port takes a netdev that has transparent cubes.
  hw->set_peer("p0", va);
  EXPECT_EQ(sh_out("tc filter show dev " + va + " egress | grep -c bpf"), "0");
  rt->detach("t1", va);
  rt->detach("t2", "hw1:p0");
  EXPECT_EQ(error_of([&] { rt->attach("t1", "no-such-dev9"); }), "not-found");
}

TEST_F(RuntimeModel, BlocksArePinnedAndSwappable) {
  auto hw = rt->create<HelloWorld>("hw1");
  auto blocks = hw->blocks();
  ASSERT_EQ(blocks.size(), 1u);
  EXPECT_EQ(blocks[0].slot, 0u);
  EXPECT_EQ(blocks[0].program, "hw_main");
  EXPECT_GT(blocks[0].prog_id, 0u);
  EXPECT_TRUE(fs::exists(hw->pin_dir() + "/progs/slot0"));
  EXPECT_TRUE(fs::exists(hw->pin_dir() + "/maps/hw_config"));
  EXPECT_TRUE(fs::exists(hw->pin_dir() + "/maps/pcn_ports"));
  hw->load_block(0, "hw_main_alt");
  EXPECT_EQ(hw->blocks()[0].program, "hw_main_alt");
  EXPECT_NE(hw->blocks()[0].prog_id, blocks[0].prog_id);
  // An extra block in another slot, then removed.
  hw->load_block(5, "hw_main");
  EXPECT_EQ(hw->blocks().size(), 2u);
  EXPECT_TRUE(fs::exists(hw->pin_dir() + "/progs/slot5"));
  hw->remove_block(5);
  EXPECT_FALSE(fs::exists(hw->pin_dir() + "/progs/slot5"));
  EXPECT_EQ(error_of([&] { hw->remove_block(5); }), "not-found");
  // A swap shares the maps: the action survives it.
  hw->set_action(HelloWorld::Action::kSlowpath);
  hw->load_block(0, "hw_main");
  EXPECT_EQ(hw->action(), HelloWorld::Action::kSlowpath);
  auto cfg = hw->map<uint32_t, hw_config>("hw_config").get(0);
  ASSERT_TRUE(cfg.has_value());
  EXPECT_EQ(cfg->action, uint32_t(HW_SLOWPATH));
}

TEST_F(RuntimeModel, TopologyEditsNeverReloadPrograms) {
  // Peers, ports, links and stacks are map writes: the loaded programs stay.
  auto sb = rt->create<SimpleBridge>("sb1");
  auto hw = rt->create<HelloWorld>("hw1");
  auto t = rt->create<TransparentHelloWorld>("t1");
  auto ids = [&] {
    std::vector<uint32_t> out;
    for (Cube *c : {static_cast<Cube *>(sb.get()), static_cast<Cube *>(hw.get()), static_cast<Cube *>(t.get())})
      for (const auto &b : c->blocks()) out.push_back(b.prog_id);
    return out;
  };
  const auto before = ids();
  sb->add_port("p1", va);
  sb->add_port("p2");
  hw->add_port("p0");
  rt->connect("sb1:p2", "hw1:p0");
  sb->set_peer("p1", vb);
  rt->attach("t1", "sb1:p1");
  rt->detach("t1", "sb1:p1");
  rt->disconnect("sb1:p2", "hw1:p0");
  sb->del_port("p2");
  EXPECT_EQ(ids(), before);
}

TEST_F(RuntimeModel, OneRuntimePerPinRoot) {
  // A second runtime on the same root would treat the live one's state as
  // a dead run's and take it.
  EXPECT_EQ(error_of([] { Runtime second; }), "in-use");
  auto hw = rt->create<HelloWorld>("hw1");
  EXPECT_TRUE(fs::exists(hw->pin_dir()));  // untouched by the refused one
}

TEST_F(RuntimeModel, ManyCubes) {
  // Slots and global port ids are not a small fixed pool.
  for (int i = 0; i < 300; i++) {
    auto hw = rt->create<HelloWorld>("hw" + std::to_string(i));
    hw->add_port("p0");
    hw->add_port("p1");
  }
  EXPECT_EQ(rt->cubes().size(), 300u);
  EXPECT_EQ(rt->get("hw299")->slot(), 299u);
  for (int i = 0; i < 300; i += 2) rt->delete_cube("hw" + std::to_string(i));
  EXPECT_EQ(rt->cubes().size(), 150u);
  EXPECT_EQ(rt->create<HelloWorld>("again")->slot(), 0u);  // freed slots are reused
}

}  // namespace

namespace {

// The polycube-base `loglevel` leaf lands here: each cube has its own
// logger (the daemon's sinks), whose level is the cube's alone.
TEST_F(RuntimeModel, EachCubeHasItsOwnLogLevel) {
  auto a = rt->create<HelloWorld>("loga", Mode::kTc);
  auto b = rt->create<HelloWorld>("logb", Mode::kTc);
  EXPECT_EQ(a->log().name(), "loga");
  EXPECT_EQ(a->log().level(), spdlog::level::info);
  a->set_log_level("DEBUG");
  b->set_log_level("err");
  EXPECT_EQ(a->log().level(), spdlog::level::debug);
  EXPECT_EQ(b->log().level(), spdlog::level::err);
  EXPECT_EQ(spdlog::default_logger()->level(), spdlog::level::info);  // the daemon's own is untouched
  EXPECT_THROW(a->set_log_level("LOUD"), Error);
  EXPECT_EQ(a->log().level(), spdlog::level::debug);
}

}  // namespace
