// ddosmitigator data plane with BPF_PROG_TEST_RUN: the cube sits on a veth
// (bare netdev); frames enter through the real netdev hook program, cross
// the cube's real matcher blocks, and the verdict and the per-entry and
// total drop counters are asserted. Also: which blocks are in the pipeline
// for each combination of lists, and refused edits that change nothing.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <linux/bpf.h>
#include <linux/pkt_cls.h>

#include <cstring>
#include <thread>
#include <time.h>

#include "ddosmitigator.h"
#include "errors.h"
#include "frames.h"
#include "polycube/netdev.h"
#include "polycube/runtime.h"
#include "progrun.h"
#include "testnet.h"

using namespace polycube;
using namespace polycube::services;
using namespace pcntest;

namespace {

using List = DdosMitigator::List;

// Ethernet + IPv6 + UDP, `len` bytes.
std::string udp6_frame(const std::string &src, const std::string &dst, size_t len = 80) {
  return build(Packet{}
                   .eth(mac("02:00:00:00:00:02"), mac("02:00:00:00:00:01"))
                   .ipv6(ip6(src), ip6(dst))
                   .with_udp(1000, 2000)
                   .with_payload(std::string(len - 14 - 40 - 8, '\0')));
}

// An 802.1Q tag inserted after the MAC addresses (outside any tag already there).
std::string vlan_tagged(const std::string &frame, uint16_t vid) {
  Packet p = parse(frame);
  p.vlans.insert(p.vlans.begin(), Vlan{0x8100, vid, 0});
  return build(p);
}

class DdosDatapath : public ::testing::TestWithParam<Mode> {
 protected:
  void SetUp() override {
    net.add_ns("a");
    va = net.add_host("a", "va", "");
    rt = std::make_unique<Runtime>();
    dd = rt->create<DdosMitigator>("dd1", GetParam());
    rt->attach("dd1", va);
  }
  void TearDown() override {
    dd.reset();
    rt.reset();
  }
  uint32_t send(const std::string &frame) {
    return run_ingress(rt->pin_root(), GetParam(), va, frame).verdict;
  }
  static std::string from(const std::string &src, const std::string &dst = "10.9.9.9", size_t len = 64) {
    return udp_frame(mac("02:00:00:00:00:02"), mac("02:00:00:00:00:01"), ip(src), ip(dst), 1000, 2000, len);
  }
  uint64_t drops(List l, const std::string &entry) {
    for (const auto &e : dd->entries(l))
      if (e.ip == entry) return e.drop_pkts;
    ADD_FAILURE() << "no entry " << entry;
    return ~0ull;
  }
  std::vector<std::string> block_names() {
    std::vector<std::string> out;
    for (const auto &b : dd->blocks()) out.push_back(std::to_string(b.slot) + ":" + b.program);
    return out;
  }

