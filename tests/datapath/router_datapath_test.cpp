// Router data plane with BPF_PROG_TEST_RUN: a frame enters through the real
// netdev hook as if it arrived on the veth a router port peers with, runs
// the real rt_main block against maps the control plane filled (routes,
// addresses) or the test seeded (neighbours), and the verdict and the
// output frame are asserted byte by byte: MACs, TTL, checksums, ARP and
// ICMP rewrites. Slow-path outcomes (ARP request, ICMP errors) are
// asserted through the router's slow-path counters.
#include <algorithm>
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <time.h>

#include <chrono>
#include <thread>

#include "frames.h"
#include "polycube/checksum.h"
#include "polycube/mac.h"
#include "polycube/netdev.h"
#include "polycube/runtime.h"
#include "progrun.h"
#include "router.h"
#include "testnet.h"
#include "two_hosts.h"

using namespace polycube;
using namespace polycube::services;
using namespace pcntest;

namespace {

const std::string kHost1Mac = "02:00:00:00:01:0a";  // 10.1.0.10 behind p1
const std::string kGwMac = "02:00:00:00:02:fe";     // 10.2.0.254 behind p2
const std::string kGw1Mac = "02:00:00:00:01:fe";    // 10.1.0.254 behind p1

// The checksum over f[at, at + len): 0 when the checksum field inside holds.
uint16_t csum(const std::string &f, size_t at, size_t len) { return polycube::checksum::of(f.data() + at, len); }
std::string mac_at(const std::string &f, size_t at) {
  return polycube::mac_to_string(polycube::mac_from_bytes(reinterpret_cast<const uint8_t *>(f.data() + at)));
}
uint32_t u32_at(const std::string &f, size_t at) {
  uint32_t v = 0;
  for (int i = 0; i < 4; i++) v = (v << 8) | uint8_t(f[at + i]);
  return v;
}
void set_ttl(std::string &f, uint8_t ttl) {
  Packet p = parse(f);
  p.ip4->ttl = ttl;
  f = build(p.fresh_checksums());
}
std::string raw_mac(const std::string &colon) {
  uint8_t b[6];
  polycube::mac_to_bytes(polycube::mac_from_string(colon), b);
  return std::string(reinterpret_cast<char *>(b), 6);
}
std::string be32(uint32_t v) { return {char(v >> 24), char(v >> 16), char(v >> 8), char(v)}; }

std::string arp_request(const std::string &src_mac, uint32_t sender, uint32_t target) {
  std::string f = std::string(6, char(0xff)) + raw_mac(src_mac) + "\x08\x06" + std::string("\x00\x01\x08\x00\x06\x04\x00\x01", 8) +
                  raw_mac(src_mac) + be32(sender) + std::string(6, '\0') + be32(target);
  f.resize(60, '\0');
  return f;
}

std::string echo_request(const std::string &dst_mac, const std::string &src_mac, uint32_t src, uint32_t dst) {
  Packet p = Packet{}.eth(mac(dst_mac), mac(src_mac)).ipv4(src, dst).with_icmp(8, 0, 7, 1).with_payload("0123456789abcdef");
  p.ip4->id = 0x1234;
  p.ip4->df = true;
  return build(p);
}

uint64_t monotonic_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return uint64_t(ts.tv_sec);
}

