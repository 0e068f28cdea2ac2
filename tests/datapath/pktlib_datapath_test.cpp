// The shared packet library (libpolycube/include/polycube/*.bpf.h) on its
// own, through BPF_PROG_TEST_RUN in both hooks: pktlib_test.bpf.c parses the
// packet and applies rewrites with it. Random packets (VLAN tags, IPv4 with
// options and fragments, IPv6 with extension headers, TCP, UDP with and
// without checksum, ICMP echo, ICMP errors quoting whole or truncated
// packets, ICMPv6) are built with the test packet builder; the parse result
// must match what the builder put there, and the rewritten frame must be
// byte for byte the frame built from scratch with the same fields (so every
// incrementally updated checksum equals a full recomputation). Connection
// tracking is driven through its state machine with real packets.
#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <gtest/gtest.h>

#include <cstring>
#include <random>

#include "packet.h"
#include "pktlib_test_bpf.h"
#include "pktlib_test_shared.h"
#include "polycube/bpf_loader.h"
#include "polycube/checksum.h"
#include "polycube/conntrack.h"
#include "polycube/conntrack_shared.h"
#include "polycube/runtime.h"
#include "progrun.h"

using namespace polycube;
using namespace pcntest;

namespace {

constexpr uint8_t kFin = 0x01, kSyn = 0x02, kRst = 0x04, kAck = 0x10;

// A packet the generator made, with what it quotes (ICMP errors).
struct Sample {
  Packet pkt;
  std::optional<Packet> inner;  // the quoted packet
  size_t quote_len = 0;         // bytes of it quoted (0: all)
};

class Gen {
 public:
  explicit Gen(uint32_t seed) : rng_(seed) {}
  uint32_t u(uint32_t lo, uint32_t hi) { return std::uniform_int_distribution<uint32_t>(lo, hi)(rng_); }
  bool chance(int percent) { return u(0, 99) < uint32_t(percent); }
  std::string bytes(size_t n) {
    std::string s(n, '\0');
    for (auto &c : s) c = static_cast<char>(u(0, 255));
    return s;
  }
  Ip6 addr6() {
    Ip6 a;
    for (auto &b : a) b = static_cast<uint8_t>(u(0, 255));
    return a;
  }

  // TCP, UDP, ICMP echo or (when `errors`) an ICMP error, on `p`.
  void l4(Packet &p, bool v6, bool errors, Sample *s) {
    switch (u(0, errors ? 3 : 2)) {
      case 0:
        p.with_tcp(uint16_t(u(1, 65535)), uint16_t(u(1, 65535)), uint8_t(u(0, 63)));
        p.tcp->seq = u(0, ~0u);
        p.tcp->options = bytes(4 * u(0, 3));
        break;
      case 1:
        p.with_udp(uint16_t(u(1, 65535)), uint16_t(u(1, 65535)));
        p.udp->no_checksum = !v6 && chance(20);
        break;
      case 2:
        if (v6)
          p.with_icmp(chance(50) ? 128 : 129, 0, uint16_t(u(0, 65535)), uint16_t(u(0, 65535)));
        else
          p.with_icmp(chance(50) ? 8 : 0, 0, uint16_t(u(0, 65535)), uint16_t(u(0, 65535)));
        break;
      default: {
        // An error quoting a packet sent the other way.
        Packet in;
        if (v6) {
          in.ipv6(p.ip6->dst, p.ip6->src);
          p.with_icmp(uint8_t(u(1, 4)), 0);
        } else {
          in.ipv4(p.ip4->dst, p.ip4->src, uint8_t(u(1, 64)));
          in.ip4->options = bytes(4 * u(0, 2));
          in.ip4->id = uint16_t(u(0, 65535));
          uint8_t types[] = {3, 11, 12};
          p.with_icmp(types[u(0, 2)], uint8_t(u(0, 3)));
        }
        l4(in, v6, false, nullptr);
        in.payload = bytes(u(0, 24));
        s->inner = in;
        std::string q = build_ip(in);
        // A TCP quote may stop after 8 bytes of its header (its checksum is
        // then not quoted); other quotes are whole.
        if (!v6 && in.tcp && chance(50)) s->quote_len = 20 + in.ip4->options.size() + 8;
        p.payload = s->quote_len ? q.substr(0, s->quote_len) : q;
        return;
      }
    }
    p.payload = bytes(u(0, 40));
  }