  TestNet net;
  std::string va;
  std::unique_ptr<Runtime> rt;
  std::shared_ptr<DdosMitigator> dd;
};

TEST_P(DdosDatapath, BlacklistedSourceIsDroppedAndCounted) {
  EXPECT_EQ(send(from("10.0.0.1")), verdict_pass(GetParam()));  // nothing blacklisted yet
  dd->add(List::kSrc, "10.0.0.1");
  for (int i = 0; i < 5; i++) EXPECT_EQ(send(from("10.0.0.1", "10.9.9.9", 100)), verdict_drop(GetParam()));
  EXPECT_EQ(send(from("10.0.0.2")), verdict_pass(GetParam()));
  EXPECT_EQ(send(from("10.9.9.9", "10.0.0.1")), verdict_pass(GetParam()));  // only the source list
  auto e = dd->entries(List::kSrc);
  ASSERT_EQ(e.size(), 1u);
  EXPECT_EQ(e[0].ip, "10.0.0.1");
  EXPECT_EQ(e[0].drop_pkts, 5u);
  EXPECT_EQ(e[0].drop_bytes, 500u);
  auto s = dd->stats();
  EXPECT_EQ(s.drop_pkts, 5u);
  EXPECT_EQ(s.drop_bytes, 500u);
  EXPECT_EQ(s.src_entries, 1u);
  EXPECT_EQ(s.dst_entries, 0u);
  EXPECT_LE(s.drop_pps, 5u);

  dd->reset_counters();
  EXPECT_EQ(drops(List::kSrc, "10.0.0.1"), 0u);
  EXPECT_EQ(dd->stats().drop_pkts, 0u);
  EXPECT_EQ(dd->stats().drop_pps, 0u);
  for (int i = 0; i < 5; i++) EXPECT_EQ(send(from("10.0.0.1", "10.9.9.9", 100)), verdict_drop(GetParam()));
  EXPECT_EQ(drops(List::kSrc, "10.0.0.1"), 5u);

  dd->remove(List::kSrc, "10.0.0.1");
  EXPECT_EQ(send(from("10.0.0.1")), verdict_pass(GetParam()));
  EXPECT_EQ(dd->stats().drop_pkts, 5u);  // totals outlive the entry
  // Re-added: a fresh counter, not the old one's.
  dd->add(List::kSrc, "10.0.0.1");
  EXPECT_EQ(drops(List::kSrc, "10.0.0.1"), 0u);
  EXPECT_EQ(send(from("10.0.0.1")), verdict_drop(GetParam()));
  EXPECT_EQ(drops(List::kSrc, "10.0.0.1"), 1u);
}

TEST_P(DdosDatapath, LongestPrefixWinsAndEachEntryCountsItsOwn) {
  dd->set_blacklists({"10.0.0.0/8", "10.1.0.0/16", "10.1.2.3"}, {});
  EXPECT_EQ(send(from("10.1.2.3")), verdict_drop(GetParam()));
  EXPECT_EQ(send(from("10.1.9.9")), verdict_drop(GetParam()));
  EXPECT_EQ(send(from("10.1.9.8")), verdict_drop(GetParam()));
  EXPECT_EQ(send(from("10.200.0.1")), verdict_drop(GetParam()));
  EXPECT_EQ(send(from("11.0.0.1")), verdict_pass(GetParam()));
  EXPECT_EQ(send(from("9.255.255.255")), verdict_pass(GetParam()));
  EXPECT_EQ(drops(List::kSrc, "10.1.2.3"), 1u);
  EXPECT_EQ(drops(List::kSrc, "10.1.0.0/16"), 2u);
  EXPECT_EQ(drops(List::kSrc, "10.0.0.0/8"), 1u);
  EXPECT_EQ(dd->stats().drop_pkts, 4u);
  // 0.0.0.0/0 covers every IPv4 source but no IPv6 one and no ARP.
  dd->set_blacklists({"0.0.0.0/0"}, {});
  EXPECT_EQ(send(from("1.2.3.4")), verdict_drop(GetParam()));
  EXPECT_EQ(send(udp6_frame("2001:db8::1", "2001:db8::2")), verdict_pass(GetParam()));
  std::string arp = from("1.2.3.4");
  arp[12] = '\x08';
  arp[13] = '\x06';
  EXPECT_EQ(send(arp), verdict_pass(GetParam()));
  EXPECT_EQ(drops(List::kSrc, "0.0.0.0/0"), 1u);
}

// IPv4 prefixes are probed per length in a hash while a list uses at most
// DD_LEN_SLOTS lengths, in the trie beyond: both give the longest match.
TEST_P(DdosDatapath, PrefixLookupByLengthOrTrieGivesTheLongestMatch) {
  auto by_length = [&] { return (dd->map<uint32_t, dd_shape>("dd_shape").get(DD_LIST_SRC)->has & DD_NET4_BY_LENGTH) != 0; };
  // source -> the entry that must count it
  const std::vector<std::pair<std::string, std::string>> probes = {
      {"10.200.0.1", "10.0.0.0/8"},      {"10.1.200.1", "10.1.0.0/16"},     {"10.1.2.1", "10.1.2.0/24"},
      {"10.1.2.129", "10.1.2.128/25"},   {"10.1.2.193", "10.1.2.192/26"},   {"10.1.2.225", "10.1.2.224/27"},
      {"10.1.2.255", "10.1.2.255"}};
  std::vector<std::string> all;
  for (const auto &[src, entry] : probes) all.push_back(entry);
  dd->set_blacklists(all, {});  // six prefix lengths and a host: the trie
  EXPECT_FALSE(by_length());
  for (const auto &[src, entry] : probes) {
    uint64_t before = drops(List::kSrc, entry);
    EXPECT_EQ(send(from(src)), verdict_drop(GetParam())) << src;
    EXPECT_EQ(drops(List::kSrc, entry), before + 1) << src << " should count on " << entry;
  }
  EXPECT_EQ(send(from("11.0.0.1")), verdict_pass(GetParam()));
  // Down to four lengths (/8 /16 /24 /27 and the host): probed per length.
  dd->remove(List::kSrc, "10.1.2.128/25");
  dd->remove(List::kSrc, "10.1.2.192/26");
  EXPECT_TRUE(by_length());
  const std::vector<std::pair<std::string, std::string>> after = {
      {"10.200.0.1", "10.0.0.0/8"}, {"10.1.200.1", "10.1.0.0/16"}, {"10.1.2.129", "10.1.2.0/24"},
      {"10.1.2.193", "10.1.2.0/24"}, {"10.1.2.225", "10.1.2.224/27"}, {"10.1.2.255", "10.1.2.255"}};
  for (const auto &[src, entry] : after) {
    uint64_t before = drops(List::kSrc, entry);
    EXPECT_EQ(send(from(src)), verdict_drop(GetParam())) << src;
    EXPECT_EQ(drops(List::kSrc, entry), before + 1) << src << " should count on " << entry;
  }
  EXPECT_EQ(send(from("11.0.0.1")), verdict_pass(GetParam()));
  // 0.0.0.0/0 is a length too (0): it catches what nothing longer does.
  dd->add(List::kSrc, "0.0.0.0/0");
  EXPECT_FALSE(by_length());  // five lengths
  dd->remove(List::kSrc, "10.1.0.0/16");
  EXPECT_TRUE(by_length());
  EXPECT_EQ(send(from("11.0.0.1")), verdict_drop(GetParam()));
  EXPECT_EQ(send(from("10.1.200.1")), verdict_drop(GetParam()));
  EXPECT_EQ(drops(List::kSrc, "0.0.0.0/0"), 1u);
  EXPECT_EQ(drops(List::kSrc, "10.0.0.0/8"), 3u);
}

TEST_P(DdosDatapath, DestinationListAndBothListsChained) {
  dd->add(List::kDst, "192.168.1.0/24");
  EXPECT_EQ(send(from("10.0.0.1", "192.168.1.7")), verdict_drop(GetParam()));
  EXPECT_EQ(send(from("192.168.1.7", "10.0.0.1")), verdict_pass(GetParam()));
  // Both lists: dd_src runs first and continues into dd_dst.
  dd->add(List::kSrc, "172.16.0.0/12");
  EXPECT_EQ(send(from("172.16.5.5", "8.8.8.8")), verdict_drop(GetParam()));
  EXPECT_EQ(send(from("8.8.8.8", "192.168.1.200")), verdict_drop(GetParam()));
  EXPECT_EQ(send(from("172.16.5.5", "192.168.1.1")), verdict_drop(GetParam()));  // src first: counted once, there
  EXPECT_EQ(send(from("8.8.8.8", "8.8.4.4")), verdict_pass(GetParam()));
  EXPECT_EQ(drops(List::kSrc, "172.16.0.0/12"), 2u);
  EXPECT_EQ(drops(List::kDst, "192.168.1.0/24"), 2u);
  EXPECT_EQ(dd->stats().drop_pkts, 4u);
}

TEST_P(DdosDatapath, Ipv6AndVlanTaggedFrames) {
  dd->set_blacklists({"2001:db8:bad::/48", "10.5.5.5"}, {"2001:db8::99"});
  EXPECT_EQ(send(udp6_frame("2001:db8:bad:1::1", "2001:db8::2")), verdict_drop(GetParam()));
  EXPECT_EQ(send(udp6_frame("2001:db8:bad0::1", "2001:db8::2")), verdict_pass(GetParam()));
  EXPECT_EQ(send(udp6_frame("2001:db8::1", "2001:db8::99")), verdict_drop(GetParam()));
  EXPECT_EQ(drops(List::kSrc, "2001:db8:bad::/48"), 1u);
  EXPECT_EQ(drops(List::kDst, "2001:db8::99"), 1u);
  // 802.1Q and 802.1ad + 802.1Q (QinQ) tags are looked through.
  EXPECT_EQ(send(vlan_tagged(from("10.5.5.5"), 7)), verdict_drop(GetParam()));
  EXPECT_EQ(send(vlan_tagged(from("10.5.5.6"), 7)), verdict_pass(GetParam()));
  std::string qinq = vlan_tagged(vlan_tagged(from("10.5.5.5"), 7), 100);
  qinq[12] = '\x88';  // outer tag 802.1ad
  qinq[13] = '\xa8';
  EXPECT_EQ(send(qinq), verdict_drop(GetParam()));
  EXPECT_EQ(send(vlan_tagged(vlan_tagged(udp6_frame("2001:db8:bad::9", "::1"), 1), 2)), verdict_drop(GetParam()));
  EXPECT_EQ(drops(List::kSrc, "10.5.5.5"), 2u);
  EXPECT_EQ(drops(List::kSrc, "2001:db8:bad::/48"), 2u);
}

TEST_P(DdosDatapath, OnlyTheMatchersInUseAreInThePipeline) {
  using V = std::vector<std::string>;
  EXPECT_EQ(block_names(), (V{"0:dd_ingress", "1:dd_egress"}));
  dd->add(List::kSrc, "10.0.0.1");
  EXPECT_EQ(block_names(), (V{"0:dd_src", "1:dd_egress"}));
  dd->add(List::kDst, "10.0.0.2");
  EXPECT_EQ(block_names(), (V{"0:dd_src", "1:dd_egress", "2:dd_dst"}));
  dd->add(List::kSrc, "10.0.0.3");  // a second entry changes no block
  uint32_t id = dd->blocks().at(0).prog_id;
  EXPECT_EQ(block_names(), (V{"0:dd_src", "1:dd_egress", "2:dd_dst"}));
  dd->remove(List::kSrc, "10.0.0.1");
  EXPECT_EQ(dd->blocks().at(0).prog_id, id);
  dd->remove(List::kSrc, "10.0.0.3");
  EXPECT_EQ(block_names(), (V{"0:dd_dst", "1:dd_egress"}));
  EXPECT_EQ(send(from("10.0.0.1", "10.0.0.2")), verdict_drop(GetParam()));
  EXPECT_EQ(send(from("10.0.0.2", "10.0.0.1")), verdict_pass(GetParam()));
  dd->remove(List::kDst, "10.0.0.2");
  EXPECT_EQ(block_names(), (V{"0:dd_ingress", "1:dd_egress"}));
  EXPECT_EQ(send(from("10.0.0.1", "10.0.0.2")), verdict_pass(GetParam()));
  // One reconcile from dst-only to src-only swaps the entry block once.
  dd->set_blacklists({}, {"10.0.0.2"});
  dd->set_blacklists({"10.0.0.1"}, {});
  EXPECT_EQ(block_names(), (V{"0:dd_src", "1:dd_egress"}));
  EXPECT_EQ(send(from("10.0.0.1", "10.0.0.2")), verdict_drop(GetParam()));
  EXPECT_EQ(send(from("10.0.0.3", "10.0.0.2")), verdict_pass(GetParam()));
}

TEST_P(DdosDatapath, RefusedEditsChangeNothing) {
  dd->set_blacklists({"10.0.0.0/8"}, {"192.168.0.1"});
  auto blocks = block_names();
  for (std::string bad : {"10.0.0.0/33", "300.1.1.1", "text", "10.0.0.1/", "10.0.0.1/x", "10.0.0.1/8",
                                 "1.2.3", "1.2.3.4.5", "", "2001:db8::/129", "2001:db8::1/32", "::ffff:1.2.3.4/200"}) {
    EXPECT_EQ(error_of([&] { dd->set_blacklists({"10.0.0.0/8", bad}, {"192.168.0.1"}); }), "invalid-value") << bad;
    EXPECT_EQ(error_of([&] { dd->add(List::kDst, bad); }), "invalid-value") << bad;
  }
  // Two spellings of one prefix are one entry.
  EXPECT_EQ(error_of([&] { dd->set_blacklists({"10.0.0.0/8", "10.9.9.9", "10.9.9.9/32"}, {}); }), "exists");
  EXPECT_EQ(error_of([&] { dd->add(List::kDst, "192.168.0.1/32"); }), "exists");
  EXPECT_EQ(error_of([&] { dd->remove(List::kSrc, "10.9.9.9"); }), "not-found");
  EXPECT_EQ(block_names(), blocks);
  auto src = dd->entries(List::kSrc), dst = dd->entries(List::kDst);
  ASSERT_EQ(src.size(), 1u);
  EXPECT_EQ(src[0].ip, "10.0.0.0/8");
  ASSERT_EQ(dst.size(), 1u);
  EXPECT_EQ(dst[0].ip, "192.168.0.1");
  EXPECT_EQ(send(from("10.9.9.9", "1.1.1.1")), verdict_drop(GetParam()));
  EXPECT_EQ(send(from("11.9.9.9", "1.1.1.1")), verdict_pass(GetParam()));
  // A respelling in one reconcile keeps the entry and its counter.
  dd->set_blacklists({"10.0.0.0/8"}, {"192.168.0.1/32"});
  ASSERT_EQ(dd->entries(List::kDst).size(), 1u);
  EXPECT_EQ(dd->entries(List::kDst)[0].ip, "192.168.0.1/32");
  EXPECT_EQ(drops(List::kSrc, "10.0.0.0/8"), 1u);
}

TEST_P(DdosDatapath, CapacityIsEnforcedAcrossBothLists) {
  std::vector<std::string> src;
  for (uint32_t i = 0; i < DD_MAX_ENTRIES; i++)
    src.push_back("10." + std::to_string(i >> 16) + "." + std::to_string((i >> 8) & 0xff) + "." + std::to_string(i & 0xff));
  dd->set_blacklists(src, {});
  EXPECT_EQ(dd->stats().src_entries, uint32_t(DD_MAX_ENTRIES));
  EXPECT_EQ(error_of([&] { dd->add(List::kDst, "192.0.2.1"); }), "invalid-value");
  src.push_back("192.0.2.1");
  EXPECT_EQ(error_of([&] { dd->set_blacklists(src, {}); }), "invalid-value");
  EXPECT_EQ(dd->stats().dst_entries, 0u);
  EXPECT_EQ(send(from("10.0.255.255")), verdict_drop(GetParam()));  // the last entry is live
  EXPECT_EQ(send(from("10.1.0.0")), verdict_pass(GetParam()));
  EXPECT_EQ(drops(List::kSrc, "10.0.255.255"), 1u);
  // Freed counters are reused, from zero.
  dd->set_blacklists({}, {"192.0.2.1"});
  EXPECT_EQ(send(from("1.1.1.1", "192.0.2.1")), verdict_drop(GetParam()));
  EXPECT_EQ(drops(List::kDst, "192.0.2.1"), 1u);
}

uint64_t coarse_second() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
  return static_cast<uint64_t>(ts.tv_sec);
}

