// Data-plane tests with BPF_PROG_TEST_RUN: a frame enters through the real
// netdev hook program (as if it arrived on a veth the cube's port peers
// with), runs the real cube programs, and the verdict, output frame and
// per-port counters are asserted.
#include <gtest/gtest.h>
#include <linux/bpf.h>
#include <linux/pkt_cls.h>

#include "frames.h"
#include "helloworld.h"
#include "polycube/netdev.h"
#include "polycube/runtime.h"
#include "progrun.h"
#include "simplebridge.h"
#include "testnet.h"
#include "transparenthelloworld.h"

using namespace polycube;
using namespace polycube::services;
using namespace pcntest;

namespace {

class HookDispatch : public ::testing::TestWithParam<Mode> {
 protected:
  void SetUp() override {
    net.add_ns("a");
    net.add_ns("b");
    va = net.add_host("a", "va", "");
    vb = net.add_host("b", "vb", "");
    rt = std::make_unique<Runtime>();
  }
  void TearDown() override { rt.reset(); }
  RunResult send(const std::string &dev, const std::string &frame) {
    return run_ingress(rt->pin_root(), GetParam(), dev, frame);
  }
  std::string frame(size_t len = 64) {
    return udp_frame(mac("02:00:00:00:00:02"), mac("02:00:00:00:00:01"), ip("10.0.0.1"), ip("10.0.0.2"), 1000,
                     2000, len);
  }

