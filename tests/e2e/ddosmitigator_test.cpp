// End-to-end: ddosmitigator driven through polycubed (RESTCONF and pcn),
// attached to a veth or to a simplebridge port between two namespaces,
// with real traffic: blacklisting the source stops ping and removing it
// restores it, with exact drop counters; the micro-blocks in
// polycube:cubes follow the lists; a UDP stream from a source that is not
// blacklisted loses nothing while entries are added and removed hundreds of
// times (each time reshaping the pipeline); bad input changes nothing.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <sched.h>
#include <sys/socket.h>
#include <unistd.h>

#include <nlohmann/json.hpp>
#include <cstdio>
#include <thread>

#include "pcnd.h"
#include "frames.h"
#include "polycube/types.h"
#include "testnet.h"
#include "rawsend.h"
#include "udpflow.h"

using namespace pcntest;
using json = nlohmann::json;
using polycube::Mode;

namespace {

class DdosE2E : public ::testing::TestWithParam<Mode> {
 protected:
  void SetUp() override {
    net.add_ns("a");
    net.add_ns("b");
    for (const char *ns : {"a", "b"}) net.in(ns, "sysctl -qw net.ipv6.conf.all.disable_ipv6=1");
    va = net.add_host("a", "va", "10.77.0.1/24", "02:00:00:00:77:01");
    vb = net.add_host("b", "vb", "10.77.0.2/24", "02:00:00:00:77:02");
    sh("sysctl -qw net.ipv6.conf." + va + ".disable_ipv6=1 net.ipv6.conf." + vb + ".disable_ipv6=1");
    // Static neighbours: the only IPv4 packets from a are the test's own.
    net.in("a", "ip neigh replace 10.77.0.2 lladdr 02:00:00:00:77:02 dev eth0");
    net.in("b", "ip neigh replace 10.77.0.1 lladdr 02:00:00:00:77:01 dev eth0");
    ASSERT_TRUE(pcnd.start()) << "polycubed did not start";
  }
  void TearDown() override { EXPECT_TRUE(pcnd.stop()) << "polycubed did not exit cleanly"; }
  std::string type() const { return polycube::to_string(GetParam()); }
  RestReply rest(const std::string &method, const std::string &path, const std::string &body = "") {
    return pcnd.rest(method, path, body);
  }
  PcnRun pcn(const std::string &args) { return pcnd.pcn(args); }
  void pcn_ok(const std::string &args) {
    PcnRun r = pcn(args);
    ASSERT_EQ(r.rc, 0) << "pcn " << args << ": " << r.err;
  }
  // Echo requests from a to `dst` that got an answer.
  int ping_replies(const std::string &dst, int count) {
    std::string out = net.in_out("a", "ping -c " + std::to_string(count) + " -i 0.2 -W 1 -q " + dst);
    auto pos = out.find(" received");
    if (pos == std::string::npos) return -1;
    auto start = out.rfind(", ", pos);
    return std::atoi(out.c_str() + start + 2);
  }
  // A config-false counter of the cube as a number (RFC 7951: uint64 as string).
  uint64_t counter(const std::string &path, const std::string &leaf) {
    auto r = rest("GET", "/ddosmitigator:ddosmitigator=dd1" + path);
    if (r.status != 200) {
      ADD_FAILURE() << path << ": " << r.status << " " << r.body;
      return ~0ull;
    }
    json j = json::parse(r.body);
    json node = j.begin().value();
    if (node.is_array()) node = node.at(0);
    return std::stoull(node.at(leaf).get<std::string>());
  }
  // The micro-blocks of dd1 in polycube:cubes, as "slot:name" by slot.
  std::vector<std::string> blocks() {
    auto r = rest("GET", "/polycube:cubes");
    if (r.status != 200) ADD_FAILURE() << "polycube:cubes: " << r.status << " " << r.body;
    std::map<int, std::string> by_slot;
    json all = json::parse(r.body);
    for (const auto &c : all["polycube:cubes"]["cube"])
      if (c["name"] == "dd1")
        for (const auto &b : c["blocks"]) by_slot[b["slot"].get<int>()] = b["name"].get<std::string>();
    std::vector<std::string> out;
    for (const auto &[slot, name] : by_slot) out.push_back(std::to_string(slot) + ":" + name);
    return out;
  }
  // h_a -- p1 [dd1] sb1 p2 -- h_b
  void bridge_with_mitigator() {
    pcn_ok("simplebridge add sb1 type=" + type());
    pcn_ok("sb1 ports add p1 peer=" + va);
    pcn_ok("sb1 ports add p2 peer=" + vb);
    pcn_ok("ddosmitigator add dd1 type=" + type());
    pcn_ok("attach dd1 sb1:p1");
  }