TEST_P(DdosDatapath, DropRateIsTheLastCompleteSecond) {
  dd->add(List::kSrc, "10.0.0.1");
  // A burst of 1000 drops inside one second of the data plane's clock
  // (retried if it straddled a second boundary).
  uint64_t burst_second = 0;
  for (int attempt = 0; attempt < 5 && !burst_second; attempt++) {
    dd->reset_counters();
    uint64_t before = coarse_second();
    RunResult r = run_ingress(rt->pin_root(), GetParam(), va, from("10.0.0.1"), 1000);
    EXPECT_EQ(r.verdict, verdict_drop(GetParam()));
    if (coarse_second() == before) burst_second = before;
  }
  ASSERT_NE(burst_second, 0u);
  EXPECT_EQ(dd->stats().drop_pkts, 1000u);
  EXPECT_EQ(dd->stats().drop_pps, 0u);  // that second is not over yet
  while (coarse_second() == burst_second) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  if (coarse_second() == burst_second + 1) {
    EXPECT_EQ(dd->stats().drop_pps, 1000u);
  }
  while (coarse_second() <= burst_second + 1) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  EXPECT_EQ(dd->stats().drop_pps, 0u);  // a quiet second since
  EXPECT_EQ(dd->stats().drop_pkts, 1000u);
}

