// lbdsr data plane with BPF_PROG_TEST_RUN, TC and XDP: FRONTEND port on
// veth "fe", BACKEND port on veth "be". ARP for the virtual IP is answered,
// packets to it leave through the backend port with the MAC of the backend
// Maglev names (checked against the C++ table builder) and nothing else of
// the frame changed; flows keep their backend while it is in the pool.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <linux/bpf.h>
#include <linux/pkt_cls.h>

#include "lbdsr.h"
#include "packet.h"
#include "polycube/mac.h"
#include "polycube/maglev.h"
#include "polycube/netdev.h"
#include "polycube/runtime.h"
#include "progrun.h"
#include "testnet.h"

using namespace polycube;
using namespace polycube::services;
using namespace pcntest;

namespace {

const Mac kRouter = mac("02:00:00:00:1c:01"), kLb = mac("02:00:00:00:1c:fe");
const uint32_t kVip = ip("10.0.3.100");

class LbdsrDatapath : public ::testing::TestWithParam<Mode> {
 protected:
  void SetUp() override {
    net.add_ns("a");
    net.add_ns("b");
    vfe = net.add_host("a", "vfe", "");
    vbe = net.add_host("b", "vbe", "");
    rt = std::make_unique<Runtime>();
    lb = rt->create<Lbdsr>("dsr1", GetParam());
    lb->add_port("fe", vfe);
    lb->add_port("be", vbe);
  }
  void TearDown() override {
    lb.reset();
    rt.reset();
  }
  uint32_t redirect() const { return verdict_redirect(GetParam()); }
  RunResult send(const std::string &dev, const Packet &p) {
    return run_ingress(rt->pin_root(), GetParam(), dev, build(p));
  }
  static uint64_t backend_mac(uint32_t id) { return 0x020000001d00ull + id; }
  static Lbdsr::Config config(std::vector<uint32_t> ids) {
    Lbdsr::Config c;
    c.frontend_port = "fe";
    c.backend_port = "be";
    c.vip = kVip;
    c.mac = mac_from_string(to_string(kLb));
    for (uint32_t id : ids) c.pool[id] = Lbdsr::Member{backend_mac(id), 1};
    return c;
  }
  // Maglev's backend for `t`: keys are pool ids.
  static uint64_t expected(const Lbdsr::Config &c, const pcn_tuple &t) {
    std::vector<maglev::Endpoint> eps;
    std::vector<uint64_t> macs;
    for (const auto &[id, m] : c.pool) {
      eps.push_back({id, m.weight, uint16_t(macs.size())});
      macs.push_back(m.mac);
    }
    return macs[maglev::pick(maglev::build(eps), pcn_maglev_flow_hash(&t))];
  }
  Packet flow(uint16_t sport) {
    return Packet{}.eth(kLb, kRouter).ipv4(ip("10.0.1.1"), kVip).with_tcp(sport, 80, 0x10).with_payload("x");
  }
  static pcn_tuple tuple_of(uint16_t sport) {
    pcn_tuple t{};
    t.saddr = htonl(ip("10.0.1.1"));
    t.daddr = htonl(kVip);
    t.sport = htons(sport);
    t.dport = htons(80);
    t.proto = 6;
    return t;
  }
  uint64_t sent_to(uint16_t sport) {
    RunResult r = send(vfe, flow(sport));
    if (r.verdict != redirect()) return 0;
    Packet o = parse(r.out);
    return mac_from_bytes(o.dst.b);
  }

  TestNet net;
  std::string vfe, vbe;
  std::unique_ptr<Runtime> rt;
  std::shared_ptr<Lbdsr> lb;
};

TEST_P(LbdsrDatapath, ArpForTheVipIsAnsweredOnTheFrontend) {
  lb->apply(config({1, 2}));
  Packet req;
  req.eth(mac("ff:ff:ff:ff:ff:ff"), kRouter);
  req.ethertype = 0x0806;
  std::string arp = std::string("\x00\x01\x08\x00\x06\x04\x00\x01", 8) + std::string((const char *)kRouter.b, 6) +
                    std::string("\x0a\x00\x03\xfe", 4) + std::string(6, '\0');
  uint32_t tip = htonl(kVip);
  req.with_payload(arp + std::string((const char *)&tip, 4));
  RunResult r = send(vfe, req);
  ASSERT_EQ(r.verdict, redirect());
  Packet rep = parse(r.out);
  EXPECT_EQ(rep.dst, kRouter);
  EXPECT_EQ(rep.src, kLb);
  ASSERT_GE(rep.payload.size(), 28u);
  EXPECT_EQ(rep.payload[7], 2) << "an ARP reply";
  EXPECT_EQ(rep.payload.substr(8, 6), std::string((const char *)kLb.b, 6));
  EXPECT_EQ(rep.payload.substr(14, 4), std::string((const char *)&tip, 4));
  EXPECT_EQ(lb->stats().arp_answered, 1u);
  // ARP for another address, and IP to another address, is not ours.
  uint32_t other = htonl(ip("10.0.3.1"));
  Packet req2 = req;
  req2.payload = arp + std::string((const char *)&other, 4);
  EXPECT_NE(send(vfe, req2).verdict, redirect());
  EXPECT_NE(send(vfe, Packet{}.eth(kLb, kRouter).ipv4(ip("10.0.1.1"), ip("10.0.3.1")).with_udp(1, 2)).verdict, redirect());
  EXPECT_NE(send(vbe, flow(1)).verdict, redirect()) << "the backend side sends nothing through";
}

TEST_P(LbdsrDatapath, PacketsGoToTheMaglevBackendWithOnlyTheMacChanged) {
  Lbdsr::Config c = config({10, 20, 30});
  lb->apply(c);
  std::map<uint64_t, int> count;
  for (uint16_t sport = 1000; sport < 1300; sport++) {
    RunResult r = send(vfe, flow(sport));
    ASSERT_EQ(r.verdict, redirect());
    Packet o = parse(r.out);
    EXPECT_EQ(mac_from_bytes(o.dst.b), expected(c, tuple_of(sport)));
    EXPECT_EQ(o.src, kLb);
    Packet in = flow(sport);
    EXPECT_EQ(build(o).substr(12), build(in).substr(12)) << "the IP packet is untouched";
    count[mac_from_bytes(o.dst.b)]++;
  }
  EXPECT_EQ(count.size(), 3u);
}

TEST_P(LbdsrDatapath, FlowsKeepTheirBackendWhileItIsInThePool) {
  lb->apply(config({1, 2}));
  std::map<uint16_t, uint64_t> first;
  for (uint16_t s = 1000; s < 1200; s++) first[s] = sent_to(s);
  lb->apply(config({1, 2, 3}));
  for (auto &[s, m] : first) ASSERT_EQ(sent_to(s), m) << "added backend: established flows stay";
  lb->apply(config({2, 3}));
  for (auto &[s, m] : first) {
    uint64_t now = sent_to(s);
    if (m == backend_mac(1)) EXPECT_NE(now, m);
    else EXPECT_EQ(now, m) << "only the removed backend's flows move";
  }
  lb->apply(config({}));
  EXPECT_NE(send(vfe, flow(5000)).verdict, redirect());
  EXPECT_EQ(lb->stats().no_backend, 1u);
}

INSTANTIATE_TEST_SUITE_P(Modes, LbdsrDatapath, ::testing::Values(Mode::kTc, Mode::kXdpSkb),
                         [](const auto &info) { return std::string(to_string(info.param)); });

}  // namespace