  Sample packet() {
    Sample s;
    Packet &p = s.pkt;
    p.eth(mac("02:00:00:00:0a:02"), mac("02:00:00:00:0a:01"));
    for (uint32_t i = 0, n = u(0, 2); i < n; i++) p.vlan(uint16_t(u(1, 4094)), i == 0 && chance(30) ? 0x88a8 : 0x8100);
    bool v6 = chance(25);
    if (v6) {
      p.ipv6(addr6(), addr6(), uint8_t(u(1, 255)));
      const uint8_t kinds[] = {0, 60, 43, 44, 51};
      for (uint32_t i = 0, n = u(0, 3); i < n; i++) {
        uint8_t t = kinds[u(0, 4)];
        std::string body = t == 44 ? std::string(6, '\0') : bytes(t == 51 ? 6 + 4 * u(0, 3) : 6 + 8 * u(0, 2));
        if (t == 44 && chance(20)) body[0] = 1;  // a later fragment (offset 256)
        p.ip6->ext.push_back({t, body});
      }
    } else {
      p.ipv4(u(1, ~0u), u(1, ~0u), uint8_t(u(2, 255)));
      p.ip4->options = bytes(4 * u(0, 10));
      p.ip4->id = uint16_t(u(0, 65535));
      p.ip4->df = chance(50);
      if (chance(10)) p.ip4->mf = true;
      if (chance(8)) p.ip4->frag_offset = uint16_t(u(1, 100));
    }
    bool later = v6 ? std::any_of(p.ip6->ext.begin(), p.ip6->ext.end(), [](const Ipv6Ext &e) { return e.type == 44 && e.body[0]; })
                    : p.ip4->frag_offset != 0;
    if (later) {
      // What follows is data, whatever the protocol says.
      if (v6) p.ip6->next = 6; else p.ip4->proto = 17;
      p.payload = bytes(u(8, 40));
    } else {
      l4(p, v6, true, &s);
    }
    return s;
  }