TEST(DdosPrefix, ParseAndCanonicalForm) {
  EXPECT_EQ(IpPrefix::parse("10.0.0.1").str(), "10.0.0.1");
  EXPECT_EQ(IpPrefix::parse("10.0.0.1/32").str(), "10.0.0.1");
  EXPECT_EQ(IpPrefix::parse("10.0.0.0/8").str(), "10.0.0.0/8");
  EXPECT_EQ(IpPrefix::parse("0.0.0.0/0").str(), "0.0.0.0/0");
  EXPECT_EQ(IpPrefix::parse("2001:DB8:0::/32").str(), "2001:db8::/32");
  EXPECT_EQ(IpPrefix::parse("2001:db8::1/128").str(), "2001:db8::1");
  EXPECT_EQ(IpPrefix::parse("ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255/128").str(),
            "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff");
  EXPECT_TRUE(IpPrefix::parse("10.0.0.1") == IpPrefix::parse("10.0.0.1/32"));
  EXPECT_FALSE(IpPrefix::parse("10.0.0.0/8") == IpPrefix::parse("10.0.0.0/9"));
  try {
    IpPrefix::parse("10.1.0.0/8");
    FAIL();
  } catch (const Error &e) {
    EXPECT_NE(std::string(e.what()).find("10.0.0.0/8"), std::string::npos) << e.what();
  }
}

INSTANTIATE_TEST_SUITE_P(Modes, DdosDatapath, ::testing::Values(Mode::kTc, Mode::kXdpSkb),
                         [](const auto &info) { return std::string(to_string(info.param)); });

}  // namespace
