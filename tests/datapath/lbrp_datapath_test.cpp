// lbrp data plane with BPF_PROG_TEST_RUN, TC and XDP: an lbrp cube with
// its FRONTEND port on veth "fe" and its BACKEND port on veth "be", so a
// frame sent on fe runs the real hook and the cube as a client's packet,
// one sent on be as a backend's. Output frames are parsed and asserted
// field by field, checksums included; the backend Maglev gives a flow is
// checked against the C++ table builder.
#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <gtest/gtest.h>
#include <linux/bpf.h>
#include <linux/pkt_cls.h>

#include "lbrp.h"
#include "packet.h"
#include "polycube/conntrack.h"
#include "polycube/maglev.h"
#include "polycube/netdev.h"
#include "polycube/runtime.h"
#include "progrun.h"
#include "testnet.h"

using namespace polycube;
using namespace polycube::services;
using namespace pcntest;

namespace {

const Mac kClient = mac("02:00:00:00:1b:01"), kGw = mac("02:00:00:00:1b:02");
const uint32_t kVip = ip("10.96.0.10");

class LbrpDatapath : public ::testing::TestWithParam<Mode> {
 protected:
  void SetUp() override {
    net.add_ns("a");
    net.add_ns("b");
    vfe = net.add_host("a", "vfe", "");
    vbe = net.add_host("b", "vbe", "");
    rt = std::make_unique<Runtime>();
    lb = rt->create<Lbrp>("lb1", GetParam());
    lb->add_port("fe", vfe);
    lb->add_port("be", vbe);
  }
  void TearDown() override {
    lb.reset();
    rt.reset();
  }
  uint32_t redirect() const { return verdict_redirect(GetParam()); }
  uint32_t drop() const { return verdict_drop(GetParam()); }
  RunResult send(const std::string &dev, const Packet &p) {
    return run_ingress(rt->pin_root(), GetParam(), dev, build(p));
  }
  // A client's packet: what left (empty if nothing did) and through which netdev.
  Packet client(const Packet &p, uint32_t *out_ifindex = nullptr) {
    RunResult r = send(vfe, p);
    if (out_ifindex) *out_ifindex = r.verdict;
    return r.verdict == redirect() ? parse(r.out) : Packet{};
  }
  Packet backend(const Packet &p) {
    RunResult r = send(vbe, p);
    return r.verdict == redirect() ? parse(r.out) : Packet{};
  }
  static Packet pkt(uint32_t src, uint32_t dst) { return Packet{}.eth(kGw, kClient).ipv4(src, dst); }
  static void checksums_hold(const Packet &p) {
    EXPECT_EQ(p.ip_checksum_ok, std::optional<bool>(true));
    if (!p.udp || !p.udp->no_checksum) {
      EXPECT_EQ(p.l4_checksum_ok, std::optional<bool>(true));
    }
  }
  // One service at 10.96.0.10:80 of `n` backends 10.0.1.1.. on port 8080.
  static lbrp::Config config(size_t n, lbrp::Proto proto = lbrp::Proto::kTcp, uint16_t vport = 80) {
    lbrp::Config c;
    c.frontend = {{"fe", true}, {"be", false}};
    lbrp::Service s;
    for (size_t i = 0; i < n; i++) s.backends[ip("10.0.1.1") + i] = lbrp::Backend{uint32_t(ip("10.0.1.1") + i), uint16_t(vport ? 8080 : 0), 1};
    c.services[{kVip, vport, proto}] = s;
    return c;
  }
  // The backend Maglev gives `t` when the service's backends hold slots
  // 0..n-1 in address order (what a first apply gives them).
  static uint32_t expected_backend(const lbrp::Service &s, const pcn_tuple &t) {
    std::vector<maglev::Endpoint> eps;
    std::vector<uint32_t> by_slot;
    for (const auto &[ip_, b] : s.backends) {
      eps.push_back({by_slot.size(), b.weight, uint16_t(by_slot.size())});
      by_slot.push_back(ip_);
    }
    return by_slot[maglev::pick(maglev::build(eps), pcn_maglev_flow_hash(&t))];
  }
  static pcn_tuple tuple(uint32_t src, uint32_t dst, uint16_t sport, uint16_t dport, uint8_t proto) {
    pcn_tuple t{};
    t.saddr = htonl(src);
    t.daddr = htonl(dst);
    t.sport = htons(sport);
    t.dport = htons(dport);
    t.proto = proto;
    return t;
  }