 private:
  std::mt19937 rng_;
};

uint16_t be16(uint16_t v) { return htons(v); }
uint32_t be32(uint32_t v) { return htonl(v); }

bool later_fragment(const Packet &p) {
  if (p.ip4) return p.ip4->frag_offset != 0;
  for (const auto &e : p.ip6->ext)
    if (e.type == 44 && (uint8_t(e.body[0]) || (uint8_t(e.body[1]) & 0xf8))) return true;
  return false;
}

// What pcn_parse() must find in `s` (at PCN_PARSE_L4).
void expect_parsed(const Sample &s, const pcn_pkt &got, const std::string &what) {
  const Packet &p = s.pkt;
  SCOPED_TRACE(what);
  EXPECT_EQ(got.nvlan, p.vlans.size());
  for (size_t i = 0; i < p.vlans.size(); i++) {
    EXPECT_EQ(got.vlan_tpid[i], be16(p.vlans[i].tpid));
    EXPECT_EQ(got.vlan_tci[i], be16(p.vlans[i].vid));
  }
  uint16_t l3 = uint16_t(14 + 4 * p.vlans.size());
  EXPECT_EQ(got.l3_off, l3);
  EXPECT_EQ(got.l3_proto, be16(p.ip4 ? 0x0800 : 0x86dd));
  uint16_t l4 = 0;
  if (p.ip4) {
    EXPECT_EQ(got.family, 4);
    EXPECT_EQ(got.tuple.saddr, be32(p.ip4->src));
    EXPECT_EQ(got.tuple.daddr, be32(p.ip4->dst));
    EXPECT_EQ(got.ttl, p.ip4->ttl);
    EXPECT_EQ(got.frag, (p.ip4->mf ? PCN_FRAG_MORE : 0) | (p.ip4->frag_offset ? PCN_FRAG_LATER : 0));
    l4 = uint16_t(l3 + 20 + p.ip4->options.size());
  } else {
    EXPECT_EQ(got.family, 6);
    EXPECT_EQ(0, std::memcmp(got.saddr6, p.ip6->src.data(), 16));
    EXPECT_EQ(0, std::memcmp(got.daddr6, p.ip6->dst.data(), 16));
    EXPECT_EQ(got.ttl, p.ip6->hop_limit);
    l4 = uint16_t(l3 + 40);
    for (const auto &e : p.ip6->ext) l4 = uint16_t(l4 + 2 + (e.type == 44 ? 6 : e.body.size()));
    EXPECT_EQ(got.frag & PCN_FRAG_LATER, later_fragment(p) ? PCN_FRAG_LATER : 0);
  }
  uint8_t proto = p.ip4 ? (p.ip4->proto ? *p.ip4->proto : p.tcp ? 6 : p.udp ? 17 : 1)
                        : (p.ip6->next ? *p.ip6->next : p.tcp ? 6 : p.udp ? 17 : 58);
  EXPECT_EQ(got.tuple.proto, proto);
  if (later_fragment(p)) {
    EXPECT_EQ(got.l4_off, 0);
    EXPECT_EQ(got.tuple.sport, 0);
    return;
  }
  EXPECT_EQ(got.l4_off, l4);
  if (p.tcp) {
    EXPECT_EQ(got.tuple.sport, be16(p.tcp->sport));
    EXPECT_EQ(got.tuple.dport, be16(p.tcp->dport));
    EXPECT_EQ(got.tcp_flags, p.tcp->flags);
  } else if (p.udp) {
    EXPECT_EQ(got.tuple.sport, be16(p.udp->sport));
    EXPECT_EQ(got.tuple.dport, be16(p.udp->dport));
  } else if (p.icmp) {
    EXPECT_EQ(got.icmp_type, p.icmp->type);
    EXPECT_EQ(got.icmp_code, p.icmp->code);
    bool echo = p.ip4 ? (p.icmp->type == 0 || p.icmp->type == 8) : p.icmp->type >= 128;
    EXPECT_EQ(got.tuple.sport, echo ? be16(p.icmp->id) : 0);
    EXPECT_EQ(got.tuple.dport, echo ? be16(p.icmp->id) : 0);
  }
  if (!s.inner) {
    EXPECT_EQ(got.quoted_l3_off, 0);
    EXPECT_EQ(got.quoted_l4_off, 0);
    return;
  }
  EXPECT_EQ(got.quoted_l3_off, l4 + 8);
  if (p.ip6) {
    EXPECT_EQ(got.quoted_l4_off, 0);  // quoted IPv6 packets: their header only
    return;
  }
  const Packet &in = *s.inner;
  EXPECT_EQ(got.quoted_l4_off, l4 + 8 + 20 + in.ip4->options.size());
  EXPECT_EQ(got.quoted.saddr, be32(in.ip4->src));
  EXPECT_EQ(got.quoted.daddr, be32(in.ip4->dst));
  uint16_t qs = in.tcp ? in.tcp->sport : in.udp ? in.udp->sport : in.icmp->id;
  uint16_t qd = in.tcp ? in.tcp->dport : in.udp ? in.udp->dport : in.icmp->id;
  EXPECT_EQ(got.quoted.sport, be16(qs));
  EXPECT_EQ(got.quoted.dport, be16(qd));
  EXPECT_EQ(got.quoted.proto, in.tcp ? 6 : in.udp ? 17 : 1);
}

class PktLib : public ::testing::TestWithParam<Mode> {
 protected:
  void SetUp() override {
    rt = std::make_unique<Runtime>();
    LoadSpec spec;
    spec.pin_root = rt->globals_dir();
    obj = load_object(is_xdp(GetParam()) ? pktlib_test_bpf().xdp : pktlib_test_bpf().tc, spec);
    struct bpf_map_info info{};
    uint32_t len = sizeof(info);
    ASSERT_EQ(bpf_obj_get_info_by_fd(obj->map_fd("pktlib_out"), &info, &len), 0);
    ASSERT_EQ(info.value_size, sizeof(pktlib_out)) << "struct pcn_pkt differs between BPF and C++";
  }
  void TearDown() override {
    obj.reset();
    rt.reset();
  }
  uint32_t pass() const { return is_xdp(GetParam()) ? 2 /* XDP_PASS */ : 0 /* TC_ACT_OK */; }

  // Runs `prog` on `frame` with command `c`; returns the output frame.
  std::string run(const char *prog, const std::string &frame, const pktlib_cmd &c, pktlib_out *out) {
    uint32_t zero = 0;
    EXPECT_EQ(bpf_map_update_elem(obj->map_fd("pktlib_cmd"), &zero, &c, BPF_ANY), 0);
    RunResult r = run_prog(obj->prog_fd(prog), GetParam(), 0, frame);
    EXPECT_EQ(r.verdict, pass());
    EXPECT_EQ(bpf_map_lookup_elem(obj->map_fd("pktlib_out"), &zero, out), 0);
    return r.out;
  }