class RouterDatapath : public ::testing::TestWithParam<Mode> {
 protected:
  void SetUp() override {
    r = hosts.cube<Router>("r1", GetParam());
    RouterConfig c;
    c.ports["p1"].primary = ipv4::parse_cidr("10.1.0.1/24");
    c.ports["p2"].primary = ipv4::parse_cidr("10.2.0.1/24");
    c.ports["p2"].secondary.push_back(ipv4::parse_cidr("10.2.1.1/24"));
    c.routes.push_back({ipv4::parse_cidr("10.3.0.0/24"), ip("10.2.0.254"), "", 1});
    r->apply(c);
    p1mac = polycube::mac_to_string(r->port_mac("p1"));
    p2mac = polycube::mac_to_string(r->port_mac("p2"));
  }
  void TearDown() override {
    r.reset();
    hosts.rt.reset();
  }
  void neighbour(const std::string &addr, const std::string &mac, const std::string &port, uint64_t age = 0) {
    rt_arp_entry e{};
    polycube::mac_to_bytes(polycube::mac_from_string(mac), e.mac);
    e.port = r->port(port).index;
    e.timestamp = monotonic_seconds() - age;
    r->map<uint32_t, rt_arp_entry>("rt_arp").set(htonl(ip(addr)), e);
  }
  RunResult send(const std::string &dev, const std::string &frame) { return hosts.send(GetParam(), dev, frame); }
  uint32_t redirect() const { return verdict_redirect(GetParam()); }
  uint32_t drop() const { return verdict_drop(GetParam()); }
  std::string udp(const std::string &dst, size_t len = 80) {
    return udp_frame(mac(p1mac), mac(kHost1Mac), ip("10.1.0.10"), ip(dst), 1000, 2000, len);
  }
  // The slow path runs on its own thread: wait for its counter to move.
  template <class F>
  bool eventually(F cond) {
    for (int i = 0; i < 200; i++) {
      if (cond()) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return cond();
  }

  TwoHosts hosts;
  const std::string &va = hosts.va, &vb = hosts.vb;
  std::string p1mac, p2mac;
  std::shared_ptr<Router> r;
};

TEST_P(RouterDatapath, ForwardsRewritingMacsAndTtlWithValidChecksum) {
  neighbour("10.2.0.254", kGwMac, "p2");
  std::string in = udp("10.3.0.5");
  RunResult res = send(va, in);
  ASSERT_EQ(res.verdict, redirect());
  ASSERT_EQ(res.out.size(), in.size());
  EXPECT_EQ(mac_at(res.out, 0), kGwMac);
  EXPECT_EQ(mac_at(res.out, 6), p2mac);
  EXPECT_EQ(uint8_t(res.out[22]), 63);
  EXPECT_EQ(csum(res.out, 14, 20), 0) << "IPv4 header checksum after the TTL decrement";
  EXPECT_EQ(res.out.substr(26), in.substr(26));  // addresses and payload untouched
  EXPECT_EQ(r->port_stats("p2").tx_pkts, 1u);
  // Checksum carry: a header whose sum wraps must stay valid too.
  for (int ttl : {2, 128, 255}) {
    std::string f = udp("10.3.0.5");
    set_ttl(f, uint8_t(ttl));
    res = send(va, f);
    ASSERT_EQ(res.verdict, redirect());
    EXPECT_EQ(uint8_t(res.out[22]), ttl - 1);
    EXPECT_EQ(csum(res.out, 14, 20), 0) << "ttl " << ttl;
  }
}

TEST_P(RouterDatapath, ConnectedDestinationUsesItsOwnNeighbourEntry) {
  neighbour("10.2.1.7", "02:00:00:00:21:07", "p2");  // on the secondary network
  RunResult res = send(va, udp("10.2.1.7"));
  ASSERT_EQ(res.verdict, redirect());
  EXPECT_EQ(mac_at(res.out, 0), "02:00:00:00:21:07");
  EXPECT_EQ(mac_at(res.out, 6), p2mac);
}

TEST_P(RouterDatapath, LongestPrefixThenLowestPathCostWins) {
  RouterConfig c = r->config();
  c.routes.push_back({ipv4::parse_cidr("10.3.0.0/16"), ip("10.1.0.254"), "", 1});
  c.routes.push_back({ipv4::parse_cidr("10.4.0.0/24"), ip("10.2.0.254"), "", 5});
  c.routes.push_back({ipv4::parse_cidr("10.4.0.0/24"), ip("10.1.0.254"), "", 2});
  r->apply(c);
  neighbour("10.2.0.254", kGwMac, "p2");
  neighbour("10.1.0.254", kGw1Mac, "p1");
  EXPECT_EQ(mac_at(send(va, udp("10.3.0.5")).out, 0), kGwMac);   // /24
  EXPECT_EQ(mac_at(send(va, udp("10.3.9.5")).out, 0), kGw1Mac);  // /16, back out of p1
  EXPECT_EQ(mac_at(send(va, udp("10.4.0.9")).out, 0), kGw1Mac);  // cost 2 beats 5
  // Without the cheaper route the other one takes over.
  c.routes.pop_back();
  r->apply(c);
  EXPECT_EQ(mac_at(send(va, udp("10.4.0.9")).out, 0), kGwMac);
}

// With a big table the LPM result is cached per destination; every change
// of the table must be seen by the next packet (the cache never answers
// with a route that is gone or no longer the longest match).
TEST_P(RouterDatapath, BigTableRouteCacheFollowsRouteChanges) {
  auto cache = r->map<uint32_t, rt_rcache_entry>("rt_rcache");
  neighbour("10.2.0.254", kGwMac, "p2");
  neighbour("10.1.0.254", kGw1Mac, "p1");
  ASSERT_EQ(send(va, udp("10.3.0.5")).verdict, redirect());
  EXPECT_TRUE(cache.keys().empty()) << "small table: no cache";

  RouterConfig c = r->config();
  for (uint32_t i = 0; i < RT_RCACHE_MIN_ROUTES; i++)
    c.routes.push_back({ipv4::Cidr{(20u << 24) + (i << 8), 24}, ip("10.2.0.254"), "", 1});
  r->apply(c);
  EXPECT_EQ(mac_at(send(va, udp("20.0.5.9")).out, 0), kGwMac);
  auto e = cache.get(htonl(ip("20.0.5.9")));
  ASSERT_TRUE(e) << "big table: the lookup is cached";
  EXPECT_NE(e->gen, 0u);
  EXPECT_EQ(mac_at(send(va, udp("20.0.5.9")).out, 0), kGwMac);  // from the cache

  // The route changes: the cached result is stale at once.
  for (auto &rt : c.routes)
    if (rt.network.str() == "20.0.5.0/24") rt.nexthop = ip("10.1.0.254");
  r->apply(c);
  EXPECT_EQ(mac_at(send(va, udp("20.0.5.9")).out, 0), kGw1Mac);
  // A more specific route appears.
  c.routes.push_back({ipv4::parse_cidr("20.0.5.8/29"), ip("10.2.0.254"), "", 1});
  r->apply(c);
  EXPECT_EQ(mac_at(send(va, udp("20.0.5.9")).out, 0), kGwMac);
  EXPECT_EQ(mac_at(send(va, udp("20.0.5.1")).out, 0), kGw1Mac);
  // Both go: no route, to the slow path (ICMP unreachable).
  c.routes.erase(std::remove_if(c.routes.begin(), c.routes.end(),
                                [](const auto &rt) { return rt.network.str().rfind("20.0.5.", 0) == 0; }),
                 c.routes.end());
  r->apply(c);
  EXPECT_EQ(send(va, udp("20.0.5.9")).verdict, drop());
  EXPECT_TRUE(eventually([&] { return r->counters().icmp_errors_sent == 1; }));
}

TEST_P(RouterDatapath, TtlOneIsNotForwardedAndGetsTimeExceeded) {
  neighbour("10.2.0.254", kGwMac, "p2");
  std::string f = udp("10.3.0.5");
  set_ttl(f, 1);
  RunResult res = send(va, f);
  EXPECT_EQ(res.verdict, drop());  // punted to the slow path
  EXPECT_EQ(r->port_stats("p2").tx_pkts, 0u);
  EXPECT_TRUE(eventually([&] { return r->counters().icmp_errors_sent == 1; }));
  EXPECT_TRUE(eventually([&] { return r->port_stats("p1").tx_pkts == 1; })) << "the ICMP error leaves by p1";
}

TEST_P(RouterDatapath, NoRouteGetsUnreachableFromTheSlowPath) {
  RunResult res = send(va, udp("192.168.77.1"));
  EXPECT_EQ(res.verdict, drop());
  EXPECT_TRUE(eventually([&] { return r->counters().icmp_errors_sent == 1; }));
}

TEST_P(RouterDatapath, UnknownNextHopIsQueuedAndResolved) {
  RunResult res = send(va, udp("10.3.0.5"));
  EXPECT_EQ(res.verdict, drop());
  EXPECT_TRUE(eventually([&] { return r->counters().arp_requests_sent == 1 && r->counters().queued == 1; }));
  EXPECT_TRUE(eventually([&] { return r->port_stats("p2").tx_pkts == 1; })) << "the ARP request leaves by p2";
  // An expired entry is not used: resolved again.
  neighbour("10.2.0.254", kGwMac, "p2", 10000);
  EXPECT_EQ(send(va, udp("10.3.0.5")).verdict, drop());
  EXPECT_TRUE(eventually([&] { return r->counters().queued == 2; }));
}

TEST_P(RouterDatapath, QueueIsBoundedAndFlushedByTheArpReply) {
  // 12 frames for one unresolved next hop: one ARP request (rate limited),
  // the 8 newest frames wait, the 4 oldest are dropped.
  for (int i = 0; i < 12; i++) EXPECT_EQ(send(va, udp("10.3.0.5")).verdict, drop());
  ASSERT_TRUE(eventually([&] { return r->counters().queued == 12; }));
  EXPECT_EQ(r->counters().queue_drops, 4u);
  EXPECT_EQ(r->counters().arp_requests_sent, 1u);
  ASSERT_TRUE(eventually([&] { return r->port_stats("p2").tx_pkts == 1; }));  // the request
  // The reply, unicast to p2's MAC: learned in the kernel, punted, and the
  // queued frames leave by p2 with the learned MAC.
  std::string reply = raw_mac(p2mac) + raw_mac(kGwMac) + "\x08\x06" +
                      std::string("\x00\x01\x08\x00\x06\x04\x00\x02", 8) + raw_mac(kGwMac) + be32(ip("10.2.0.254")) +
                      raw_mac(p2mac) + be32(ip("10.2.0.1"));
  reply.resize(60, '\0');
  EXPECT_EQ(send(vb, reply).verdict, drop());  // consumed by the punt
  EXPECT_TRUE(eventually([&] { return r->counters().reinjected == 8; }));
  EXPECT_TRUE(eventually([&] { return r->port_stats("p2").tx_pkts == 9; }));
  auto arp = r->arp_table();
  ASSERT_EQ(arp.size(), 1u);
  EXPECT_EQ(arp[0].address, "10.2.0.254");
  EXPECT_EQ(arp[0].mac, kGwMac);
  EXPECT_EQ(arp[0].interface, "p2");
  // From now on the kernel forwards by itself.
  EXPECT_EQ(send(va, udp("10.3.0.5")).verdict, redirect());
  EXPECT_EQ(r->counters().queued, 12u);
}

TEST_P(RouterDatapath, AnswersArpForItsOwnAddressesOnly) {
  RunResult res = send(va, arp_request(kHost1Mac, ip("10.1.0.10"), ip("10.1.0.1")));
  ASSERT_EQ(res.verdict, redirect());
  const std::string &o = res.out;
  EXPECT_EQ(mac_at(o, 0), kHost1Mac);
  EXPECT_EQ(mac_at(o, 6), p1mac);
  EXPECT_EQ(uint8_t(o[21]), 2);  // reply
  EXPECT_EQ(mac_at(o, 22), p1mac);
  EXPECT_EQ(u32_at(o, 28), ip("10.1.0.1"));
  EXPECT_EQ(mac_at(o, 32), kHost1Mac);
  EXPECT_EQ(u32_at(o, 38), ip("10.1.0.10"));
  EXPECT_EQ(r->port_stats("p1").tx_pkts, 1u);
  // The asker was learned.
  auto arp = r->arp_table();
  ASSERT_EQ(arp.size(), 1u);
  EXPECT_EQ(arp[0].address, "10.1.0.10");
  EXPECT_EQ(arp[0].mac, kHost1Mac);
  EXPECT_EQ(arp[0].interface, "p1");
  // A secondary address answers on its port; another port's address and a
  // foreign one do not.
  EXPECT_EQ(send(vb, arp_request("02:00:00:00:21:08", ip("10.2.1.8"), ip("10.2.1.1"))).verdict, redirect());
  EXPECT_EQ(send(va, arp_request(kHost1Mac, ip("10.1.0.10"), ip("10.2.0.1"))).verdict, drop());
  EXPECT_EQ(send(va, arp_request(kHost1Mac, ip("10.1.0.10"), ip("10.1.0.99"))).verdict, drop());
  r->flush_arp();
  EXPECT_TRUE(r->arp_table().empty());
}

TEST_P(RouterDatapath, EchoRequestToItsAddressIsAnswered) {
  neighbour("10.1.0.10", kHost1Mac, "p1");
  for (const char *own : {"10.1.0.1", "10.2.1.1"}) {  // primary of p1; a secondary of p2
    std::string in = echo_request(p1mac, kHost1Mac, ip("10.1.0.10"), ip(own));
    RunResult res = send(va, in);
    ASSERT_EQ(res.verdict, redirect()) << own;
    const std::string &o = res.out;
    EXPECT_EQ(mac_at(o, 0), kHost1Mac);
    EXPECT_EQ(mac_at(o, 6), p1mac);
    EXPECT_EQ(u32_at(o, 26), ip(own));
    EXPECT_EQ(u32_at(o, 30), ip("10.1.0.10"));
    EXPECT_EQ(uint8_t(o[34]), 0) << "echo reply";
    EXPECT_EQ(csum(o, 14, 20), 0);
    EXPECT_EQ(csum(o, 34, o.size() - 34), 0) << "ICMP checksum";
    EXPECT_EQ(o.substr(38), in.substr(38));  // id, sequence, payload echoed
  }
  // UDP to the router itself is dropped (documented), never forwarded.
  EXPECT_EQ(send(va, udp("10.1.0.1")).verdict, drop());
}

TEST_P(RouterDatapath, FramesForAnotherMacAreIgnored) {
  neighbour("10.2.0.254", kGwMac, "p2");
  std::string f = udp_frame(mac("02:99:99:99:99:99"), mac(kHost1Mac), ip("10.1.0.10"), ip("10.3.0.5"), 1, 2, 64);
  EXPECT_EQ(send(va, f).verdict, drop());
  EXPECT_EQ(r->port_stats("p2").tx_pkts, 0u);
}

INSTANTIATE_TEST_SUITE_P(Modes, RouterDatapath, ::testing::Values(Mode::kTc, Mode::kXdpSkb),
                         [](const auto &info) { return std::string(to_string(info.param)); });

}  // namespace