  TestNet net;
  std::string vfe, vbe;
  std::unique_ptr<Runtime> rt;
  std::shared_ptr<Lbrp> lb;
};

TEST_P(LbrpDatapath, NewFlowGoesToTheMaglevBackendAndRepliesComeBackAsTheService) {
  lbrp::Config c = config(3);
  lb->apply(c);
  const uint32_t cl = ip("10.0.0.1");
  Packet syn = pkt(cl, kVip).with_tcp(40000, 80, 0x02);
  syn.tcp->options = std::string("\x02\x04\x05\xb4", 4);
  Packet o = client(syn);
  ASSERT_TRUE(o.ip4 && o.tcp) << "the SYN left through the backend port";
  uint32_t be = expected_backend(c.services.begin()->second, tuple(cl, kVip, 40000, 80, 6));
  EXPECT_EQ(o.ip4->dst, be);
  EXPECT_EQ(o.ip4->src, cl);
  EXPECT_EQ(o.tcp->dport, 8080);
  EXPECT_EQ(o.tcp->sport, 40000);
  EXPECT_EQ(o.tcp->options, syn.tcp->options);
  checksums_hold(o);
  Packet synack = backend(pkt(be, cl).with_tcp(8080, 40000, 0x12));
  ASSERT_TRUE(synack.tcp);
  EXPECT_EQ(synack.ip4->src, kVip);
  EXPECT_EQ(synack.tcp->sport, 80);
  EXPECT_EQ(synack.ip4->dst, cl);
  checksums_hold(synack);
  Packet ack = client(pkt(cl, kVip).with_tcp(40000, 80, 0x10).with_payload("GET /"));
  EXPECT_EQ(ack.ip4->dst, be) << "the flow's later packets follow its session";
  EXPECT_EQ(ack.payload, "GET /");
  checksums_hold(ack);
  auto s = lb->sessions();
  ASSERT_EQ(s.size(), 1u);
  EXPECT_EQ(s[0].s.ct.pkts, 3u);
  EXPECT_EQ(s[0].s.ct.tcp_state, uint32_t(PCN_CT_TCP_ESTABLISHED));
  EXPECT_EQ(lb->stats().sessions_created, 1u);
}

// Many flows: each one's backend is the one the C++ builder's table names.
TEST_P(LbrpDatapath, TheDataPlanePicksWhatTheTableBuilderSays) {
  lbrp::Config c = config(5, lbrp::Proto::kUdp, 53);
  for (auto &[a, b] : c.services.begin()->second.backends) b.weight = uint16_t(1 + (a & 3));
  lb->apply(c);
  std::map<uint32_t, int> seen;
  for (uint16_t i = 0; i < 300; i++) {
    uint32_t cl = ip("10.0.0.1") + i * 7;
    Packet o = client(pkt(cl, kVip).with_udp(uint16_t(20000 + i), 53).with_payload("q"));
    ASSERT_TRUE(o.udp) << i;
    EXPECT_EQ(o.ip4->dst, expected_backend(c.services.begin()->second, tuple(cl, kVip, uint16_t(20000 + i), 53, 17)));
    EXPECT_EQ(o.udp->dport, 8080);
    checksums_hold(o);
    seen[o.ip4->dst]++;
  }
  EXPECT_EQ(seen.size(), 5u) << "every backend got flows";
}

TEST_P(LbrpDatapath, EstablishedFlowsKeepTheirBackendWhenBackendsComeAndGo) {
  lbrp::Config c = config(2, lbrp::Proto::kUdp, 53);
  lb->apply(c);
  std::map<uint16_t, uint32_t> first;  // source port -> backend
  for (uint16_t p = 1000; p < 1100; p++) first[p] = client(pkt(ip("10.0.0.1"), kVip).with_udp(p, 53)).ip4->dst;
  // A third backend: new flows may go to it, established ones stay.
  lbrp::Config more = config(3, lbrp::Proto::kUdp, 53);
  lb->apply(more);
  for (auto &[p, be] : first) ASSERT_EQ(client(pkt(ip("10.0.0.1"), kVip).with_udp(p, 53)).ip4->dst, be) << p;
  int to_new = 0;
  for (uint16_t p = 2000; p < 2300; p++) to_new += client(pkt(ip("10.0.0.1"), kVip).with_udp(p, 53)).ip4->dst == ip("10.0.1.3");
  EXPECT_GT(to_new, 50) << "the new backend takes about a third of the new flows";
  // Removing backend 1 (DRAIN): its flows keep going to it; the others stay too.
  lbrp::Config fewer = more;
  fewer.services.begin()->second.backends.erase(ip("10.0.1.1"));
  lb->apply(fewer);
  lb->collect();
  for (auto &[p, be] : first) ASSERT_EQ(client(pkt(ip("10.0.0.1"), kVip).with_udp(p, 53)).ip4->dst, be) << p;
  for (uint16_t p = 3000; p < 3100; p++)
    ASSERT_NE(client(pkt(ip("10.0.0.1"), kVip).with_udp(p, 53)).ip4->dst, ip("10.0.1.1")) << "new flows avoid it";
  // RESET: the removed backend's flows end and are balanced again; only they move.
  lbrp::Config reset = more;
  reset.services.begin()->second.reset = true;
  lb->apply(reset);
  lbrp::Config gone = reset;
  gone.services.begin()->second.backends.erase(ip("10.0.1.2"));
  lb->apply(gone);
  lb->collect();
  for (auto &[p, be] : first) {
    uint32_t now = client(pkt(ip("10.0.0.1"), kVip).with_udp(p, 53)).ip4->dst;
    if (be == ip("10.0.1.2")) EXPECT_NE(now, be) << p;
    else EXPECT_EQ(now, be) << p;
  }
}

TEST_P(LbrpDatapath, EchoToAVirtualIpIsAnsweredErrorsAreTranslated) {
  lb->apply(config(1, lbrp::Proto::kUdp, 53));
  Packet echo = pkt(ip("10.0.0.1"), kVip).with_icmp(8, 0, 77, 3).with_payload("hello");
  RunResult r = send(vfe, echo);
  ASSERT_EQ(r.verdict, redirect());
  Packet reply = parse(r.out);
  ASSERT_TRUE(reply.icmp);
  EXPECT_EQ(reply.icmp->type, 0);
  EXPECT_EQ(reply.icmp->id, 77);
  EXPECT_EQ(reply.ip4->src, kVip);
  EXPECT_EQ(reply.ip4->dst, ip("10.0.0.1"));
  EXPECT_EQ(reply.dst, kClient);
  EXPECT_EQ(reply.src, kGw);
  EXPECT_EQ(reply.payload, "hello");
  checksums_hold(reply);
  EXPECT_EQ(lb->stats().echo_answered, 1u);
  // A ping to another address crosses unchanged.
  Packet other = client(pkt(ip("10.0.0.1"), ip("10.0.1.1")).with_icmp(8, 0, 78, 1));
  EXPECT_EQ(other.icmp->type, 8);
  EXPECT_EQ(other.ip4->dst, ip("10.0.1.1"));
  // The backend's port-unreachable, quoting the translated datagram, reaches
  // the client as the service's.
  Packet q = client(pkt(ip("10.0.0.1"), kVip).with_udp(5353, 53).with_payload("query"));
  ASSERT_EQ(q.ip4->dst, ip("10.0.1.1"));
  std::string quote = build_ip(q);
  Packet err = backend(pkt(ip("10.0.1.1"), ip("10.0.0.1")).with_icmp(3, 3).with_payload(quote));
  ASSERT_TRUE(err.icmp);
  EXPECT_EQ(err.ip4->src, kVip);
  EXPECT_EQ(err.ip4->dst, ip("10.0.0.1"));
  checksums_hold(err);
  Packet inner = parse_ip(err.payload);
  ASSERT_TRUE(inner.udp);
  EXPECT_EQ(inner.ip4->dst, kVip);
  EXPECT_EQ(inner.udp->dport, 53);
  EXPECT_EQ(inner.l4_checksum_ok, std::optional<bool>(true));
}

TEST_P(LbrpDatapath, OtherTrafficCrossesUnchangedEveryPortServicesKeepThePort) {
  lbrp::Config c = config(2, lbrp::Proto::kTcp, 0);  // every port of the VIP
  lb->apply(c);
  Packet o = client(pkt(ip("10.0.0.1"), kVip).with_tcp(40000, 443));
  ASSERT_TRUE(o.tcp);
  EXPECT_EQ(o.tcp->dport, 443) << "an every-port service keeps the destination port";
  EXPECT_EQ(o.ip4->dst, expected_backend(c.services.begin()->second, tuple(ip("10.0.0.1"), kVip, 40000, 443, 6)));
  Packet back = backend(pkt(o.ip4->dst, ip("10.0.0.1")).with_tcp(443, 40000, 0x12));
  EXPECT_EQ(back.ip4->src, kVip);
  EXPECT_EQ(back.tcp->sport, 443);
  // UDP to the VIP is not a service: it crosses as it is; so does ARP and
  // traffic of nobody's flow from the backends.
  Packet u = client(pkt(ip("10.0.0.1"), kVip).with_udp(1, 2));
  EXPECT_EQ(u.ip4->dst, kVip);
  Packet arp;
  arp.eth(mac("ff:ff:ff:ff:ff:ff"), kClient).with_payload(std::string(28, '\x01'));
  arp.ethertype = 0x0806;
  EXPECT_EQ(send(vfe, arp).verdict, redirect());
  EXPECT_EQ(send(vbe, arp).verdict, redirect());
  Packet stray = backend(pkt(ip("10.0.1.9"), ip("10.0.0.1")).with_tcp(80, 40001, 0x12));
  EXPECT_EQ(stray.ip4->src, ip("10.0.1.9"));
}

TEST_P(LbrpDatapath, AServiceWithoutBackendsDropsNewFlowsAndCountsThem) {
  lbrp::Config c = config(0);
  lb->apply(c);
  EXPECT_EQ(send(vfe, pkt(ip("10.0.0.1"), kVip).with_tcp(40000, 80)).verdict, drop());
  EXPECT_EQ(lb->stats().no_backend, 1u);
  lb->apply(config(1));
  EXPECT_EQ(client(pkt(ip("10.0.0.1"), kVip).with_tcp(40000, 80)).ip4->dst, ip("10.0.1.1"));
}

// 100,000 services of 3 backends: one Maglev table for all of them, and
// adding one more writes that service's entries only.
TEST_P(LbrpDatapath, HundredThousandServicesShareOneTableAndOneMoreWritesOnlyItself) {
  lbrp::Config c;
  c.frontend = {{"fe", true}, {"be", false}};
  for (uint32_t i = 0; i < 100000; i++) {
    lbrp::Service s;
    for (uint32_t b = 0; b < 3; b++) s.backends[ip("10.128.0.0") + i * 4 + b] = lbrp::Backend{ip("10.128.0.0") + i * 4 + b, 8080, 1};
    c.services[{ip("10.96.0.0") + i, 80, lbrp::Proto::kTcp}] = s;
  }
  lb->apply(c);
  Lbrp::Counts n = lb->counts();
  EXPECT_EQ(n.services, 100000u);
  EXPECT_EQ(n.backends, 300000u);
  EXPECT_EQ(n.tables, 1u) << "every service has slots 0, 1, 2 of weight 1";
  uint64_t writes = n.writes;
  lbrp::Config more = c;
  lbrp::Service s;
  s.backends[ip("10.200.0.1")] = lbrp::Backend{ip("10.200.0.1"), 8080, 1};
  more.services[{ip("10.250.0.1"), 80, lbrp::Proto::kTcp}] = s;
  lb->apply(more);
  EXPECT_EQ(lb->counts().writes - writes, 3u) << "one backend, one service, the vip";
  EXPECT_EQ(lb->counts().tables, 2u);
  for (uint32_t i : {0u, 51234u, 99999u}) {
    Packet o = client(pkt(ip("10.0.0.1"), ip("10.96.0.0") + i).with_tcp(40000, 80));
    ASSERT_TRUE(o.ip4);
    EXPECT_EQ(o.ip4->dst & ~3u, ip("10.128.0.0") + i * 4);
  }
  EXPECT_EQ(client(pkt(ip("10.0.0.1"), ip("10.250.0.1")).with_tcp(40000, 80)).ip4->dst, ip("10.200.0.1"));
}

INSTANTIATE_TEST_SUITE_P(Modes, LbrpDatapath, ::testing::Values(Mode::kTc, Mode::kXdpSkb),
                         [](const auto &info) { return std::string(to_string(info.param)); });

}  // namespace
