// NAT data plane with BPF_PROG_TEST_RUN, TC and XDP: a helloworld cube
// forwards between two veths (inside on "in", outside on "out") and the NAT
// sits on its "out" port, so a frame sent on the inside veth runs the real
// hook, the cube and the NAT's egress block, and one sent on the outside
// veth its ingress block. Output frames are parsed and asserted field by
// field, checksums included.
#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <gtest/gtest.h>
#include <linux/bpf.h>
#include <linux/pkt_cls.h>

#include "helloworld.h"
#include "nat.h"
#include "packet.h"
#include "polycube/conntrack.h"
#include "polycube/netdev.h"
#include "polycube/runtime.h"
#include "progrun.h"
#include "testnet.h"

using namespace polycube;
using namespace polycube::services;
using namespace pcntest;

namespace {

const Mac kIn = mac("02:00:00:00:1a:01"), kOut = mac("02:00:00:00:1a:02");

class NatDatapath : public ::testing::TestWithParam<Mode> {
 protected:
  void SetUp() override {
    net.add_ns("a");
    net.add_ns("b");
    va = net.add_host("a", "va", "");
    vb = net.add_host("b", "vb", "");
    rt = std::make_unique<Runtime>();
    hw = rt->create<HelloWorld>("hw1", GetParam());
    hw->add_port("in", va);
    hw->add_port("out", vb);
    hw->set_action(HelloWorld::Action::kForward);
    nat = rt->create<Nat>("nat1", GetParam());
    rt->attach("nat1", "hw1:out");
  }
  void TearDown() override {
    nat.reset();
    hw.reset();
    rt.reset();
  }
  uint32_t redirect() const { return verdict_redirect(GetParam()); }
  uint32_t drop() const { return verdict_drop(GetParam()); }
  RunResult send(const std::string &dev, const Packet &p) {
    return run_ingress(rt->pin_root(), GetParam(), dev, build(p));
  }
  // Sent from inside: the frame that left (empty if it did not).
  Packet out(const Packet &p) {
    RunResult r = send(va, p);
    return r.verdict == redirect() ? parse(r.out) : Packet{};
  }
  Packet in(const Packet &p) {
    RunResult r = send(vb, p);
    return r.verdict == redirect() ? parse(r.out) : Packet{};
  }
  static Packet pkt(const char *src, const char *dst) { return Packet{}.eth(kOut, kIn).ipv4(ip(src), ip(dst)); }
  static void checksums_hold(const Packet &p) {
    EXPECT_EQ(p.ip_checksum_ok, std::optional<bool>(true));
    if (!p.udp || !p.udp->no_checksum) {
      EXPECT_EQ(p.l4_checksum_ok, std::optional<bool>(true));
    }
  }
  nat::Config snat_config(uint16_t min = 1024, uint16_t max = 65535) {
    nat::Config c;
    c.snat.push_back({0, ip("10.0.1.0"), 24, ip("192.168.1.100")});
    c.port_min = min;
    c.port_max = max;
    return c;
  }

