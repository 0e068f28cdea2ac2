// Firewall data plane with BPF_PROG_TEST_RUN: the cube is attached to a veth
// of a test namespace, frames enter through the real netdev hooks (ingress
// = arriving on the veth, egress = leaving through it), run the real
// firewall blocks, and verdicts and per-rule counters are asserted. The
// rule sets are compiled by the control plane exactly as the daemon does.
#include <gtest/gtest.h>
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf.h>

#include <algorithm>
#include <random>
#include <set>
#include <thread>

#include "firewall.h"
#include "firewall_frames.h"
#include "frames.h"
#include "polycube/netdev.h"
#include "polycube/runtime.h"
#include "progrun.h"
#include "rawsend.h"
#include "testnet.h"

using namespace polycube;
using namespace polycube::services;
using namespace pcntest;
using fwtest::Pkt;

namespace {

uint32_t A(const char *s) { return pcntest::ip(s); }

fw::Rule rule(const nlohmann::json &j) { return fw::parse_rule(j); }

class FirewallDatapath : public ::testing::Test {
 protected:
  void SetUp() override {
    net.add_ns("a");
    va = net.add_host("a", "va", "");
    rt = std::make_unique<Runtime>();
    fw = rt->create<Firewall>("fw1", Mode::kTc);
    rt->attach("fw1", va);
  }
  void TearDown() override {
    fw.reset();
    rt.reset();
  }
  // true: the packet went on (accepted), false: dropped.
  bool send(int chain, const std::string &f) {
    std::string hook = rt->pin_root() + (chain == FW_INGRESS ? "/hooks/tc_ingress" : "/hooks/tc_egress");
    RunResult r = run_pinned(hook, Mode::kTc, netdev_ifindex(va), f);
    EXPECT_TRUE(r.verdict == TC_ACT_OK || r.verdict == TC_ACT_SHOT) << r.verdict;
    return r.verdict != TC_ACT_SHOT;
  }
  bool send(int chain, const Pkt &p) { return send(chain, fwtest::frame(p)); }
  std::set<std::string> blocks() const {
    std::set<std::string> out;
    for (const auto &b : fw->blocks()) out.insert(b.program);
    return out;
  }

