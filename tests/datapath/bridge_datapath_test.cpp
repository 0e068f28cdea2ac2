// Data-plane tests of the bridge with BPF_PROG_TEST_RUN: a frame enters
// through the real netdev hook (as if it arrived on the veth a port peers
// with), runs the bridge's real program, and the verdict and output bytes
// are asserted: 802.1Q push on the way to a trunk (XDP: in the frame; TC:
// the kernel keeps a pushed tag in the skb, not in the bytes), pop on the
// way to an access port, drops of VLANs a port does not carry, and BPDUs
// handed to the control plane.
#include <gtest/gtest.h>
#include <linux/bpf.h>
#include <linux/pkt_cls.h>

#include "bridge.h"
#include "frames.h"
#include "polycube/netdev.h"
#include "polycube/runtime.h"
#include "progrun.h"
#include "stp.h"
#include "testnet.h"

using namespace polycube;
using namespace polycube::services;
using namespace pcntest;

namespace {

const std::string kMacA = "02:00:00:00:0e:01", kMacB = "02:00:00:00:0e:02";

// The frame with an 802.1Q tag (TPID 0x8100, PCP 0) after the MACs.
std::string tag(const std::string &untagged, uint16_t vlan) { return build(parse(untagged).vlan(vlan)); }

class BridgeDatapath : public ::testing::TestWithParam<Mode> {
 protected:
  // p1 (va): access VLAN 10; p2 (vb): trunk carrying 10 tagged, native 5.
  void SetUp() override {
    net.add_ns("a");
    net.add_ns("b");
    va = net.add_host("a", "va", "");
    vb = net.add_host("b", "vb", "");
    rt = std::make_unique<Runtime>();
    br = rt->create<Bridge>("br1", GetParam());
    br->add_port("p1", va);
    br->add_port("p2", vb);
    br->set_port_vlan("p1", Bridge::PortVlan{false, 10, {}, 0});
    br->set_port_vlan("p2", Bridge::PortVlan{true, 1, {10}, 5});
    br->set_static_entries({{10, kMacA, "p1"}, {10, kMacB, "p2"}, {5, kMacA, "p1"}});
  }
  void TearDown() override {
    br.reset();
    rt.reset();
  }
  RunResult send(const std::string &dev, const std::string &frame) {
    return run_ingress(rt->pin_root(), GetParam(), dev, frame);
  }
  uint32_t redirect() const { return verdict_redirect(GetParam()); }
  uint32_t drop() const { return verdict_drop(GetParam()); }
  std::string frame(const std::string &dst, const std::string &src, size_t len = 100) {
    return udp_frame(mac(dst), mac(src), ip("10.0.0.1"), ip("10.0.0.2"), 1000, 2000, len);
  }