  std::unique_ptr<Runtime> rt;
  std::shared_ptr<LoadedObject> obj;
};

TEST_P(PktLib, ParsesWhatTheBuilderBuilt) {
  Gen g(1234 + uint32_t(GetParam()));
  for (int i = 0; i < 400; i++) {
    Sample s = g.packet();
    std::string f = build(s.pkt);
    pktlib_cmd c{};
    c.depth = PCN_PARSE_L4;
    pktlib_out out{};
    std::string o = run("pktlib_parse_rewrite", f, c, &out);
    ASSERT_EQ(out.parse_ret, 0) << "packet " << i;
    std::string hex;
    for (unsigned char ch : f) {
      char b[4];
      std::snprintf(b, sizeof(b), "%02x", ch);
      hex += b;
    }
    expect_parsed(s, out.pkt, "packet " + std::to_string(i) + ": " + hex);
    EXPECT_EQ(o, f) << "parsing changed packet " << i;
    if (HasFailure()) return;
  }
}

TEST_P(PktLib, ShallowDepthsAndShortFrames) {
  Packet p = Packet{}.eth(mac("02:00:00:00:0a:02"), mac("02:00:00:00:0a:01")).vlan(7).ipv4(ip("10.0.0.1"), ip("10.0.0.2"));
  p.with_tcp(1000, 80).with_payload("x");
  std::string f = build(p);
  pktlib_cmd c{};
  pktlib_out out{};
  c.depth = PCN_PARSE_L3;
  run("pktlib_parse_rewrite", f, c, &out);
  EXPECT_EQ(out.pkt.family, 4);
  EXPECT_EQ(out.pkt.l4_off, 0) << "L3 depth reads no L4 header";
  EXPECT_EQ(out.pkt.tuple.sport, 0);
  c.depth = PCN_PARSE_L2;
  run("pktlib_parse_rewrite", f, c, &out);
  EXPECT_EQ(out.pkt.family, 0);
  EXPECT_EQ(out.pkt.nvlan, 1);
  EXPECT_EQ(out.pkt.l3_off, 18);
  // Truncated inside the tag: -1. Truncated inside IPv4: not IP.
  c.depth = PCN_PARSE_L4;
  run("pktlib_parse_rewrite", f.substr(0, 16), c, &out);
  EXPECT_EQ(out.parse_ret, -1);
  run("pktlib_parse_rewrite", f.substr(0, 18 + 19), c, &out);
  EXPECT_EQ(out.parse_ret, 0);
  EXPECT_EQ(out.pkt.family, 0);
  // A TCP header cut short: IPv4 without L4.
  run("pktlib_parse_rewrite", f.substr(0, 18 + 20 + 19), c, &out);
  EXPECT_EQ(out.pkt.family, 4);
  EXPECT_EQ(out.pkt.l4_off, 0);
  // Version 5, IHL 4: not IPv4.
  std::string bad = f;
  bad[18] = 0x55;
  run("pktlib_parse_rewrite", bad, c, &out);
  EXPECT_EQ(out.pkt.family, 0);
  bad[18] = 0x44;
  run("pktlib_parse_rewrite", bad, c, &out);
  EXPECT_EQ(out.pkt.family, 0);
  // IPv4 only: an IPv6 packet is left alone.
  Packet v6 = Packet{}.eth(mac("02:00:00:00:0a:02"), mac("02:00:00:00:0a:01")).ipv6(ip6("2001:db8::1"), ip6("2001:db8::2"));
  v6.with_udp(1, 2);
  c.depth = PCN_PARSE_L4 | PCN_PARSE_IPV4_ONLY;
  run("pktlib_parse_rewrite", build(v6), c, &out);
  EXPECT_EQ(out.pkt.family, 0);
  c.depth = PCN_PARSE_L4;
  run("pktlib_parse_rewrite", build(v6), c, &out);
  EXPECT_EQ(out.pkt.family, 6);
  EXPECT_EQ(out.pkt.tuple.dport, htons(2));
}

// The random rewrites of one sample, applied to the packet description
// (what a from-scratch build must give) and encoded in a command.
struct Rewrite {
  pktlib_cmd cmd{};
  uint32_t expect_failed = 0;
};

Rewrite random_rewrite(Gen &g, Sample &s) {
  Rewrite w;
  w.cmd.depth = PCN_PARSE_L4;
  Packet &p = s.pkt;
  bool v4 = p.ip4.has_value(), later = later_fragment(p);
  bool echo = p.icmp && (v4 ? (p.icmp->type == 0 || p.icmp->type == 8) : false);
  auto want = [&](uint32_t bit) {
    if (!g.chance(60)) return false;
    w.cmd.set |= bit;
    return true;
  };
  if (want(PKTLIB_SADDR)) {
    w.cmd.saddr = htonl(g.u(1, ~0u));
    if (v4) p.ip4->src = ntohl(w.cmd.saddr); else w.expect_failed |= PKTLIB_SADDR;
  }
  if (want(PKTLIB_DADDR)) {
    w.cmd.daddr = htonl(g.u(1, ~0u));
    if (v4) p.ip4->dst = ntohl(w.cmd.daddr); else w.expect_failed |= PKTLIB_DADDR;
  }
  for (uint32_t bit : {PKTLIB_SPORT, PKTLIB_DPORT}) {
    if (!want(bit)) continue;
    uint16_t port = uint16_t(g.u(1, 65535));
    (bit == PKTLIB_SPORT ? w.cmd.sport : w.cmd.dport) = htons(port);
    if (later) w.expect_failed |= bit;
    else if (p.tcp) (bit == PKTLIB_SPORT ? p.tcp->sport : p.tcp->dport) = port;
    else if (p.udp) (bit == PKTLIB_SPORT ? p.udp->sport : p.udp->dport) = port;
    else if (echo) p.icmp->id = port;
    else w.expect_failed |= bit;
  }
  if (want(PKTLIB_TTL)) {
    w.cmd.ttl = uint8_t(g.u(0, 255));
    if (v4) p.ip4->ttl = w.cmd.ttl; else w.expect_failed |= PKTLIB_TTL;
  }
  bool quoted = v4 && s.inner && !later;
  Packet *in = quoted ? &*s.inner : nullptr;
  bool q_echo = in && in->icmp;
  if (want(PKTLIB_Q_SADDR)) {
    w.cmd.q_saddr = htonl(g.u(1, ~0u));
    if (in) in->ip4->src = ntohl(w.cmd.q_saddr); else w.expect_failed |= PKTLIB_Q_SADDR;
  }
  if (want(PKTLIB_Q_DADDR)) {
    w.cmd.q_daddr = htonl(g.u(1, ~0u));
    if (in) in->ip4->dst = ntohl(w.cmd.q_daddr); else w.expect_failed |= PKTLIB_Q_DADDR;
  }
  for (uint32_t bit : {PKTLIB_Q_SPORT, PKTLIB_Q_DPORT}) {
    if (!want(bit)) continue;
    uint16_t port = uint16_t(g.u(1, 65535));
    (bit == PKTLIB_Q_SPORT ? w.cmd.q_sport : w.cmd.q_dport) = htons(port);
    if (!in) w.expect_failed |= bit;
    else if (in->tcp) (bit == PKTLIB_Q_SPORT ? in->tcp->sport : in->tcp->dport) = port;
    else if (in->udp) (bit == PKTLIB_Q_SPORT ? in->udp->sport : in->udp->dport) = port;
    else if (q_echo) in->icmp->id = port;
  }
  if (in) {
    std::string q = build_ip(*in);
    p.payload = s.quote_len ? q.substr(0, s.quote_len) : q;
  }
  return w;
}

TEST_P(PktLib, RandomRewritesKeepEveryChecksumAsAFullRecomputation) {
  Gen g(99 + uint32_t(GetParam()));
  int checked_l4 = 0, checked_quotes = 0, udp_zero = 0;
  for (int i = 0; i < 600; i++) {
    Sample s = g.packet();
    std::string f = build(s.pkt);
    Rewrite w = random_rewrite(g, s);  // s now describes the expected packet
    pktlib_out out{};
    std::string o = run("pktlib_parse_rewrite", f, w.cmd, &out);
    ASSERT_EQ(out.parse_ret, 0);
    EXPECT_EQ(out.rewrite_failed, w.expect_failed) << "packet " << i;
    std::string want = build(s.pkt);
    ASSERT_EQ(o.size(), want.size());
    EXPECT_EQ(o, want) << "packet " << i << ": rewritten frame differs from the one built from scratch";
    Packet got = parse(o);
    EXPECT_EQ(got.ip_checksum_ok, s.pkt.ip4 ? std::optional<bool>(true) : std::nullopt);
    if (got.l4_checksum_ok) {
      EXPECT_TRUE(*got.l4_checksum_ok) << "packet " << i;
      checked_l4++;
    }
    if (s.inner && s.pkt.ip4 && !later_fragment(s.pkt)) {
      Packet q = parse_ip(got.payload);
      EXPECT_EQ(q.ip_checksum_ok, std::optional<bool>(true)) << "quoted IPv4 header, packet " << i;
      if (q.l4_checksum_ok) {
        EXPECT_TRUE(*q.l4_checksum_ok) << "quoted L4 checksum, packet " << i;
      }
      checked_quotes++;
    }
    if (got.udp && got.udp->no_checksum) udp_zero++;
    if (HasFailure()) return;
  }
  // The sample covers what it is meant to.
  EXPECT_GT(checked_l4, 300);
  EXPECT_GT(checked_quotes, 30);
  EXPECT_GT(udp_zero, 5);
}

TEST_P(PktLib, UdpChecksumThatBecomesZeroIsSentAsFfff) {
  // Find a destination port that makes the UDP checksum 0 after the
  // rewrite: from-scratch that checksum is 0xffff (RFC 768).
  Packet p = Packet{}.eth(mac("02:00:00:00:0a:02"), mac("02:00:00:00:0a:01")).ipv4(ip("10.1.2.3"), ip("10.4.5.6"));
  p.with_udp(5000, 6000).with_payload("abcdefgh");
  std::string f = build(p);
  // A checksum computed as 0 is the only way a from-scratch UDP checksum
  // is 0xffff (the sum of nonzero data never folds to 0).
  uint16_t port = 0;
  for (uint32_t d = 1; d < 65536 && !port; d++) {
    Packet q = p;
    q.udp->dport = uint16_t(d);
    std::string b = build(q);
    if (uint8_t(b[40]) == 0xff && uint8_t(b[41]) == 0xff) port = uint16_t(d);
  }
  ASSERT_NE(port, 0);
  pktlib_cmd c{};
  c.depth = PCN_PARSE_L4;
  c.set = PKTLIB_DPORT;
  c.dport = htons(port);
  pktlib_out out{};
  std::string o = run("pktlib_parse_rewrite", f, c, &out);
  EXPECT_EQ(uint8_t(o[40]), 0xff);
  EXPECT_EQ(uint8_t(o[41]), 0xff);
  EXPECT_EQ(parse(o).l4_checksum_ok, std::optional<bool>(true));
}

// A CHECKSUM_PARTIAL skb under generic XDP carries only the pseudo-header
// sum in its TCP/UDP checksum: the parser says so (PCN_PARSE_CSUM_STATE) and
// the rewrites keep it a pseudo-header sum of the new addresses, leaving
// ports to the transmit-time computation. A complete checksum that happens
// to equal that sum is told apart. TC never guesses (the kernel knows).
TEST_P(PktLib, PartialChecksumSeedsFollowTheAddresses) {
  auto seed_of = [](uint32_t s, uint32_t d, uint8_t proto, size_t len) {
    return static_cast<uint16_t>(~checksum::finish(checksum::pseudo_ipv4(s, d, proto, uint16_t(len))));
  };
  Packet p = Packet{}.eth(mac("02:00:00:00:0a:02"), mac("02:00:00:00:0a:01")).ipv4(ip("10.0.1.2"), ip("172.16.0.2"));
  p.with_tcp(40000, 80, 0x18).with_payload("partial");
  std::string f = build(p);
  size_t l4 = 34, len = f.size() - l4;
  uint16_t seed = seed_of(ip("10.0.1.2"), ip("172.16.0.2"), 6, len);
  f[l4 + 16] = char(seed >> 8);
  f[l4 + 17] = char(seed);
  pktlib_cmd c{};
  c.depth = PCN_PARSE_L4 | PCN_PARSE_CSUM_STATE;
  c.set = PKTLIB_SADDR | PKTLIB_SPORT;
  c.saddr = htonl(ip("192.168.1.1"));
  c.sport = htons(20000);
  pktlib_out out{};
  std::string o = run("pktlib_parse_rewrite", f, c, &out);
  uint16_t field = uint16_t((uint8_t(o[l4 + 16]) << 8) | uint8_t(o[l4 + 17]));
  if (is_xdp(GetParam())) {
    EXPECT_EQ(out.pkt.csum_seed, 1);
    EXPECT_EQ(field, seed_of(ip("192.168.1.1"), ip("172.16.0.2"), 6, len)) << "the seed of the new addresses";
  } else {
    EXPECT_EQ(out.pkt.csum_seed, 0) << "TC leaves it to the kernel";
  }
  Packet q = parse(o);
  EXPECT_EQ(q.ip4->src, ip("192.168.1.1"));
  EXPECT_EQ(q.tcp->sport, 20000);
  // A complete checksum equal to the seed: make the payload's first word
  // what it takes, then it must be updated as the complete checksum it is.
  Packet r = p;
  r.payload = std::string(2, '\0') + "partial";
  std::string g = build(r);
  size_t glen = g.size() - l4;
  uint16_t gseed = seed_of(ip("10.0.1.2"), ip("172.16.0.2"), 6, glen);
  g[l4 + 16] = char(gseed >> 8);
  g[l4 + 17] = char(gseed);
  uint32_t sum = checksum::add(g.data() + l4, glen, checksum::pseudo_ipv4(ip("10.0.1.2"), ip("172.16.0.2"), 6, uint16_t(glen)));
  uint16_t have = static_cast<uint16_t>(~checksum::finish(sum));  // folded sum now; 0xffff makes it complete
  uint16_t w = static_cast<uint16_t>(0xffff - have);
  g[l4 + 20] = char(w >> 8);
  g[l4 + 21] = char(w);
  ASSERT_EQ(parse(g).l4_checksum_ok, std::optional<bool>(true)) << "a complete checksum equal to the seed";
  o = run("pktlib_parse_rewrite", g, c, &out);
  EXPECT_EQ(out.pkt.csum_seed, 0);
  EXPECT_EQ(parse(o).l4_checksum_ok, std::optional<bool>(true));
}

// Conntrack through its own test program: one session map, the time from
// the command.
class PktLibConntrack : public PktLib {
 protected:
  uint8_t track(const Packet &p, uint64_t now_s, uint8_t *reply = nullptr) {
    pktlib_cmd c{};
    c.now_ns = now_s * PCN_CT_NS;
    pktlib_out out{};
    run("pktlib_conntrack", build(p), c, &out);
    if (reply) *reply = out.ct_reply;
    return out.ct_state;
  }
  pcn_ct_entry session(const Packet &first) {
    pcn_tuple k{};
    k.saddr = htonl(first.ip4->src);
    k.daddr = htonl(first.ip4->dst);
    k.proto = first.tcp ? 6 : first.udp ? 17 : 1;
    k.sport = htons(first.tcp ? first.tcp->sport : first.udp ? first.udp->sport : first.icmp->id);
    k.dport = htons(first.tcp ? first.tcp->dport : first.udp ? first.udp->dport : first.icmp->id);
    pcn_ct_entry e{};
    EXPECT_EQ(bpf_map_lookup_elem(obj->map_fd("pktlib_sessions"), &k, &e), 0);
    return e;
  }
  Packet pkt(const char *src, const char *dst) {
    return Packet{}.eth(mac("02:00:00:00:0a:02"), mac("02:00:00:00:0a:01")).ipv4(ip(src), ip(dst));
  }
};

TEST_P(PktLibConntrack, TcpStateMachine) {
  Packet syn = pkt("10.0.0.1", "10.0.0.2").with_tcp(40000, 80, kSyn);
  Packet synack = pkt("10.0.0.2", "10.0.0.1").with_tcp(80, 40000, kSyn | kAck);
  Packet ack = pkt("10.0.0.1", "10.0.0.2").with_tcp(40000, 80, kAck);
  Packet fin = pkt("10.0.0.2", "10.0.0.1").with_tcp(80, 40000, kFin | kAck);
  Packet rst = pkt("10.0.0.1", "10.0.0.2").with_tcp(40000, 80, kRst);
  EXPECT_EQ(track(ack, 100), PCN_CT_INVALID) << "no session, not a SYN";
  EXPECT_EQ(track(synack, 100), PCN_CT_INVALID) << "SYN+ACK opens nothing";
  EXPECT_EQ(track(syn, 100), PCN_CT_NEW);
  EXPECT_EQ(session(syn).tcp_state, uint32_t(PCN_CT_TCP_SYN_SENT));
  uint8_t reply = 0;
  EXPECT_EQ(track(synack, 101, &reply), PCN_CT_ESTABLISHED);
  EXPECT_EQ(reply, 1);
  EXPECT_EQ(session(syn).tcp_state, uint32_t(PCN_CT_TCP_SYN_RECV));
  EXPECT_EQ(track(ack, 102, &reply), PCN_CT_ESTABLISHED);
  EXPECT_EQ(reply, 0);
  EXPECT_EQ(session(syn).tcp_state, uint32_t(PCN_CT_TCP_ESTABLISHED));
  EXPECT_EQ(session(syn).pkts, 3u);
  // Established sessions live an hour without packets, not a minute.
  EXPECT_EQ(track(ack, 102 + 3000), PCN_CT_ESTABLISHED);
  EXPECT_EQ(track(fin, 102 + 3001), PCN_CT_ESTABLISHED);
  EXPECT_EQ(session(syn).tcp_state, uint32_t(PCN_CT_TCP_FIN_WAIT));
  EXPECT_EQ(track(rst, 102 + 3002), PCN_CT_ESTABLISHED);
  EXPECT_EQ(session(syn).tcp_state, uint32_t(PCN_CT_TCP_CLOSED));
  // Closed: gone after 10 s; then an ACK is INVALID again.
  EXPECT_EQ(track(ack, 102 + 3002 + 11), PCN_CT_INVALID);
}

TEST_P(PktLibConntrack, UdpIcmpEchoAndRelatedErrors) {
  Packet out = pkt("10.0.0.1", "8.8.8.8").with_udp(5353, 53);
  Packet back = pkt("8.8.8.8", "10.0.0.1").with_udp(53, 5353);
  EXPECT_EQ(track(out, 10), PCN_CT_NEW);
  EXPECT_EQ(track(out, 11), PCN_CT_NEW) << "no reply yet";
  EXPECT_EQ(track(back, 12), PCN_CT_ESTABLISHED);
  EXPECT_EQ(track(out, 13), PCN_CT_ESTABLISHED);
  // Replied UDP lives 120 s, unreplied 30 s.
  EXPECT_EQ(track(out, 13 + 100), PCN_CT_ESTABLISHED);
  Packet other = pkt("10.0.0.1", "8.8.4.4").with_udp(5354, 53);
  EXPECT_EQ(track(other, 200), PCN_CT_NEW);
  EXPECT_EQ(track(other, 200 + 31), PCN_CT_NEW) << "expired: a new session";
  EXPECT_EQ(session(other).last_seen_ns, (200ull + 31) * PCN_CT_NS);

  Packet ping = pkt("10.0.0.1", "10.9.9.9").with_icmp(8, 0, 77, 1);
  Packet pong = pkt("10.9.9.9", "10.0.0.1").with_icmp(0, 0, 77, 1);
  EXPECT_EQ(track(ping, 300), PCN_CT_NEW);
  EXPECT_EQ(track(pong, 300), PCN_CT_ESTABLISHED);

  // ICMP errors quoting a packet of a live session (either direction) are
  // RELATED; quoting nothing known, INVALID.
  auto error_about = [&](const Packet &quoted) {
    std::string q = build_ip(quoted).substr(0, 28);
    return pkt("192.0.2.1", "10.0.0.1").with_icmp(3, 3).with_payload(q);
  };
  EXPECT_EQ(track(error_about(out), 14), PCN_CT_RELATED);
  EXPECT_EQ(track(error_about(back), 14), PCN_CT_RELATED);
  EXPECT_EQ(track(error_about(ping), 301), PCN_CT_RELATED);
  EXPECT_EQ(track(error_about(pkt("10.0.0.1", "8.8.8.8").with_udp(5353, 54)), 14), PCN_CT_INVALID);
}

TEST_P(PktLibConntrack, CollectorDeletesWhatTimedOutOnly) {
  Packet udp_once = pkt("10.0.0.1", "8.8.8.8").with_udp(1000, 53);
  Packet udp_out = pkt("10.0.0.1", "8.8.8.8").with_udp(1001, 53);
  Packet udp_back = pkt("8.8.8.8", "10.0.0.1").with_udp(53, 1001);
  Packet syn = pkt("10.0.0.1", "10.0.0.2").with_tcp(40000, 22, kSyn);
  Packet synack = pkt("10.0.0.2", "10.0.0.1").with_tcp(22, 40000, kSyn | kAck);
  Packet ack = pkt("10.0.0.1", "10.0.0.2").with_tcp(40000, 22, kAck);
  track(udp_once, 1000);
  track(udp_out, 1000);
  track(udp_back, 1000);
  track(syn, 1000);
  track(synack, 1000);
  track(ack, 1000);
  int fd = obj->map_fd("pktlib_sessions");
  std::vector<uint16_t> seen;
  conntrack::for_each(fd, sizeof(pcn_ct_entry), [&](const pcn_tuple &k, const void *) { seen.push_back(ntohs(k.sport)); });
  EXPECT_EQ(seen.size(), 3u);
  std::vector<uint16_t> gone;
  auto note = [&](const pcn_tuple &k, const void *v) {
    gone.push_back(ntohs(k.sport));
    EXPECT_GT(static_cast<const pcn_ct_entry *>(v)->pkts, 0u);
  };
  EXPECT_EQ(conntrack::collect_expired(fd, sizeof(pcn_ct_entry), 1029 * PCN_CT_NS, note), 0u);
  EXPECT_EQ(conntrack::collect_expired(fd, sizeof(pcn_ct_entry), 1031 * PCN_CT_NS, note), 1u) << "unreplied UDP: 30 s";
  EXPECT_EQ(gone, std::vector<uint16_t>{1000});
  EXPECT_EQ(conntrack::collect_expired(fd, sizeof(pcn_ct_entry), 1121 * PCN_CT_NS, note), 1u) << "replied UDP: 120 s";
  EXPECT_EQ(conntrack::collect_expired(fd, sizeof(pcn_ct_entry), 4000 * PCN_CT_NS, note), 0u) << "established TCP: 1 h";
  EXPECT_EQ(conntrack::collect_expired(fd, sizeof(pcn_ct_entry), 4601 * PCN_CT_NS, note), 1u);
  EXPECT_EQ(gone, (std::vector<uint16_t>{1000, 1001, 40000}));
}

INSTANTIATE_TEST_SUITE_P(Hooks, PktLib, ::testing::Values(Mode::kTc, Mode::kXdpSkb),
                         [](const auto &info) { return std::string(to_string(info.param)); });
INSTANTIATE_TEST_SUITE_P(Hooks, PktLibConntrack, ::testing::Values(Mode::kTc, Mode::kXdpSkb),
                         [](const auto &info) { return std::string(to_string(info.param)); });

}  // namespace
