// packetcapture through the real entry point: frames enter with
// BPF_PROG_TEST_RUN through the netdev hook of a helloworld port the
// capture cube is attached to, cross the capture cube (entry, translated
// filter block, after-filter block) and go on. Asserted: the verdict and
// frame are what they are without capture, the counters, and the pcap the
// control plane builds from the ring.
#include <gtest/gtest.h>
#include <linux/bpf.h>
#include <linux/pkt_cls.h>


#include "helloworld.h"
#include "packet.h"
#include "pcap_read.h"
#include "packetcapture.h"
#include "polycube/error.h"
#include "polycube/netdev.h"
#include "polycube/runtime.h"
#include "progrun.h"
#include "testnet.h"

using namespace polycube;
using namespace polycube::services;
using namespace pcntest;

namespace {

// The records of a nanosecond pcap file (and its snaplen).
std::vector<PcapRecord> read_pcap(const std::string &file, uint32_t *snaplen = nullptr) {
  PcapFile f = pcntest::read_pcap(file);
  EXPECT_TRUE(f.ok && f.nanosecond);
  if (snaplen) *snaplen = f.snaplen;
  return f.records;
}

class CaptureDatapath : public ::testing::TestWithParam<Mode> {
 protected:
  void SetUp() override {
    net.add_ns("a");
    net.add_ns("b");
    va = net.add_host("a", "va", "");
    vb = net.add_host("b", "vb", "");
    rt = std::make_unique<Runtime>();
    hw = rt->create<HelloWorld>("hw1", GetParam());
    hw->add_port("p0", va);
    hw->add_port("p1", vb);
    hw->set_action(HelloWorld::Action::kForward);
  }
  void TearDown() override {
    pc.reset();
    hw.reset();
    rt.reset();
  }
  RunResult send(const std::string &dev, const std::string &frame, uint32_t repeat = 1) {
    return run_ingress(rt->pin_root(), GetParam(), dev, frame, repeat);
  }
  uint32_t redirect() const { return verdict_redirect(GetParam()); }

  std::string tcp80(size_t payload) {
    return build(Packet().eth(mac("02:00:00:00:00:02"), mac("02:00:00:00:00:01"))
                     .ipv4(ip("10.0.0.1"), ip("10.0.0.2")).with_tcp(40000, 80, 0x18).with_payload(std::string(payload, 'p')));
  }
  std::string udp(size_t payload) {
    return build(Packet().eth(mac("02:00:00:00:00:01"), mac("02:00:00:00:00:02"))
                     .ipv4(ip("10.0.0.2"), ip("10.0.0.1")).with_udp(53, 33333).with_payload(std::string(payload, 'u')));
  }

  TestNet net;
  std::string va, vb;
  std::unique_ptr<Runtime> rt;
  std::shared_ptr<HelloWorld> hw;
  std::shared_ptr<PacketCapture> pc;
};

TEST_P(CaptureDatapath, FilterSnaplenDirectionsAndForwardingUnchanged) {
  pc = rt->create<PacketCapture>("pc1", GetParam());
  rt->attach("pc1", "hw1:p0");
  pc->set_snaplen(60);
  pc->set_filter("tcp port 80");
  std::string big = tcp80(200), small = tcp80(4), other = udp(100);
  for (const std::string *f : {&big, &other, &small}) {
    RunResult r = send(va, *f);  // into hw1 through p0: pc1's ingress
    EXPECT_EQ(r.verdict, redirect());
    EXPECT_EQ(r.out, *f);  // capturing changes nothing
  }
  RunResult r = send(vb, other);  // out of hw1:p0: pc1's egress
  EXPECT_EQ(r.verdict, redirect());
  EXPECT_EQ(r.out, other);
  EXPECT_EQ(hw->port_stats("p0").rx_pkts, 3u);
  EXPECT_EQ(hw->port_stats("p1").tx_pkts, 3u);
  EXPECT_EQ(hw->port_stats("p0").tx_pkts, 1u);

  pc->drain();
  PacketCapture::Stats s = pc->stats();
  EXPECT_EQ(s.seen, 4u);
  EXPECT_EQ(s.matched, 2u);
  EXPECT_EQ(s.captured, 2u);
  EXPECT_EQ(s.ring_drops, 0u);
  EXPECT_EQ(s.stored, 2u);
  uint32_t snaplen = 0;
  auto recs = read_pcap(pc->pcap(), &snaplen);
  EXPECT_EQ(snaplen, 60u);
  ASSERT_EQ(recs.size(), 2u);
  EXPECT_EQ(recs[0].len, big.size());
  EXPECT_EQ(recs[0].data, big.substr(0, 60));  // snaplen cuts
  EXPECT_EQ(recs[1].len, small.size());
  EXPECT_EQ(recs[1].data, small);  // shorter than snaplen: whole
  EXPECT_LE(recs[0].sec * 1000000000ull + recs[0].frac, recs[1].sec * 1000000000ull + recs[1].frac);
  time_t now = time(nullptr);
  EXPECT_NEAR(static_cast<double>(recs[0].sec), static_cast<double>(now), 5.0);  // UTC, not boot time

  // Hot swap: the udp packet now, in both directions; ingress only then.
  pc->set_filter("udp");
  send(va, big);
  send(vb, other);
  pc->set_directions(PacketCapture::kIngress);
  send(vb, other);  // egress: not captured
  pc->drain();
  recs = read_pcap(pc->pcap());
  ASSERT_EQ(recs.size(), 3u);
  EXPECT_EQ(recs[2].data, other.substr(0, 60));

  // A bad filter changes nothing.
  EXPECT_THROW(pc->set_filter("udp port"), Error);
  EXPECT_EQ(pc->filter(), "udp");
  pc->set_directions(PacketCapture::kIngress | PacketCapture::kEgress);
  send(vb, other);
  pc->drain();
  EXPECT_EQ(read_pcap(pc->pcap()).size(), 4u);

  // No filter: everything.
  pc->set_filter("");
  send(va, big);
  pc->drain();
  EXPECT_EQ(read_pcap(pc->pcap()).size(), 5u);
  EXPECT_EQ(pc->filter_instructions(), 0u);
}

TEST_P(CaptureDatapath, DropsAreCountedExactlyWhenTheRingOverflows) {
  pc = rt->create<PacketCapture>("pc1", GetParam());
  rt->attach("pc1", "hw1:p0");
  pc->set_filter("tcp");
  std::string f = tcp80(1400);
  const uint32_t n = 40000;  // ~57 MB of records through a 16 MiB ring in one kernel loop
  EXPECT_EQ(send(va, f, n).verdict, redirect());
  pc->drain();
  PacketCapture::Stats s = pc->stats();
  EXPECT_EQ(s.seen, n);
  EXPECT_EQ(s.matched, n);
  EXPECT_EQ(s.captured + s.ring_drops, n);  // every packet is either in the file or counted
  EXPECT_EQ(s.stored + s.store_drops, s.captured);
  EXPECT_EQ(read_pcap(pc->pcap()).size(), s.stored);
  EXPECT_EQ(hw->port_stats("p1").tx_pkts, n);  // forwarding went on regardless
}

INSTANTIATE_TEST_SUITE_P(Modes, CaptureDatapath, ::testing::Values(Mode::kTc, Mode::kXdpSkb),
                         [](const auto &i) { return std::string(i.param == Mode::kTc ? "Tc" : "Xdp"); });

}  // namespace