  TestNet net;
  std::string va, vb;
  std::unique_ptr<Runtime> rt;
  std::shared_ptr<Bridge> br;
};

TEST_P(BridgeDatapath, AccessToTrunkPushesTheTag) {
  std::string f = frame(kMacB, kMacA);
  RunResult r = send(va, f);
  EXPECT_EQ(r.verdict, redirect());
  if (is_xdp(GetParam()))
    EXPECT_EQ(r.out, tag(f, 10));  // MACs moved 4 bytes left, TPID 0x8100, VID 10
  else
    EXPECT_EQ(r.out, f);  // bpf_skb_vlan_push: the tag travels in skb->vlan_tci
  EXPECT_EQ(br->port_stats("p2").tx_pkts, 1u);
}

TEST_P(BridgeDatapath, TrunkToAccessPopsTheTag) {
  std::string f = frame(kMacA, kMacB);
  RunResult r = send(vb, tag(f, 10));
  EXPECT_EQ(r.verdict, redirect());
  EXPECT_EQ(r.out, f);  // byte for byte the untagged frame
  EXPECT_EQ(br->port_stats("p1").tx_pkts, 1u);
  // Untagged on the trunk is its native VLAN 5: the static entry of kMacA
  // in VLAN 5 points at p1, which is not in VLAN 5: dropped, not leaked.
  r = send(vb, f);
  EXPECT_EQ(r.verdict, drop());
  EXPECT_EQ(br->port_stats("p1").tx_pkts, 1u);
}

TEST_P(BridgeDatapath, VlansAPortDoesNotCarryAreDropped) {
  std::string f = frame(kMacA, kMacB);
  EXPECT_EQ(send(vb, tag(f, 20)).verdict, drop());   // trunk does not allow 20
  EXPECT_EQ(send(va, tag(f, 10)).verdict, drop());   // tagged on an access port
  EXPECT_EQ(send(vb, tag(f, 4095)).verdict, drop());  // reserved id
  EXPECT_EQ(br->counters().vlan_drops, 3u);
  EXPECT_EQ(br->port_stats("p1").tx_pkts, 0u);
  // Known MAC in another VLAN: kMacB is static in 10 on p2; in VLAN 5 it is
  // unknown, and p1 is not in VLAN 5, so the flood reaches nobody.
  EXPECT_EQ(send(vb, frame(kMacB, kMacA)).verdict, drop());
  EXPECT_EQ(br->counters().floods, 1u);
}

// A read of the FDB right after another one (which left a snapshot of its
// keys) still shows a MAC learned in between: the program counts each new
// key in br_fdb_gen, so the control plane walks the map again.
TEST_P(BridgeDatapath, AMacLearnedAfterAReadShowsInTheNextRead) {
  auto has = [&](const std::string &mac, const std::string &port) {
    for (const auto &e : br->fdb())
      if (e.mac == mac && e.port == port && e.vlan == 10 && !e.is_static) return true;
    return false;
  };
  ASSERT_EQ(br->fdb().size(), 3u);  // the static entries; now a snapshot
  const std::string kMacC = "02:00:00:00:0e:03";
  EXPECT_FALSE(has(kMacC, "p1"));
  EXPECT_EQ(send(va, frame(kMacB, kMacC)).verdict, redirect());
  EXPECT_TRUE(has(kMacC, "p1"));
  // Many at once (beyond what a snapshot keeps): every one of them.
  for (int i = 0; i < 300; i++) {
    char m[18];
    snprintf(m, sizeof m, "02:00:00:00:%02x:%02x", 0x10 + i / 256, i % 256);
    ASSERT_EQ(send(va, frame(kMacB, m)).verdict, redirect());
  }
  EXPECT_EQ(br->fdb().size(), 3u + 1 + 300);
  br->flush_fdb();  // dynamic entries go; reads stay exact
  EXPECT_EQ(br->fdb().size(), 3u);
}

TEST_P(BridgeDatapath, BpdusGoToTheControlPlaneOnlyWithStp) {
  uint8_t src[6] = {2, 0, 0, 0, 0x0e, 9};
  Bpdu b;
  b.root_id = b.bridge_id = 0x1000020000000e09ull;
  std::string bpdu = encode_bpdu(b, src);
  ASSERT_EQ(bpdu.size(), 60u);
  auto parsed = parse_bpdu(bpdu);
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->root_id, b.root_id);
  Bridge::StpConfig stp;
  stp.enabled = true;
  br->set_stp(stp);
  EXPECT_EQ(send(va, bpdu).verdict, drop());  // consumed: punted
  EXPECT_EQ(br->counters().bpdus, 1u);
  // A blocked port (STP just started: listening) forwards nothing.
  uint64_t stp_drops = br->counters().stp_drops;
  EXPECT_EQ(send(vb, tag(frame(kMacA, kMacB), 10)).verdict, drop());
  EXPECT_EQ(br->counters().stp_drops, stp_drops + 1);
  stp.enabled = false;
  br->set_stp(stp);
  EXPECT_EQ(send(vb, tag(frame(kMacA, kMacB), 10)).verdict, redirect());
}

INSTANTIATE_TEST_SUITE_P(Modes, BridgeDatapath, ::testing::Values(Mode::kTc, Mode::kXdpSkb),
                         [](const auto &info) { return std::string(to_string(info.param)); });

}  // namespace