  TestNet net;
  std::string va;
  std::unique_ptr<Runtime> rt;
  std::shared_ptr<Firewall> fw;
};

Pkt udp(const char *s, const char *d, uint16_t sp, uint16_t dp, size_t len = 64) {
  Pkt p;
  p.src = A(s);
  p.dst = A(d);
  p.proto = 17;
  p.sport = sp;
  p.dport = dp;
  p.len = len;
  return p;
}
Pkt tcp(const char *s, const char *d, uint16_t sp, uint16_t dp, uint8_t flags) {
  Pkt p = udp(s, d, sp, dp);
  p.proto = 6;
  p.flags = flags;
  return p;
}
Pkt icmp(const char *s, const char *d, uint8_t type, uint16_t id) {
  Pkt p = udp(s, d, id, id);
  p.proto = 1;
  p.icmp_type = type;
  return p;
}

TEST_F(FirewallDatapath, EmptyChainsAcceptEverythingWithOnlyTheBaseBlocks) {
  EXPECT_TRUE(send(FW_INGRESS, udp("10.0.0.1", "10.0.0.2", 1, 2)));
  EXPECT_TRUE(send(FW_EGRESS, udp("10.0.0.1", "10.0.0.2", 1, 2)));
  EXPECT_EQ(blocks(), (std::set<std::string>{"fw_ingress", "fw_egress", "fw_action"}));
}

TEST_F(FirewallDatapath, FirstMatchWinsAndCountersAreExact) {
  fw::Config c;
  c.chains[FW_INGRESS].rules = {rule({{"src", "10.0.0.1/32"}, {"action", "ACCEPT"}}),
                                rule({{"src", "10.0.0.0/24"}, {"action", "DROP"}}),
                                rule({{"dst", "10.0.0.0/8"}, {"action", "ACCEPT"}})};
  c.chains[FW_INGRESS].default_action = FW_A_DROP;
  fw->apply(c);
  for (int i = 0; i < 3; i++) EXPECT_TRUE(send(FW_INGRESS, udp("10.0.0.1", "10.9.9.9", 1, 2, 100)));
  for (int i = 0; i < 5; i++) EXPECT_FALSE(send(FW_INGRESS, udp("10.0.0.7", "10.9.9.9", 1, 2, 80)));
  EXPECT_TRUE(send(FW_INGRESS, udp("10.0.1.7", "10.9.9.9", 1, 2, 64)));
  EXPECT_FALSE(send(FW_INGRESS, udp("10.0.1.7", "11.0.0.1", 1, 2, 64)));  // default DROP
  auto cnt = fw->counters(FW_INGRESS);
  ASSERT_EQ(cnt.size(), 3u);
  EXPECT_EQ(cnt[0].pkts, 3u);
  EXPECT_EQ(cnt[0].bytes, 300u);
  EXPECT_EQ(cnt[1].pkts, 5u);
  EXPECT_EQ(cnt[1].bytes, 400u);
  EXPECT_EQ(cnt[2].pkts, 1u);
  EXPECT_EQ(fw->default_counter(FW_INGRESS).pkts, 1u);
  // EGRESS has its own (empty, ACCEPT) chain.
  EXPECT_TRUE(send(FW_EGRESS, udp("10.0.0.7", "10.9.9.9", 1, 2)));
  EXPECT_EQ(fw->counters(FW_INGRESS)[1].pkts, 5u);
  // Non-IPv4 (ARP) is never filtered.
  std::string arp = fwtest::frame(udp("10.0.1.7", "11.0.0.1", 1, 2));
  arp[12] = 0x08;
  arp[13] = 0x06;
  EXPECT_TRUE(send(FW_INGRESS, arp));
  fw->reset_counters(FW_INGRESS);
  EXPECT_EQ(fw->counters(FW_INGRESS)[1].pkts, 0u);
}

// A frame over a page long sent from an AF_PACKET socket has only its
// Ethernet header in the skb's linear part: it is classified like any
// other (the parser pulls the headers in), not let through.
TEST_F(FirewallDatapath, FramesWithHeadersOutsideTheLinearPartAreFiltered) {
  sh("ip link set dev " + va + " mtu 9000");
  net.in("a", "ip link set dev eth0 mtu 9000");
  fw::Config c;
  c.chains[FW_INGRESS].rules = {rule({{"src", "10.66.0.0/16"}, {"l4proto", "UDP"}, {"dport", "9"}, {"action", "DROP"}}),
                                rule({{"action", "ACCEPT"}})};
  fw->apply(c);
  std::string bad = fwtest::frame(udp("10.66.1.1", "10.77.0.254", 9, 9, 6000));
  std::string good = fwtest::frame(udp("10.77.0.1", "10.77.0.254", 9, 9, 6000));
  ASSERT_EQ(send_frames(net.ns("a"), bad, 10), 10);
  ASSERT_EQ(send_frames(net.ns("a"), good, 7), 7);
  auto cnt = fw->counters(FW_INGRESS);
  EXPECT_EQ(cnt[0].pkts, 10u);
  EXPECT_EQ(cnt[0].bytes, 60000u);
  EXPECT_EQ(cnt[1].pkts, 7u);
}

TEST_F(FirewallDatapath, PortRangesProtocolsAndFlags) {
  fw::Config c;
  c.chains[FW_INGRESS].rules = {
      rule({{"l4proto", "TCP"}, {"dport", "1000-2000"}, {"action", "ACCEPT"}}),
      rule({{"l4proto", "UDP"}, {"sport", "53"}, {"action", "ACCEPT"}}),
      rule({{"l4proto", "TCP"}, {"tcpflags", "SYN,!ACK"}, {"action", "DROP"}}),
      rule({{"l4proto", "TCP"}, {"action", "ACCEPT"}}),
      rule({{"l4proto", "ICMP"}, {"action", "ACCEPT"}}),
  };
  c.chains[FW_INGRESS].default_action = FW_A_DROP;
  fw->apply(c);
  EXPECT_TRUE(send(FW_INGRESS, tcp("1.1.1.1", "2.2.2.2", 5, 1000, 0x02)));
  EXPECT_TRUE(send(FW_INGRESS, tcp("1.1.1.1", "2.2.2.2", 5, 2000, 0x02)));
  EXPECT_FALSE(send(FW_INGRESS, tcp("1.1.1.1", "2.2.2.2", 5, 2001, 0x02)));  // SYN -> rule 2
  EXPECT_FALSE(send(FW_INGRESS, tcp("1.1.1.1", "2.2.2.2", 5, 999, 0x02)));
  EXPECT_TRUE(send(FW_INGRESS, tcp("1.1.1.1", "2.2.2.2", 5, 999, 0x12)));  // SYN+ACK -> rule 3
  EXPECT_TRUE(send(FW_INGRESS, udp("1.1.1.1", "2.2.2.2", 53, 999)));
  EXPECT_FALSE(send(FW_INGRESS, udp("1.1.1.1", "2.2.2.2", 54, 999)));
  EXPECT_TRUE(send(FW_INGRESS, icmp("1.1.1.1", "2.2.2.2", 8, 7)));
  auto cnt = fw->counters(FW_INGRESS);
  EXPECT_EQ(cnt[0].pkts, 2u);
  EXPECT_EQ(cnt[1].pkts, 1u);
  EXPECT_EQ(cnt[2].pkts, 2u);
  EXPECT_EQ(cnt[3].pkts, 1u);
  EXPECT_EQ(cnt[4].pkts, 1u);
}

TEST_F(FirewallDatapath, BlocksFollowTheFieldsInUse) {
  using S = std::set<std::string>;
  S base{"fw_ingress", "fw_egress", "fw_action"};
  fw::Config c;
  c.chains[FW_INGRESS].rules = {rule({{"src", "10.0.0.1/32"}, {"l4proto", "ICMP"}})};
  fw->apply(c);
  S want = base;
  want.insert({"fw_match_src", "fw_match_proto"});
  EXPECT_EQ(blocks(), want);
  c.chains[FW_EGRESS].rules = {rule({{"dport", "80"}})};
  fw->apply(c);
  want.insert("fw_match_dport");
  EXPECT_EQ(blocks(), want);
  c.chains[FW_INGRESS].rules.clear();
  fw->apply(c);
  EXPECT_EQ(blocks(), (S{"fw_ingress", "fw_egress", "fw_action", "fw_match_dport"}));
  c.accept_established = true;
  fw->apply(c);
  EXPECT_EQ(blocks(), (S{"fw_ingress", "fw_egress", "fw_action", "fw_match_dport", "fw_conntrack"}));
  c = fw::Config{};
  c.chains[FW_INGRESS].rules = {rule({{"conntrack", "NEW"}})};
  fw->apply(c);
  EXPECT_EQ(blocks(), (S{"fw_ingress", "fw_egress", "fw_action", "fw_match_ctstate", "fw_conntrack"}));
  fw->apply(fw::Config{});
  EXPECT_EQ(blocks(), base);
}

TEST_F(FirewallDatapath, ConntrackLetsRepliesInAndBlocksNewInbound) {
  // Inbound-only policy: INGRESS accepts ESTABLISHED and RELATED, drops the
  // rest; EGRESS accepts everything (and so opens sessions).
  fw::Config c;
  c.chains[FW_INGRESS].rules = {rule({{"conntrack", "ESTABLISHED"}, {"action", "ACCEPT"}}),
                                rule({{"conntrack", "RELATED"}, {"action", "ACCEPT"}})};
  c.chains[FW_INGRESS].default_action = FW_A_DROP;
  fw->apply(c);
  // New inbound connection: dropped.
  EXPECT_FALSE(send(FW_INGRESS, tcp("8.8.8.8", "10.0.0.1", 443, 40000, 0x02)));
  // Outbound connection, then its replies.
  EXPECT_TRUE(send(FW_EGRESS, tcp("10.0.0.1", "8.8.8.8", 40000, 443, 0x02)));
  EXPECT_TRUE(send(FW_INGRESS, tcp("8.8.8.8", "10.0.0.1", 443, 40000, 0x12)));
  EXPECT_TRUE(send(FW_EGRESS, tcp("10.0.0.1", "8.8.8.8", 40000, 443, 0x10)));
  EXPECT_TRUE(send(FW_INGRESS, tcp("8.8.8.8", "10.0.0.1", 443, 40000, 0x10)));
  // Another port of the same host is still new.
  EXPECT_FALSE(send(FW_INGRESS, tcp("8.8.8.8", "10.0.0.1", 443, 40001, 0x12)));
  // UDP and ping the same way.
  EXPECT_FALSE(send(FW_INGRESS, udp("8.8.4.4", "10.0.0.1", 53, 5353)));
  EXPECT_TRUE(send(FW_EGRESS, udp("10.0.0.1", "8.8.4.4", 5353, 53)));
  EXPECT_TRUE(send(FW_INGRESS, udp("8.8.4.4", "10.0.0.1", 53, 5353)));
  EXPECT_FALSE(send(FW_INGRESS, icmp("8.8.4.4", "10.0.0.1", 0, 99)));
  EXPECT_TRUE(send(FW_EGRESS, icmp("10.0.0.1", "8.8.4.4", 8, 99)));
  EXPECT_TRUE(send(FW_INGRESS, icmp("8.8.4.4", "10.0.0.1", 0, 99)));
  // An ICMP error quoting the outbound UDP flow is RELATED; one quoting an
  // unknown flow is not.
  EXPECT_TRUE(send(FW_INGRESS, fwtest::icmp_error(A("192.0.2.1"), A("10.0.0.1"), udp("10.0.0.1", "8.8.4.4", 5353, 53))));
  EXPECT_FALSE(send(FW_INGRESS, fwtest::icmp_error(A("192.0.2.1"), A("10.0.0.1"), udp("10.0.0.1", "8.8.4.4", 5354, 53))));
  auto cnt = fw->counters(FW_INGRESS);
  EXPECT_EQ(cnt[0].pkts, 4u);  // SYN-ACK, ACK, UDP reply, echo reply
  EXPECT_EQ(cnt[1].pkts, 1u);
  // The sessions are visible.
  auto sessions = fw->sessions();
  EXPECT_EQ(sessions.size(), 3u);
  for (const auto &s : sessions) EXPECT_EQ(s.entry.seen_reply, 1u);
}

TEST_F(FirewallDatapath, ExpiredSessionsAreCollected) {
  fw::Config c;
  c.accept_established = true;
  fw->apply(c);
  EXPECT_TRUE(send(FW_EGRESS, udp("10.0.0.1", "8.8.4.4", 5353, 53)));
  EXPECT_TRUE(send(FW_EGRESS, tcp("10.0.0.1", "8.8.8.8", 40000, 443, 0x02)));
  ASSERT_EQ(fw->sessions().size(), 2u);
  EXPECT_EQ(fw->collect_sessions(), 0u);  // both fresh
  // Age the UDP session past its timeout (30 s unanswered).
  int fd = fw->map_fd("fw_sessions");
  for (auto s : fw->sessions())
    if (s.key.proto == 17) {
      s.entry.last_seen_ns -= FW_TO_UDP + FW_NS;
      ASSERT_EQ(bpf_map_update_elem(fd, &s.key, &s.entry, BPF_EXIST), 0);
    }
  EXPECT_EQ(fw->collect_sessions(), 1u);
  auto left = fw->sessions();
  ASSERT_EQ(left.size(), 1u);
  EXPECT_EQ(left[0].key.proto, 6);
  EXPECT_EQ(left[0].entry.tcp_state, uint32_t(FW_TCP_SYN_SENT));
}

TEST_F(FirewallDatapath, AcceptEstablishedShortcut) {
  fw::Config c;
  c.accept_established = true;
  c.chains[FW_INGRESS].default_action = FW_A_DROP;
  fw->apply(c);
  EXPECT_FALSE(send(FW_INGRESS, udp("8.8.4.4", "10.0.0.1", 53, 5353)));
  EXPECT_TRUE(send(FW_EGRESS, udp("10.0.0.1", "8.8.4.4", 5353, 53)));
  EXPECT_TRUE(send(FW_INGRESS, udp("8.8.4.4", "10.0.0.1", 53, 5353)));
}

TEST_F(FirewallDatapath, LogRulesAcceptAndReachTheSlowPath) {
  fw::Config c;
  c.chains[FW_INGRESS].rules = {rule({{"l4proto", "UDP"}, {"dport", "53"}, {"action", "LOG"}})};
  c.chains[FW_INGRESS].default_action = FW_A_DROP;
  fw->apply(c);
  for (int i = 0; i < 5; i++) EXPECT_TRUE(send(FW_INGRESS, udp("10.0.0.1", "10.0.0.2", 999, 53)));
  EXPECT_FALSE(send(FW_INGRESS, udp("10.0.0.1", "10.0.0.2", 999, 54)));
  for (int i = 0; i < 100 && fw->logged() < 5; i++) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  EXPECT_EQ(fw->logged(), 5u);
  EXPECT_EQ(fw->counters(FW_INGRESS)[0].pkts, 5u);
}

// The same object built for XDP (generic mode here): ingress of a netdev.
TEST(FirewallXdp, IngressRulesCountersAndConntrack) {
  TestNet net;
  net.add_ns("a");
  std::string va = net.add_host("a", "va", "");
  Runtime rt;
  auto fw = rt.create<Firewall>("fw1", Mode::kXdpSkb);
  rt.attach("fw1", va);
  fw::Config c;
  c.chains[FW_INGRESS].rules = {fw::parse_rule({{"src", "10.0.0.0/24"}, {"l4proto", "UDP"}, {"dport", "53"}, {"action", "ACCEPT"}}),
                                fw::parse_rule({{"conntrack", "NEW"}, {"action", "DROP"}})};
  fw->apply(c);
  auto send = [&](const Pkt &p) {
    return run_pinned(rt.pin_root() + "/hooks/xdp_ingress", Mode::kXdpSkb, netdev_ifindex(va), fwtest::frame(p)).verdict;
  };
  EXPECT_EQ(send(udp("10.0.0.9", "1.1.1.1", 5, 53)), uint32_t(XDP_PASS));
  EXPECT_EQ(send(udp("10.0.0.9", "1.1.1.1", 5, 54)), uint32_t(XDP_DROP));
  EXPECT_EQ(send(udp("10.0.1.9", "1.1.1.1", 5, 53)), uint32_t(XDP_DROP));
  // The first packet opened a session: its reply is ESTABLISHED, not NEW.
  EXPECT_EQ(send(udp("1.1.1.1", "10.0.0.9", 53, 5)), uint32_t(XDP_PASS));
  auto cnt = fw->counters(FW_INGRESS);
  EXPECT_EQ(cnt[0].pkts, 1u);
  EXPECT_EQ(cnt[1].pkts, 2u);
  EXPECT_EQ(fw->default_counter(FW_INGRESS).pkts, 1u);
}

// Random rule sets and packets: the data plane must give the verdict of
// the reference first-match classifier, including across chunks.
TEST_F(FirewallDatapath, DifferentialAgainstReferenceClassifier) {
  std::mt19937 rng(12345);
  auto pick = [&](int n) { return static_cast<int>(rng() % n); };
  const char *nets[] = {"10.0.0.0", "10.1.0.0", "10.1.2.0", "192.168.0.0"};
  auto addr = [&]() { return A(nets[pick(4)]) + (rng() % 512); };
  auto prefix = [&](bool narrow = false) {
    static const int lens[] = {8, 16, 24, 30, 32};
    int l = narrow ? 32 : lens[pick(5)];
    uint32_t a = addr() & (l == 0 ? 0 : ~0u << (32 - l));
    char buf[32];
    std::snprintf(buf, sizeof buf, "%u.%u.%u.%u/%d", a >> 24, (a >> 16) & 255, (a >> 8) & 255, a & 255, l);
    return std::string(buf);
  };
  auto port = [&]() { return static_cast<uint16_t>(pick(3) ? 80 + pick(40) : rng() % 65536); };
  for (int round = 0; round < 3; round++) {
    size_t n = round == 2 ? 2500 : 40 + pick(60);  // the last set spans 3 chunks
    fw::Config c;
    auto &rules = c.chains[FW_INGRESS].rules;
    for (size_t i = 0; i < n; i++) {
      nlohmann::json j = {{"action", pick(2) ? "ACCEPT" : "DROP"}};
      if (round == 2) j["src"] = prefix(true);  // spread matches over every chunk
      else if (pick(2)) j["src"] = prefix();
      if (pick(2)) j["dst"] = prefix();
      int proto = pick(4);
      if (proto == 1) j["l4proto"] = "TCP";
      if (proto == 2) j["l4proto"] = "UDP";
      if (proto == 3) j["l4proto"] = "ICMP";
      if (proto != 3 && pick(3) == 0) {
        uint16_t lo = port();
        j["dport"] = pick(2) ? std::to_string(lo) : std::to_string(lo) + "-" + std::to_string(std::min(65535, lo + pick(30)));
      }
      if (proto != 3 && pick(4) == 0) j["sport"] = std::to_string(port());
      if (proto == 1 && pick(4) == 0) j["tcpflags"] = pick(2) ? "SYN,!ACK" : "ACK";
      rules.push_back(rule(j));
    }
    c.chains[FW_INGRESS].default_action = pick(2) ? FW_A_ACCEPT : FW_A_DROP;
    fw->apply(c);
    fw->reset_counters(FW_INGRESS);
    std::vector<uint64_t> expect(n, 0);
    for (int k = 0; k < 300; k++) {
      Pkt p;
      p.src = addr();
      p.dst = addr();
      int proto = pick(3);
      p.proto = proto == 0 ? 6 : proto == 1 ? 17 : 1;
      p.sport = port();
      p.dport = port();
      p.flags = pick(2) ? 0x02 : 0x10;
      if (p.proto == 1) p.dport = p.sport;
      int m = fw::first_match(rules, p.view());
      bool want = m < 0 ? c.chains[FW_INGRESS].default_action == FW_A_ACCEPT : rules[m].action == FW_A_ACCEPT;
      if (m >= 0) expect[m]++;
      ASSERT_EQ(send(FW_INGRESS, p), want) << "round " << round << " packet " << k << " first match " << m;
    }
    auto cnt = fw->counters(FW_INGRESS);
    for (size_t i = 0; i < n; i++) ASSERT_EQ(cnt[i].pkts, expect[i]) << "rule " << i;
    // The sample exercises rules (not only the default), beyond chunk 0 too.
    size_t matched = 0, late = 0;
    for (size_t i = 0; i < n; i++) {
      matched += expect[i];
      if (i >= FW_CHUNK_BITS) late += expect[i];
    }
    EXPECT_GT(matched, 30u) << "round " << round;
    if (n > FW_CHUNK_BITS) {
      EXPECT_GT(late, 0u);
    }
  }
}

TEST_F(FirewallDatapath, RuleAtTheEndOfAFullChainMatches) {
  // 100,000 rules: every rule a distinct /32, the matching one last.
  fw::Config c;
  auto &rules = c.chains[FW_INGRESS].rules;
  for (uint32_t i = 0; i < 100000; i++) {
    fw::Rule r;
    r.src = fw::Prefix{A("20.0.0.0") + i, 32};
    r.action = FW_A_DROP;
    rules.push_back(r);
  }
  rules.back().action = FW_A_ACCEPT;
  c.chains[FW_INGRESS].default_action = FW_A_DROP;
  fw->apply(c);
  EXPECT_TRUE(send(FW_INGRESS, udp("20.1.134.159", "1.1.1.1", 1, 2)));  // 20.0.0.0 + 99999
  EXPECT_FALSE(send(FW_INGRESS, udp("20.0.0.5", "1.1.1.1", 1, 2)));
  EXPECT_FALSE(send(FW_INGRESS, udp("30.0.0.5", "1.1.1.1", 1, 2)));
  auto cnt = fw->counters(FW_INGRESS);
  EXPECT_EQ(cnt[99999].pkts, 1u);
  EXPECT_EQ(cnt[5].pkts, 1u);
  EXPECT_EQ(fw->default_counter(FW_INGRESS).pkts, 1u);
}

// Edits one at a time, as the REST actions make them (Firewall::edit, a
// splice per call), on a 3,000-rule chain (several chunks): after every
// batch of edits the real data plane gives the reference classifier's
// verdict and counts each packet on the rule that matched it, and a
// rule's counter follows the rule when others are inserted before it.
TEST_F(FirewallDatapath, IncrementalEditsMatchTheReferenceClassifier) {
  std::mt19937 rng(4242);
  auto pick = [&](int n) { return static_cast<int>(rng() % n); };
  auto addr = [&]() { return A("10.2.0.0") + (rng() % 1024); };
  auto random_rule = [&]() {
    nlohmann::json j = {{"action", pick(2) ? "ACCEPT" : "DROP"}};
    static const int lens[] = {22, 24, 30, 32, 32};
    int l = lens[pick(5)];
    uint32_t a = addr() & (~0u << (32 - l));
    j["src"] = std::to_string(a >> 24) + "." + std::to_string((a >> 16) & 255) + "." + std::to_string((a >> 8) & 255) +
               "." + std::to_string(a & 255) + "/" + std::to_string(l);
    if (pick(3) == 0) j["l4proto"] = "UDP";
    if (pick(4) == 0) j["dport"] = std::to_string(100 + pick(20));
    return rule(j);
  };
  std::vector<fw::Rule> ref;
  std::vector<fw::Rule> batch;
  for (int i = 0; i < 3000; i++) batch.push_back(random_rule());
  fw->edit({{FW_INGRESS, 0, 0, batch}});
  ref = batch;
  // A rule that only one source matches, to follow its counter.
  fw::Rule marker = rule({{"src", "10.9.9.9/32"}, {"action", "ACCEPT"}});
  fw->edit({{FW_INGRESS, 1500, 0, {marker}}});
  ref.insert(ref.begin() + 1500, marker);
  for (int i = 0; i < 3; i++) EXPECT_TRUE(send(FW_INGRESS, udp("10.9.9.9", "1.1.1.1", 1, 2)));
  for (int round = 0; round < 8; round++) {
    for (int e = 0; e < 25; e++) {
      int kind = pick(3);
      size_t pos = pick(static_cast<int>(ref.size()));
      if (ref[pos] == marker) continue;  // the marker stays
      if (kind == 0) {
        fw::Rule r = random_rule();
        fw->edit({{FW_INGRESS, pos, 0, {r}}});
        ref.insert(ref.begin() + pos, r);
      } else if (kind == 1) {
        fw->edit({{FW_INGRESS, pos, 1, {}}});
        ref.erase(ref.begin() + pos);
      } else {
        fw::Rule r = random_rule();
        fw->edit({{FW_INGRESS, pos, 1, {r}}});
        ref[pos] = r;
      }
    }
    ASSERT_EQ(fw->rules(FW_INGRESS), ref);
    size_t at = std::find(ref.begin(), ref.end(), marker) - ref.begin();
    EXPECT_EQ(fw->counters(FW_INGRESS)[at].pkts, 3u) << "the marker's counter after round " << round;
    std::vector<uint64_t> before;
    for (const auto &c : fw->counters(FW_INGRESS)) before.push_back(c.pkts);
    std::vector<uint64_t> expect = before;
    for (int k = 0; k < 60; k++) {
      Pkt p = udp("1.1.1.1", "2.2.2.2", static_cast<uint16_t>(1000 + pick(100)), static_cast<uint16_t>(100 + pick(25)));
      p.src = addr();
      int m = fw::first_match(ref, p.view());
      if (m >= 0) expect[m]++;
      bool want = m < 0 || ref[m].action == FW_A_ACCEPT;  // default ACCEPT
      ASSERT_EQ(send(FW_INGRESS, p), want) << "round " << round << " packet " << k << " first match " << m;
    }
    std::vector<uint64_t> after;
    for (const auto &c : fw->counters(FW_INGRESS)) after.push_back(c.pkts);
    ASSERT_EQ(after, expect) << "round " << round;
  }
}

}  // namespace