  TestNet net;
  std::string va, vb;
  Pcnd pcnd{net.prefix() + "dd"};
};

using DdosOnNetdev = DdosE2E;

// The cube on the host side of a's veth; a pings the host's address on it.
TEST_P(DdosOnNetdev, BlacklistStopsPingAndCountsExactly) {
  sh("ip addr add 10.77.0.254/24 dev " + va);
  std::string va_mac = sh_out("cat /sys/class/net/" + va + "/address");
  net.in("a", "ip neigh replace 10.77.0.254 lladdr " + va_mac + " dev eth0");
  sh("ip neigh replace 10.77.0.1 lladdr 02:00:00:00:77:01 dev " + va);
  pcn_ok("ddosmitigator add dd1 type=" + type());
  PcnRun attach = pcn("attach dd1 " + va);
  if (GetParam() == Mode::kXdpDrv && attach.rc != 0) GTEST_SKIP() << "no native XDP here: " << attach.err;
  ASSERT_EQ(attach.rc, 0) << attach.err;
  ASSERT_EQ(ping_replies("10.77.0.254", 3), 3);

  pcn_ok("dd1 blacklist-src add 10.77.0.1");
  EXPECT_EQ(ping_replies("10.77.0.254", 5), 0);
  EXPECT_EQ(counter("/blacklist-src=10.77.0.1", "drop-pkts"), 5u);
  EXPECT_EQ(counter("/blacklist-src=10.77.0.1", "drop-bytes"), 5u * 98);  // 14 + 20 + 8 + 56
  EXPECT_EQ(counter("/stats", "drop-pkts"), 5u);
  PcnRun stats = pcn("dd1 stats show");
  EXPECT_EQ(stats.rc, 0) << stats.err;
  EXPECT_NE(stats.out.find("drop-pkts: 5\n"), std::string::npos) << stats.out;
  EXPECT_NE(stats.out.find("src-entries: 1\n"), std::string::npos) << stats.out;
  PcnRun list = pcn("dd1 blacklist-src show");
  EXPECT_NE(list.out.find("10.77.0.1"), std::string::npos) << list.out;
  pcn_ok("dd1 reset-counters");  // YANG action
  EXPECT_EQ(counter("/blacklist-src=10.77.0.1", "drop-pkts"), 0u);
  EXPECT_EQ(counter("/stats", "drop-pkts"), 0u);
  EXPECT_EQ(ping_replies("10.77.0.254", 5), 0);
  EXPECT_EQ(counter("/blacklist-src=10.77.0.1", "drop-pkts"), 5u);

  pcn_ok("dd1 blacklist-src del 10.77.0.1");
  EXPECT_EQ(ping_replies("10.77.0.254", 3), 3);
  EXPECT_EQ(rest("GET", "/ddosmitigator:ddosmitigator=dd1/blacklist-src=10.77.0.1").status, 404);
  EXPECT_EQ(counter("/stats", "drop-pkts"), 5u);

  // A destination prefix covering the host's address.
  pcn_ok("dd1 blacklist-dst add 10.77.0.128/25");
  EXPECT_EQ(ping_replies("10.77.0.254", 3), 0);
  EXPECT_EQ(counter("/blacklist-dst=10.77.0.128%2F25", "drop-pkts"), 3u);
  EXPECT_EQ(counter("/stats", "drop-pkts"), 8u);
  pcn_ok("dd1 blacklist-dst del 10.77.0.128/25");
  EXPECT_EQ(ping_replies("10.77.0.254", 3), 3);
  pcn_ok("detach dd1 " + va);
  pcn_ok("ddosmitigator del dd1");
}

INSTANTIATE_TEST_SUITE_P(Modes, DdosOnNetdev, ::testing::Values(Mode::kTc, Mode::kXdpSkb, Mode::kXdpDrv),
                         [](const auto &info) { return std::string(polycube::to_string(info.param)); });

using DdosOnBridge = DdosE2E;

TEST_P(DdosOnBridge, BlocksInPolycubeCubesFollowTheLists) {
  bridge_with_mitigator();
  using V = std::vector<std::string>;
  const std::string cube = "/ddosmitigator:ddosmitigator=dd1";
  auto edit = [&](const std::string &method, const std::string &path, const std::string &body = "") {
    auto r = rest(method, cube + path, body);
    EXPECT_TRUE(r.status == 201 || r.status == 204) << method << " " << path << ": " << r.status << " " << r.body;
  };
  EXPECT_EQ(blocks(), (V{"0:dd_ingress", "1:dd_egress"}));
  EXPECT_EQ(ping_replies("10.77.0.2", 2), 2);
  edit("POST", "", R"({"ddosmitigator:blacklist-src":[{"ip":"10.200.0.0/16"}]})");
  EXPECT_EQ(blocks(), (V{"0:dd_src", "1:dd_egress"}));
  EXPECT_EQ(ping_replies("10.77.0.2", 2), 2);
  edit("POST", "", R"({"ddosmitigator:blacklist-dst":[{"ip":"10.201.0.1"}]})");
  EXPECT_EQ(blocks(), (V{"0:dd_src", "1:dd_egress", "2:dd_dst"}));
  EXPECT_EQ(ping_replies("10.77.0.2", 2), 2);
  edit("DELETE", "/blacklist-src=10.200.0.0%2F16");
  EXPECT_EQ(blocks(), (V{"0:dd_dst", "1:dd_egress"}));
  EXPECT_EQ(ping_replies("10.77.0.2", 2), 2);
  edit("DELETE", "/blacklist-dst=10.201.0.1");
  EXPECT_EQ(blocks(), (V{"0:dd_ingress", "1:dd_egress"}));
  // Both lists filled in one request, then emptied in one.
  edit("PATCH", "", R"({"ddosmitigator:ddosmitigator":[{"name":"dd1","blacklist-src":[{"ip":"10.77.0.1"}],
                          "blacklist-dst":[{"ip":"10.9.0.0/16"}]}]})");
  EXPECT_EQ(blocks(), (V{"0:dd_src", "1:dd_egress", "2:dd_dst"}));
  EXPECT_EQ(ping_replies("10.77.0.2", 3), 0);
  EXPECT_EQ(counter("/blacklist-src=10.77.0.1", "drop-pkts"), 3u);
  edit("PUT", "", R"({"ddosmitigator:ddosmitigator":[{"name":"dd1","attached-to":"sb1:p1","type":")" + type() + R"("}]})");
  EXPECT_EQ(blocks(), (V{"0:dd_ingress", "1:dd_egress"}));
  EXPECT_EQ(ping_replies("10.77.0.2", 2), 2);
}

