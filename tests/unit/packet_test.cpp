// The shared checksum module (polycube/checksum.h) against published
// vectors, and the test packet builder: what build() writes, parse() reads
// back, with lengths and checksums a from-scratch check accepts.
#include <gtest/gtest.h>

#include "packet.h"
#include "polycube/checksum.h"

using namespace pcntest;
namespace cs = polycube::checksum;

namespace {

std::string hex(const std::string &h) {
  std::string out;
  for (size_t i = 0; i + 1 < h.size(); i += 2) out.push_back(static_cast<char>(std::stoi(h.substr(i, 2), nullptr, 16)));
  return out;
}

TEST(Checksum, PublishedVectors) {
  // RFC 1071 section 3: the words 0001 f203 f4f5 f6f7 sum to ddf2.
  std::string words = hex("0001f203f4f5f6f7");
  EXPECT_EQ(cs::add(words.data(), words.size()), 0x2ddf0u);
  EXPECT_EQ(cs::finish(0x2ddf0), uint16_t(~0xddf2));
  // The IPv4 header of the usual textbook example: checksum b861.
  std::string ip = hex("450000730000400040110000c0a80001c0a800c7");
  EXPECT_EQ(cs::of(ip.data(), ip.size()), 0xb861);
  ip[10] = char(0xb8);
  ip[11] = char(0x61);
  EXPECT_EQ(cs::of(ip.data(), ip.size()), 0);
  // An odd length pads with a zero byte.
  std::string odd = hex("0102030405");
  EXPECT_EQ(cs::add(odd.data(), odd.size()), 0x0102u + 0x0304u + 0x0500u);
}

TEST(Checksum, CompletesAFrameCopiedFromAPartialSkb) {
  Packet p = Packet{}.eth(mac("02:00:00:00:00:02"), mac("02:00:00:00:00:01")).ipv4(ip("10.0.1.2"), ip("172.16.0.2"));
  p.with_tcp(40000, 80, 0x02).with_payload("data");
  std::string full = build(p);
  // What a CHECKSUM_PARTIAL skb carries: the pseudo-header sum, not inverted.
  size_t len = full.size() - 34;
  uint16_t seed = static_cast<uint16_t>(~cs::finish(cs::pseudo_ipv4(ip("10.0.1.2"), ip("172.16.0.2"), 6, uint16_t(len))));
  std::string partial = full;
  partial[34 + 16] = char(seed >> 8);
  partial[34 + 17] = char(seed);
  EXPECT_EQ(parse(partial).l4_checksum_ok, std::optional<bool>(false));
  EXPECT_TRUE(cs::complete_partial(partial));
  EXPECT_EQ(partial, full);
  // A complete checksum is left alone; so is ICMP.
  EXPECT_FALSE(cs::complete_partial(partial));
  std::string icmp = build(Packet{}.eth(mac("02:00:00:00:00:02"), mac("02:00:00:00:00:01")).ipv4(1, 2).with_icmp(8));
  EXPECT_FALSE(cs::complete_partial(icmp));
}

TEST(PacketBuilder, Ipv4TcpRoundTrip) {
  Packet p = Packet{}.eth(mac("02:00:00:00:00:02"), mac("02:00:00:00:00:01")).vlan(10).vlan(20);
  p.vlans[0].tpid = 0x88a8;
  p.ipv4(ip("10.0.0.1"), ip("192.168.1.9"), 17).with_tcp(12345, 443, 0x12).with_payload("hello");
  p.ip4->options = std::string("\x01\x01\x01", 3);  // padded to 4
  p.tcp->options = std::string("\x02\x04\x05\xb4", 4);
  std::string f = build(p);
  ASSERT_EQ(f.size(), 14u + 8 + 24 + 24 + 5);
  Packet q = parse(f);
  ASSERT_EQ(q.vlans.size(), 2u);
  EXPECT_EQ(q.vlans[0].tpid, 0x88a8);
  EXPECT_EQ(q.vlans[1].vid, 20);
  ASSERT_TRUE(q.ip4 && q.tcp);
  EXPECT_EQ(q.ip4->src, ip("10.0.0.1"));
  EXPECT_EQ(q.ip4->ttl, 17);
  EXPECT_EQ(q.ip4->options.size(), 4u);
  EXPECT_EQ(q.tcp->dport, 443);
  EXPECT_EQ(q.tcp->flags, 0x12);
  EXPECT_EQ(q.payload, "hello");
  EXPECT_EQ(q.ip_checksum_ok, std::optional<bool>(true));
  EXPECT_EQ(q.l4_checksum_ok, std::optional<bool>(true));
  // The same frame again from what was parsed.
  EXPECT_EQ(build(q), f);
  // A flipped payload bit is caught.
  f.back() ^= 1;
  EXPECT_EQ(parse(f).l4_checksum_ok, std::optional<bool>(false));
}

TEST(PacketBuilder, UdpZeroChecksumPaddingAndIpv6Extensions) {
  Packet p = Packet{}.eth(mac("02:00:00:00:00:02"), mac("02:00:00:00:00:01")).ipv4(ip("1.2.3.4"), ip("5.6.7.8"));
  p.with_udp(53, 53).with_payload("x");
  p.udp->no_checksum = true;
  p.min_size = 60;
  std::string f = build(p);
  EXPECT_EQ(f.size(), 60u);
  Packet q = parse(f);
  EXPECT_TRUE(q.udp->no_checksum);
  EXPECT_EQ(q.payload, "x") << "Ethernet padding is not payload";
  EXPECT_FALSE(q.l4_checksum_ok.has_value());

  Packet v6 = Packet{}.eth(mac("02:00:00:00:00:02"), mac("02:00:00:00:00:01")).ipv6(ip6("2001:db8::1"), ip6("2001:db8::2"));
  v6.ip6->ext = {{0, std::string(6, '\0')}, {44, std::string(6, '\0')}, {51, std::string(10, 'a')}, {60, "bb"}};
  v6.with_icmp(128, 0, 7, 9).with_payload("ping");
  std::string g = build(v6);
  Packet r = parse(g);
  ASSERT_TRUE(r.ip6 && r.icmp);
  ASSERT_EQ(r.ip6->ext.size(), 4u);
  EXPECT_EQ(r.ip6->ext[2].type, 51);
  EXPECT_EQ(r.ip6->ext[2].body.size(), 10u);
  EXPECT_EQ(r.icmp->id, 7);
  EXPECT_EQ(r.l4_checksum_ok, std::optional<bool>(true));
  EXPECT_EQ(build(r), g);
}

TEST(PacketBuilder, IcmpErrorQuotesAPacket) {
  Packet sent = Packet{}.ipv4(ip("10.0.0.1"), ip("8.8.8.8"), 1).with_udp(33434, 33435).with_payload("probe");
  Packet err = Packet{}.eth(mac("02:00:00:00:00:01"), mac("02:00:00:00:00:02")).ipv4(ip("10.0.0.254"), ip("10.0.0.1"));
  err.with_icmp(11, 0).with_payload(build_ip(sent));
  Packet q = parse(build(err));
  EXPECT_EQ(q.l4_checksum_ok, std::optional<bool>(true));
  Packet in = parse_ip(q.payload);
  ASSERT_TRUE(in.ip4 && in.udp);
  EXPECT_EQ(in.udp->dport, 33435);
  EXPECT_EQ(in.ip_checksum_ok, std::optional<bool>(true));
  EXPECT_EQ(in.l4_checksum_ok, std::optional<bool>(true));
  // A quote cut after 8 bytes of L4: ports still read, nothing to check.
  Packet cut = parse_ip(build_ip(sent).substr(0, 28));
  EXPECT_EQ(cut.udp->sport, 33434);
  EXPECT_FALSE(cut.l4_checksum_ok.has_value());
}

TEST(PacketBuilder, ArpRequestAndReply) {
  // The router's ARP request (services/router/router_slowpath.cpp builds it
  // this way): broadcast, target MAC zero, 42 bytes, no padding.
  Packet req;
  req.eth(mac("ff:ff:ff:ff:ff:ff"), mac(0x020000000001ull));
  req.arp = Arp{1, mac("02:00:00:00:00:01"), {}, ip("10.0.0.1"), ip("10.0.0.2")};
  std::string f = build(req);
  EXPECT_EQ(f, hex("ffffffffffff020000000001"
                   "0806"
                   "0001080006040001020000000001"
                   "0a000001"
                   "000000000000"
                   "0a000002"));
  // A reply read back: the payload keeps the ARP message (and the padding),
  // so the frame builds again byte for byte.
  Packet rep;
  rep.eth(mac("02:00:00:00:00:01"), mac("02:00:00:00:00:02"));
  rep.arp = Arp{2, mac("02:00:00:00:00:02"), mac("02:00:00:00:00:01"), ip("10.0.0.2"), ip("10.0.0.1")};
  rep.min_size = 60;
  std::string wire = build(rep);
  ASSERT_EQ(wire.size(), 60u);
  Packet back = parse(wire);
  EXPECT_EQ(*back.ethertype, 0x0806);
  EXPECT_FALSE(back.arp);
  EXPECT_EQ(build(back), wire);
  auto a = arp_of(back);
  ASSERT_TRUE(a);
  EXPECT_EQ(a->op, 2);
  EXPECT_EQ(a->sha, mac("02:00:00:00:00:02"));
  EXPECT_EQ(a->tha, mac("02:00:00:00:00:01"));
  EXPECT_EQ(ip_string(a->spa), "10.0.0.2");
  EXPECT_EQ(ip_string(a->tpa), "10.0.0.1");
  // Not IPv4 over Ethernet, or cut short: no ARP message.
  std::string other = wire;
  other[14 + 3] = 0x06;  // protocol type 0x0806
  EXPECT_FALSE(arp_of(parse(other)));
  EXPECT_FALSE(arp_of(parse(wire.substr(0, 41))));
  EXPECT_FALSE(arp_of(parse(build(Packet().eth(mac("02:00:00:00:00:01"), mac("02:00:00:00:00:02")).ipv4(1, 2).with_udp(1, 2)))));
}

}  // namespace