  TestNet net;
  std::string va, vb;
  std::unique_ptr<Runtime> rt;
  std::shared_ptr<HelloWorld> hw;
  std::shared_ptr<Nat> nat;
};

TEST_P(NatDatapath, SnatTranslatesTheFirstPacketAndItsReplies) {
  nat->apply(snat_config());
  Packet o = out(pkt("10.0.1.5", "8.8.8.8").with_udp(40000, 53).with_payload("query"));
  ASSERT_TRUE(o.ip4 && o.udp);
  EXPECT_EQ(o.ip4->src, ip("192.168.1.100"));
  EXPECT_EQ(o.ip4->dst, ip("8.8.8.8"));
  EXPECT_EQ(o.udp->sport, 40000) << "a free port in the range is kept";
  EXPECT_EQ(o.payload, "query");
  checksums_hold(o);
  Packet r = in(pkt("8.8.8.8", "192.168.1.100").with_udp(53, 40000).with_payload("answer"));
  ASSERT_TRUE(r.ip4 && r.udp);
  EXPECT_EQ(r.ip4->dst, ip("10.0.1.5"));
  EXPECT_EQ(r.udp->dport, 40000);
  checksums_hold(r);
  // A source outside the rule's network goes out as it is.
  Packet other = out(pkt("10.0.2.5", "8.8.8.8").with_udp(40000, 53));
  EXPECT_EQ(other.ip4->src, ip("10.0.2.5"));
  // The session: internal and external tuple, both directions counted.
  auto s = nat->sessions();
  ASSERT_EQ(s.size(), 1u);
  EXPECT_EQ(s[0].s.kind, NAT_K_SNAT);
  EXPECT_EQ(s[0].s.ct.pkts, 2u);
  EXPECT_EQ(s[0].s.ct.seen_reply, 1u);
  EXPECT_EQ(ntohl(s[0].s.xlated.saddr), ip("192.168.1.100"));
}

TEST_P(NatDatapath, TcpZeroChecksumUdpAndOtherProtocols) {
  nat->apply(snat_config());
  Packet syn = pkt("10.0.1.5", "1.1.1.1").with_tcp(33000, 443, 0x02);
  syn.tcp->options = std::string("\x02\x04\x05\xb4", 4);
  Packet o = out(syn);
  ASSERT_TRUE(o.tcp);
  EXPECT_EQ(o.ip4->src, ip("192.168.1.100"));
  checksums_hold(o);
  Packet synack = in(pkt("1.1.1.1", "192.168.1.100").with_tcp(443, 33000, 0x12));
  ASSERT_TRUE(synack.tcp);
  EXPECT_EQ(synack.ip4->dst, ip("10.0.1.5"));
  checksums_hold(synack);
  // UDP without a checksum keeps none.
  Packet u = pkt("10.0.1.6", "1.1.1.1").with_udp(5000, 5001);
  u.udp->no_checksum = true;
  Packet uo = out(u);
  ASSERT_TRUE(uo.udp);
  EXPECT_TRUE(uo.udp->no_checksum);
  EXPECT_EQ(uo.ip4->src, ip("192.168.1.100"));
  // GRE (47): translated by address.
  Packet gre = pkt("10.0.1.7", "1.1.1.1").with_payload(std::string(8, 'g'));
  gre.ip4->proto = 47;
  Packet go = out(gre);
  EXPECT_EQ(go.ip4->src, ip("192.168.1.100"));
  EXPECT_EQ(go.ip_checksum_ok, std::optional<bool>(true));
  Packet gi = pkt("1.1.1.1", "192.168.1.100").with_payload(std::string(8, 'h'));
  gi.ip4->proto = 47;
  EXPECT_EQ(in(gi).ip4->dst, ip("10.0.1.7"));
}

TEST_P(NatDatapath, IcmpEchoIdentifiersAreTranslated) {
  nat->apply(snat_config());
  Packet o = out(pkt("10.0.1.5", "9.9.9.9").with_icmp(8, 0, 4242, 1).with_payload("ping"));
  ASSERT_TRUE(o.icmp);
  EXPECT_EQ(o.ip4->src, ip("192.168.1.100"));
  EXPECT_EQ(o.icmp->id, 4242);
  checksums_hold(o);
  // Another host with the same identifier to the same peer gets another one.
  Packet o2 = out(pkt("10.0.1.6", "9.9.9.9").with_icmp(8, 0, 4242, 1));
  ASSERT_TRUE(o2.icmp);
  EXPECT_NE(o2.icmp->id, 4242);
  checksums_hold(o2);
  Packet r2 = in(pkt("9.9.9.9", "192.168.1.100").with_icmp(0, 0, o2.icmp->id, 1));
  ASSERT_TRUE(r2.icmp);
  EXPECT_EQ(r2.ip4->dst, ip("10.0.1.6"));
  EXPECT_EQ(r2.icmp->id, 4242);
  checksums_hold(r2);
  Packet r1 = in(pkt("9.9.9.9", "192.168.1.100").with_icmp(0, 0, 4242, 1));
  EXPECT_EQ(r1.ip4->dst, ip("10.0.1.5"));
}

TEST_P(NatDatapath, IcmpErrorsAndTheQuotedPacketAreTranslatedBack) {
  nat->apply(snat_config());
  Packet probe = pkt("10.0.1.5", "8.8.8.8").with_udp(33434, 33435).with_payload("probe");
  probe.ip4->ttl = 2;
  Packet sent = out(probe);
  ASSERT_TRUE(sent.udp);
  // A router outside answers "time exceeded" to the external address,
  // quoting the translated probe.
  Packet quoted = sent;
  quoted.eth(kOut, kIn);
  std::string q = build_ip(quoted);
  Packet err = pkt("172.16.9.1", "192.168.1.100").with_icmp(11, 0).with_payload(q.substr(0, 28));
  Packet back = in(err);
  ASSERT_TRUE(back.icmp) << "the error went through";
  EXPECT_EQ(back.ip4->dst, ip("10.0.1.5"));
  EXPECT_EQ(back.ip4->src, ip("172.16.9.1"));
  checksums_hold(back);
  Packet inner = parse_ip(back.payload);
  ASSERT_TRUE(inner.ip4 && inner.udp);
  EXPECT_EQ(inner.ip4->src, ip("10.0.1.5"));
  EXPECT_EQ(inner.udp->sport, 33434);
  EXPECT_EQ(inner.ip_checksum_ok, std::optional<bool>(true));
  // The whole quote (path MTU discovery quotes more): its UDP checksum too.
  Packet full = in(pkt("8.8.8.8", "192.168.1.100").with_icmp(3, 3).with_payload(q));
  Packet fi = parse_ip(full.payload);
  ASSERT_TRUE(fi.udp);
  EXPECT_EQ(fi.ip4->src, ip("10.0.1.5"));
  EXPECT_EQ(fi.l4_checksum_ok, std::optional<bool>(true));
  checksums_hold(full);
  // An error about nothing we translated passes unchanged.
  Packet stray = pkt("172.16.9.1", "192.168.1.100").with_icmp(11, 0).with_payload(q.substr(0, 20) + std::string(8, 'x'));
  EXPECT_EQ(in(stray).ip4->dst, ip("192.168.1.100"));
}

TEST_P(NatDatapath, PortForwardingComesBeforeDnatAndRepliesGoBack) {
  nat::Config c;
  c.dnat.push_back({0, ip("192.168.1.200"), ip("10.0.1.5")});
  c.forwards.push_back({0, ip("192.168.1.200"), 8080, ip("10.0.1.9"), 80, 6});
  nat->apply(c);
  Packet fwd = in(pkt("5.5.5.5", "192.168.1.200").with_tcp(50000, 8080, 0x02));
  ASSERT_TRUE(fwd.tcp);
  EXPECT_EQ(fwd.ip4->dst, ip("10.0.1.9"));
  EXPECT_EQ(fwd.tcp->dport, 80);
  checksums_hold(fwd);
  Packet reply = out(pkt("10.0.1.9", "5.5.5.5").with_tcp(80, 50000, 0x12));
  ASSERT_TRUE(reply.tcp);
  EXPECT_EQ(reply.ip4->src, ip("192.168.1.200"));
  EXPECT_EQ(reply.tcp->sport, 8080);
  checksums_hold(reply);
  Packet d = in(pkt("5.5.5.5", "192.168.1.200").with_tcp(50001, 22, 0x02));
  EXPECT_EQ(d.ip4->dst, ip("10.0.1.5"));
  EXPECT_EQ(d.tcp->dport, 22);
  // The internal server's port-unreachable about a forwarded packet goes
  // out as if the external address had sent it.
  std::string q = build_ip(pkt("5.5.5.5", "10.0.1.5").with_udp(7000, 9999)).substr(0, 28);
  nat::Config u = c;
  u.forwards.push_back({1, ip("192.168.1.200"), 9999, ip("10.0.1.5"), 9999, 17});
  nat->apply(u);
  in(pkt("5.5.5.5", "192.168.1.200").with_udp(7000, 9999));
  Packet unreach = out(pkt("10.0.1.5", "5.5.5.5").with_icmp(3, 3).with_payload(q));
  EXPECT_EQ(unreach.ip4->src, ip("192.168.1.200"));
  Packet ui = parse_ip(unreach.payload);
  EXPECT_EQ(ui.ip4->dst, ip("192.168.1.200"));
  checksums_hold(unreach);
}

TEST_P(NatDatapath, ExhaustedPortsDropNewFlowsOnlyAndFreedPortsComeBack) {
  nat->apply(snat_config(20000, 20001));
  Packet a = out(pkt("10.0.1.5", "8.8.8.8").with_udp(1000, 53));
  Packet b = out(pkt("10.0.1.6", "8.8.8.8").with_udp(1000, 53));
  ASSERT_TRUE(a.udp && b.udp);
  EXPECT_NE(a.udp->sport, b.udp->sport);
  EXPECT_GE(a.udp->sport, 20000);
  EXPECT_LE(b.udp->sport, 20001);
  EXPECT_EQ(send(va, pkt("10.0.1.7", "8.8.8.8").with_udp(1000, 53)).verdict, drop());
  EXPECT_EQ(nat->stats().ports_exhausted, 1u);
  // Live flows are untouched; another destination has its own tuples.
  EXPECT_EQ(out(pkt("10.0.1.5", "8.8.8.8").with_udp(1000, 53)).udp->sport, a.udp->sport);
  EXPECT_TRUE(out(pkt("10.0.1.7", "8.8.4.4").with_udp(1000, 53)).udp.has_value());
  // A session that timed out gives its port back (to the next new flow).
  int fd = nat->map_fd("nat_sessions");
  for (const auto &s : nat->sessions())
    if (s.orig.saddr == htonl(ip("10.0.1.6"))) {
      nat_session v = s.s;
      v.ct.last_seen_ns -= PCN_CT_TO_UDP + PCN_CT_NS;
      ASSERT_EQ(bpf_map_update_elem(fd, &s.orig, &v, BPF_EXIST), 0);
    }
  Packet c = out(pkt("10.0.1.7", "8.8.8.8").with_udp(1000, 53));
  ASSERT_TRUE(c.udp);
  EXPECT_EQ(c.udp->sport, b.udp->sport);
  EXPECT_EQ(nat->stats().ports_exhausted, 1u);
  // And the collector removes what is left of timed-out sessions.
  for (const auto &s : nat->sessions()) {
    nat_session v = s.s;
    v.ct.last_seen_ns -= PCN_CT_TO_UDP_STREAM + PCN_CT_NS;
    bpf_map_update_elem(fd, &s.orig, &v, BPF_EXIST);
  }
  EXPECT_EQ(nat->collect(), 3u);
  EXPECT_TRUE(nat->sessions().empty());
}

TEST_P(NatDatapath, DeletingARuleEndsItsSessionsChangingOneDoesNot) {
  nat::Config c = snat_config();
  c.snat.push_back({1, ip("10.0.2.0"), 24, ip("192.168.1.101")});
  nat->apply(c);
  out(pkt("10.0.1.5", "8.8.8.8").with_udp(1000, 53));
  out(pkt("10.0.2.5", "8.8.8.8").with_udp(1000, 53));
  ASSERT_EQ(nat->sessions().size(), 2u);
  nat::Config changed = c;
  changed.snat[1].external = ip("192.168.1.102");  // applies to new flows
  nat->apply(changed);
  EXPECT_EQ(nat->sessions().size(), 2u);
  EXPECT_EQ(out(pkt("10.0.2.5", "8.8.8.8").with_udp(1000, 53)).ip4->src, ip("192.168.1.101"));
  EXPECT_EQ(out(pkt("10.0.2.6", "8.8.8.8").with_udp(1000, 53)).ip4->src, ip("192.168.1.102"));
  nat::Config fewer = changed;
  fewer.snat.erase(fewer.snat.begin());  // rule 0 goes
  nat->apply(fewer);
  auto left = nat->sessions();
  EXPECT_EQ(left.size(), 2u);
  for (const auto &s : left) EXPECT_EQ(s.s.rule, 1u);
  EXPECT_EQ(out(pkt("10.0.1.5", "8.8.8.8").with_udp(1000, 53)).ip4->src, ip("10.0.1.5")) << "no rule: untranslated";
}

INSTANTIATE_TEST_SUITE_P(Modes, NatDatapath, ::testing::Values(Mode::kTc, Mode::kXdpSkb),
                         [](const auto &info) { return std::string(to_string(info.param)); });

}  // namespace