TEST_P(DdosOnBridge, NoLossWhileEntriesComeAndGo) {
  bridge_with_mitigator();
  ASSERT_EQ(ping_replies("10.77.0.2", 1), 1);
  const std::string cube = "/ddosmitigator:ddosmitigator=dd1";
  // 4000 datagrams/s from a (never blacklisted by the edits) to b.
  UdpFlow flow(net.ns("a"), net.ns("b"), "10.77.0.2", 7077, 1000000, 250);
  flow.start();
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  // 100 rounds of none -> src -> src+dst -> dst -> none: 200 additions and
  // 200 removals, each reshaping the pipeline.
  int failures = 0;
  for (int i = 0; i < 100; i++) {
    std::string src = "10.100." + std::to_string(i) + ".0/24", dst = "10.101.0." + std::to_string(i);
    std::string src_key = "10.100." + std::to_string(i) + ".0%2F24";
    for (auto [method, path, body] : std::vector<std::tuple<std::string, std::string, std::string>>{
             {"POST", "", R"({"ddosmitigator:blacklist-src":[{"ip":")" + src + R"("}]})"},
             {"POST", "", R"({"ddosmitigator:blacklist-dst":[{"ip":")" + dst + R"("}]})"},
             {"DELETE", "/blacklist-src=" + src_key, ""},
             {"DELETE", "/blacklist-dst=" + dst, ""}}) {
      auto r = rest(method, cube + path, body);
      if (r.status != 201 && r.status != 204 && failures++ < 3) ADD_FAILURE() << method << " " << path << ": " << r.body;
    }
  }
  EXPECT_EQ(failures, 0);
  // Then the flow's own source for a while: what it drops is counted.
  ASSERT_EQ(rest("POST", cube, R"({"ddosmitigator:blacklist-src":[{"ip":"10.77.0.1"}]})").status, 201);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  ASSERT_EQ(rest("DELETE", cube + "/blacklist-src=10.77.0.1").status, 204);
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  flow.stop_sending();
  flow.finish();
  uint64_t dropped = counter("/stats", "drop-pkts");
  std::printf("[   flow   ] sent %llu, received %llu, dropped by the cube %llu, over 400 reshaping edits\n",
              (unsigned long long)flow.sent(), (unsigned long long)flow.received(), (unsigned long long)dropped);
  EXPECT_GT(flow.sent(), 1000u);
  EXPECT_GT(dropped, 100u);  // ~1200 in 300 ms
  EXPECT_EQ(flow.received() + dropped, flow.sent()) << "sent " << flow.sent() << " received " << flow.received()
                                                    << " dropped " << dropped;
  EXPECT_EQ(blocks(), (std::vector<std::string>{"0:dd_ingress", "1:dd_egress"}));
}