  TestNet net;
  std::string va, vb;
  std::unique_ptr<Runtime> rt;
};

TEST_P(HookDispatch, HelloworldForwardRedirectsAndCounts) {
  auto hw = rt->create<HelloWorld>("hw1", GetParam());
  hw->add_port("p0", va);
  hw->add_port("p1", vb);
  hw->set_action(HelloWorld::Action::kForward);
  std::string f = frame(100);
  RunResult r = send(va, f);
  EXPECT_EQ(r.verdict, verdict_redirect(GetParam()));
  EXPECT_EQ(r.out, f);  // helloworld does not touch the frame
  PortStats p0 = hw->port_stats("p0"), p1 = hw->port_stats("p1");
  EXPECT_EQ(p0.rx_pkts, 1u);
  EXPECT_EQ(p0.rx_bytes, 100u);
  EXPECT_EQ(p0.tx_pkts, 0u);
  EXPECT_EQ(p1.tx_pkts, 1u);
  EXPECT_EQ(p1.tx_bytes, 100u);
  EXPECT_EQ(p1.rx_pkts, 0u);
}

TEST_P(HookDispatch, HelloworldDropCountsOnInputPort) {
  auto hw = rt->create<HelloWorld>("hw1", GetParam());
  hw->add_port("p0", va);
  hw->add_port("p1", vb);
  hw->set_action(HelloWorld::Action::kDrop);
  for (int i = 0; i < 3; i++) EXPECT_EQ(send(vb, frame()).verdict, verdict_drop(GetParam()));
  EXPECT_EQ(hw->port_stats("p1").rx_pkts, 3u);
  EXPECT_EQ(hw->port_stats("p1").drops, 3u);
  EXPECT_EQ(hw->port_stats("p0").tx_pkts, 0u);
}

TEST_P(HookDispatch, UnknownNetdevIsLeftToTheKernel) {
  // A netdev no cube uses: the hook finds no entry and passes.
  RunResult r = send(va, frame());
  EXPECT_EQ(r.verdict, is_xdp(GetParam()) ? uint32_t(XDP_PASS) : uint32_t(TC_ACT_OK));
}

TEST_P(HookDispatch, TwoCubesChainedCountEveryPort) {
  auto hw1 = rt->create<HelloWorld>("hw1", GetParam());
  auto hw2 = rt->create<HelloWorld>("hw2", GetParam());
  hw1->add_port("p0", va);
  hw1->add_port("p1");
  hw2->add_port("p0");
  hw2->add_port("p1", vb);
  rt->connect("hw1:p1", "hw2:p0");
  hw1->set_action(HelloWorld::Action::kForward);
  hw2->set_action(HelloWorld::Action::kForward);
  std::string f = frame(80);
  for (int i = 0; i < 5; i++) EXPECT_EQ(send(va, f).verdict, verdict_redirect(GetParam()));
  EXPECT_EQ(hw1->port_stats("p0").rx_pkts, 5u);
  EXPECT_EQ(hw1->port_stats("p1").tx_pkts, 5u);
  EXPECT_EQ(hw2->port_stats("p0").rx_pkts, 5u);
  EXPECT_EQ(hw2->port_stats("p0").rx_bytes, 400u);
  EXPECT_EQ(hw2->port_stats("p1").tx_pkts, 5u);
  // The reverse direction crosses the same link.
  EXPECT_EQ(send(vb, f).verdict, verdict_redirect(GetParam()));
  EXPECT_EQ(hw2->port_stats("p1").rx_pkts, 1u);
  EXPECT_EQ(hw1->port_stats("p0").tx_pkts, 1u);
  // Disconnected: hw1's egress towards hw2 drops.
  rt->disconnect("hw1:p1", "hw2:p0");
  EXPECT_EQ(send(va, f).verdict, verdict_drop(GetParam()));
}

TEST_P(HookDispatch, TransparentCubeSeesAndFiltersIngress) {
  auto hw = rt->create<HelloWorld>("hw1", GetParam());
  hw->add_port("p0", va);
  hw->add_port("p1", vb);
  hw->set_action(HelloWorld::Action::kForward);
  auto t = rt->create<TransparentHelloWorld>("t1", GetParam());
  rt->attach("t1", "hw1:p0");
  EXPECT_EQ(send(va, frame()).verdict, verdict_redirect(GetParam()));
  EXPECT_EQ(t->packets(TransparentHelloWorld::kIngress), 1u);
  EXPECT_EQ(hw->port_stats("p0").rx_pkts, 1u);
  // Egress through hw1:p0 (frame from vb) crosses t1's egress handler.
  EXPECT_EQ(send(vb, frame()).verdict, verdict_redirect(GetParam()));
  EXPECT_EQ(t->packets(TransparentHelloWorld::kEgress), 1u);

  t->set_action(TransparentHelloWorld::kIngress, TransparentHelloWorld::Action::kDrop);
  EXPECT_EQ(send(va, frame()).verdict, verdict_drop(GetParam()));
  EXPECT_EQ(t->packets(TransparentHelloWorld::kIngress), 2u);
  EXPECT_EQ(hw->port_stats("p0").rx_pkts, 1u);  // never reached hw1

  rt->detach("t1", "hw1:p0");
  EXPECT_EQ(send(va, frame()).verdict, verdict_redirect(GetParam()));
  EXPECT_EQ(t->packets(TransparentHelloWorld::kIngress), 2u);  // path restored
}

TEST_P(HookDispatch, HeaderOnlyFrameIsLearnedAndFlooded) {
  auto sb = rt->create<SimpleBridge>("sb1", GetParam());
  sb->add_port("p1", va);
  sb->add_port("p2", vb);
  // The kernel refuses test runs shorter than an Ethernet header in both
  // modes, so the shortest frame a program meets is (about) a bare header.
  EXPECT_THROW(send(va, std::string(10, '\x02')), std::runtime_error);
  std::string hdr = frame().substr(0, 14);
  hdr[12] = '\x88';  // local experimental EtherType: no IP header expected
  hdr[13] = '\xb5';
  RunResult r = send(va, hdr);
  EXPECT_EQ(r.verdict, is_xdp(GetParam()) ? uint32_t(XDP_REDIRECT) : uint32_t(TC_ACT_SHOT));
  ASSERT_EQ(sb->fdb().size(), 1u);
  EXPECT_EQ(sb->port_stats("p1").rx_bytes, 14u);
}

TEST_P(HookDispatch, SimplebridgeLearnsThenForwardsKnownUnicast) {
  auto sb = rt->create<SimpleBridge>("sb1", GetParam());
  sb->add_port("p1", va);
  sb->add_port("p2", vb);
  // 02:..:01 behind p1 sends to unknown 02:..:02: flooded (TC clone + drop,
  // XDP devmap broadcast = redirect).
  RunResult r = send(va, frame());
  EXPECT_EQ(r.verdict, is_xdp(GetParam()) ? uint32_t(XDP_REDIRECT) : uint32_t(TC_ACT_SHOT));
  auto fdb = sb->fdb();
  ASSERT_EQ(fdb.size(), 1u);
  EXPECT_EQ(fdb[0].mac, "02:00:00:00:00:01");
  EXPECT_EQ(fdb[0].port, "p1");
  // The answer from p2 to 02:..:01 is known unicast: one redirect out of p1.
  std::string reply = udp_frame(mac("02:00:00:00:00:01"), mac("02:00:00:00:00:02"), ip("10.0.0.2"),
                                ip("10.0.0.1"), 2000, 1000);
  EXPECT_EQ(send(vb, reply).verdict, verdict_redirect(GetParam()));
  EXPECT_EQ(sb->port_stats("p1").tx_pkts, 1u);
  fdb = sb->fdb();
  ASSERT_EQ(fdb.size(), 2u);
  EXPECT_EQ(fdb[1].mac, "02:00:00:00:00:02");
  EXPECT_EQ(fdb[1].port, "p2");
  // A frame to a MAC on its own segment is dropped, not reflected.
  std::string hairpin = udp_frame(mac("02:00:00:00:00:01"), mac("02:00:00:00:00:03"), ip("10.0.0.3"),
                                  ip("10.0.0.1"), 1, 1);
  EXPECT_EQ(send(va, hairpin).verdict, verdict_drop(GetParam()));
  sb->flush_fdb();
  EXPECT_TRUE(sb->fdb().empty());
}

TEST_P(HookDispatch, FloodSkipsPortsWithoutPeer) {
  // A port with no peer gets nothing: no tx count, and in XDP no detour of
  // every broadcast through the slow path.
  auto sb = rt->create<SimpleBridge>("sb1", GetParam());
  sb->add_port("p1", va);
  sb->add_port("p2", vb);
  sb->add_port("p3");
  std::string bcast = udp_frame(mac("ff:ff:ff:ff:ff:ff"), mac("02:00:00:00:00:01"), ip("10.0.0.1"),
                                ip("10.0.0.255"), 1, 2);
  RunResult r = send(va, bcast);
  EXPECT_EQ(r.verdict, is_xdp(GetParam()) ? uint32_t(XDP_REDIRECT) : uint32_t(TC_ACT_SHOT));
  EXPECT_EQ(sb->port_stats("p3").tx_pkts, 0u);
  EXPECT_EQ(sb->port_stats("p3").drops, 0u);
  if (!is_xdp(GetParam())) {
    EXPECT_EQ(sb->port_stats("p2").tx_pkts, 1u);  // the clone
  }
}

TEST_P(HookDispatch, PeerNetdevDeletedUnderAStackedPort) {
  // The veth behind sb1:p2 disappears while a transparent cube sits on the
  // port: detaching, re-peering and deleting must still work.
  auto sb = rt->create<SimpleBridge>("sb1", GetParam());
  sb->add_port("p1", va);
  std::string gone = net.add_host("b", "vx", "", "", "eth9");
  sb->add_port("p2", gone);
  rt->create<TransparentHelloWorld>("t1", GetParam());
  rt->attach("t1", "sb1:p2");
  ASSERT_EQ(sh("ip link del " + gone), 0);
  EXPECT_NO_THROW(rt->detach("t1", "sb1:p2"));
  EXPECT_EQ(rt->get("t1")->attached_to(), "");
  EXPECT_NO_THROW(sb->set_peer("p2", vb));
  EXPECT_NO_THROW(rt->delete_cube("t1"));
  EXPECT_NO_THROW(rt->delete_cube("sb1"));
}

INSTANTIATE_TEST_SUITE_P(Modes, HookDispatch, ::testing::Values(Mode::kTc, Mode::kXdpSkb),
                         [](const auto &info) { return std::string(to_string(info.param)); });

}  // namespace
