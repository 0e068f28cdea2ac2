// @name@'s data plane with BPF_PROG_TEST_RUN, TC and XDP: a frame enters
// through the real netdev hook program (as if it arrived on the veth that
// port p0 peers with), runs the cube's block, and the verdict, the output
// frame, the port counters and the cube's own counter are asserted.
#include <gtest/gtest.h>

#include "@name@.h"
#include "packet.h"
#include "polycube/runtime.h"
#include "progrun.h"
#include "testnet.h"

using namespace polycube;
using namespace polycube::services;
using namespace pcntest;

namespace {

class @Name@Datapath : public ::testing::TestWithParam<Mode> {
 protected:
  void SetUp() override {
    net.add_ns("a");
    net.add_ns("b");
    va = net.add_host("a", "va", "");
    vb = net.add_host("b", "vb", "");
    rt = std::make_unique<Runtime>();
    cube = rt->create<@Name@Cube>("c1", GetParam());
    cube->add_port("p0", va);
    cube->add_port("p1", vb);
  }
  void TearDown() override {
    cube.reset();
    rt.reset();
  }
  RunResult send(const std::string &dev, const std::string &frame) {
    return run_ingress(rt->pin_root(), GetParam(), dev, frame);
  }
  uint32_t redirect() const { return verdict_redirect(GetParam()); }
  uint32_t drop() const { return verdict_drop(GetParam()); }
  static std::string frame() {
    return build(Packet{}
                     .eth(mac("02:00:00:00:00:02"), mac("02:00:00:00:00:01"))
                     .ipv4(ip("10.0.0.1"), ip("10.0.0.2"))
                     .with_udp(1000, 2000)
                     .with_payload(std::string(58, 'x')));
  }

  TestNet net;
  std::string va, vb;
  std::unique_ptr<Runtime> rt;
  std::shared_ptr<@Name@Cube> cube;
};

TEST_P(@Name@Datapath, ForwardsToTheOtherPortUnchangedAndCounts) {
  std::string f = frame();
  RunResult r = send(va, f);
  EXPECT_EQ(r.verdict, redirect());
  EXPECT_EQ(r.out, f);
  EXPECT_EQ(send(vb, f).verdict, redirect());  // and back
  EXPECT_EQ(cube->forwarded(), 2u);
  EXPECT_EQ(cube->port_stats("p0").rx_pkts, 1u);
  EXPECT_EQ(cube->port_stats("p1").tx_pkts, 1u);
  EXPECT_EQ(cube->port_stats("p1").rx_pkts, 1u);
  EXPECT_EQ(cube->port_stats("p0").tx_pkts, 1u);
}

TEST_P(@Name@Datapath, ForwardOffDropsAndCountsTheDrop) {
  cube->set_forward(false);
  for (int i = 0; i < 3; i++) EXPECT_EQ(send(va, frame()).verdict, drop());
  EXPECT_EQ(cube->port_stats("p0").drops, 3u);
  EXPECT_EQ(cube->port_stats("p1").tx_pkts, 0u);
  EXPECT_EQ(cube->forwarded(), 0u);
  cube->set_forward(true);
  EXPECT_EQ(send(va, frame()).verdict, redirect());
  EXPECT_EQ(cube->forwarded(), 1u);
}

TEST_P(@Name@Datapath, WithOnePortEveryPacketIsDropped) {
  cube->set_peer("p1", "");
  cube->del_port("p1");
  EXPECT_EQ(send(va, frame()).verdict, drop());
  EXPECT_EQ(cube->port_stats("p0").drops, 1u);
  EXPECT_EQ(cube->forwarded(), 0u);
}

INSTANTIATE_TEST_SUITE_P(Modes, @Name@Datapath, ::testing::Values(Mode::kTc, Mode::kXdpSkb),
                         [](const auto &info) { return std::string(to_string(info.param)); });

}  // namespace