TEST_P(DdosOnBridge, BadInputIsRefusedAndChangesNothing) {
  bridge_with_mitigator();
  const std::string cube = "/ddosmitigator:ddosmitigator=dd1";
  ASSERT_EQ(rest("POST", cube, R"({"ddosmitigator:blacklist-src":[{"ip":"10.200.0.0/16"}]})").status, 201);
  ASSERT_EQ(rest("POST", cube, R"({"ddosmitigator:blacklist-dst":[{"ip":"192.168.7.7"}]})").status, 201);
  // The longest spelling there is (49 characters) is a valid key.
  const std::string longest = "ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255/128";
  auto ok = rest("POST", cube, R"({"ddosmitigator:blacklist-dst":[{"ip":")" + longest + R"("}]})");
  EXPECT_EQ(ok.status, 201) << ok.body;
  EXPECT_EQ(rest("DELETE", cube + "/blacklist-dst=ffff%3Affff%3Affff%3Affff%3Affff%3Affff%3A255.255.255.255%2F128").status, 204);
  std::string before = rest("GET", "?content=config").body;
  std::vector<std::string> blocks_before = blocks();
  std::string ids_before = rest("GET", "/polycube:cubes").body;

  for (std::string bad : {"10.0.0.0/33", "300.1.1.1", "text", "10.1.0.0/8", "10.0.0.1/", "1.2.3", "",
                                 "2001:db8::/129", "2001:db8::1/64", "10.0.0.1/-1"}) {
    for (const char *list : {"blacklist-src", "blacklist-dst"}) {
      auto r = rest("POST", cube, std::string(R"({"ddosmitigator:)") + list + R"(":[{"ip":")" + bad + R"("}]})");
      EXPECT_EQ(r.status, 400) << list << " " << bad << ": " << r.body;
      EXPECT_NE(r.body.find("\"error-tag\":\"invalid-value\""), std::string::npos) << r.body;
    }
  }
  // One bad entry among good ones: the whole request is refused.
  auto r = rest("PUT", cube, R"({"ddosmitigator:ddosmitigator":[{"name":"dd1","attached-to":"sb1:p1",
      "type":")" + type() + R"(","blacklist-src":[{"ip":"10.200.0.0/16"},{"ip":"11.0.0.0/8"},{"ip":"12.0.0.0/40"}]}]})");
  EXPECT_EQ(r.status, 400) << r.body;
  // The same entry again, or another spelling of an existing one.
  EXPECT_EQ(rest("POST", cube, R"({"ddosmitigator:blacklist-dst":[{"ip":"192.168.7.7"}]})").status, 409);
  r = rest("POST", cube, R"({"ddosmitigator:blacklist-dst":[{"ip":"192.168.7.7/32"}]})");
  EXPECT_EQ(r.status, 409) << r.body;
  EXPECT_NE(r.body.find("same entry"), std::string::npos) << r.body;
  // Unknown cube, unknown entry.
  EXPECT_EQ(rest("POST", "/ddosmitigator:ddosmitigator=ghost", R"({"ddosmitigator:blacklist-src":[{"ip":"1.1.1.1"}]})").status, 404);
  EXPECT_EQ(rest("DELETE", cube + "/blacklist-src=11.0.0.0%2F8").status, 404);
  EXPECT_EQ(rest("GET", "/ddosmitigator:ddosmitigator=ghost/stats").status, 404);
  for (std::string cmd : {"dd1 blacklist-src add 10.0.0.0/33", "dd1 blacklist-src add 300.1.1.1",
                                 "dd1 blacklist-dst add text", "ghost blacklist-src add 10.0.0.1",
                                 "dd1 blacklist-src del 10.9.9.9"}) {
    PcnRun p = pcn(cmd);
    EXPECT_NE(p.rc, 0) << cmd;
    EXPECT_FALSE(p.err.empty()) << cmd;
  }

  EXPECT_EQ(rest("GET", "?content=config").body, before);
  EXPECT_EQ(blocks(), blocks_before);
  EXPECT_EQ(rest("GET", "/polycube:cubes").body, ids_before);  // not even reloaded
  EXPECT_EQ(ping_replies("10.77.0.2", 2), 2);  // and still forwarding
}

TEST_P(DdosOnBridge, Ipv6SourceAndDaemonRestart) {
  for (const char *ns : {"a", "b"}) net.in(ns, "sysctl -qw net.ipv6.conf.all.disable_ipv6=0 net.ipv6.conf.eth0.disable_ipv6=0");
  net.in("a", "ip -6 addr add fd77::1/64 dev eth0 nodad && ip -6 neigh replace fd77::2 lladdr 02:00:00:00:77:02 dev eth0");
  net.in("b", "ip -6 addr add fd77::2/64 dev eth0 nodad && ip -6 neigh replace fd77::1 lladdr 02:00:00:00:77:01 dev eth0");
  bridge_with_mitigator();
  auto ping6 = [&](int count) {
    std::string out = net.in_out("a", "ping -6 -c " + std::to_string(count) + " -i 0.2 -W 1 -q fd77::2");
    auto pos = out.find(" received");
    return pos == std::string::npos ? -1 : std::atoi(out.c_str() + out.rfind(", ", pos) + 2);
  };
  ASSERT_EQ(ping6(2), 2);
  pcn_ok("dd1 blacklist-src add fd77::1");
  pcn_ok("dd1 blacklist-dst add fd78::/16");  // covers nothing here: both matchers run
  EXPECT_EQ(ping6(4), 0);
  EXPECT_EQ(counter("/blacklist-src=fd77%3A%3A1", "drop-pkts"), 4u);
  EXPECT_EQ(counter("/blacklist-src=fd77%3A%3A1", "drop-bytes"), 4u * 118);  // 14 + 40 + 8 + 56
  EXPECT_EQ(counter("/blacklist-dst=fd78%3A%3A%2F16", "drop-pkts"), 0u);
  EXPECT_EQ(ping_replies("10.77.0.2", 2), 2);  // IPv4 from the same host is not covered

  // The configuration comes back with the daemon: entries, blocks, effect.
  ASSERT_TRUE(pcnd.stop());
  ASSERT_TRUE(pcnd.start());
  EXPECT_EQ(blocks(), (std::vector<std::string>{"0:dd_src", "1:dd_egress", "2:dd_dst"}));
  uint64_t before = counter("/stats", "drop-pkts");
  EXPECT_EQ(ping6(2), 0);
  EXPECT_EQ(counter("/stats", "drop-pkts"), before + 2);
  pcn_ok("dd1 blacklist-src del fd77::1");
  EXPECT_EQ(ping6(2), 2);
  EXPECT_EQ(blocks(), (std::vector<std::string>{"0:dd_dst", "1:dd_egress"}));
}

// An AF_PACKET frame over a page long leaves the socket with only its
// Ethernet header in the skb's linear part: the IP header is in a page
// fragment. It must be matched like any other.
TEST_P(DdosOnBridge, JumboFramesWithHeadersOutsideTheLinearPart) {
  sh("ip link set dev " + va + " mtu 9000");
  net.in("a", "ip link set dev eth0 mtu 9000");
  pcn_ok("ddosmitigator add dd1 type=" + type());
  pcn_ok("attach dd1 " + va);
  pcn_ok("dd1 blacklist-src add 10.66.0.0/16");
  pcn_ok("dd1 blacklist-dst add 2001:db8::/32");
  std::string va_mac = sh_out("cat /sys/class/net/" + va + "/address");
  std::string bad = udp_frame(mac(va_mac), mac("02:00:00:00:77:01"), ip("10.66.1.1"), ip("10.77.0.254"), 9, 9, 6000);
  std::string good = udp_frame(mac(va_mac), mac("02:00:00:00:77:01"), ip("10.77.0.1"), ip("10.77.0.254"), 9, 9, 6000);
  ASSERT_EQ(send_frames(net.ns("a"), bad, 10), 10);
  ASSERT_EQ(send_frames(net.ns("a"), good, 7), 7);
  EXPECT_EQ(counter("/blacklist-src=10.66.0.0%2F16", "drop-pkts"), 10u);
  EXPECT_EQ(counter("/blacklist-src=10.66.0.0%2F16", "drop-bytes"), 60000u);
  EXPECT_EQ(counter("/stats", "drop-pkts"), 10u);
  // And small frames of both families still go the direct way.
  ASSERT_EQ(send_frames(net.ns("a"), bad.substr(0, 60), 3), 3);
  EXPECT_EQ(counter("/blacklist-src=10.66.0.0%2F16", "drop-pkts"), 13u);
}

INSTANTIATE_TEST_SUITE_P(Modes, DdosOnBridge, ::testing::Values(Mode::kTc, Mode::kXdpSkb),
                         [](const auto &info) { return std::string(polycube::to_string(info.param)); });

}  // namespace
