// End-to-end: @name@ driven through polycubed (pcn and RESTCONF) between two
// namespaces, with real traffic: ping crosses the cube and its counter
// counts exactly the echo requests and replies; forward=false stops the
// ping; bad input gets a clear error and changes nothing.
#include <gtest/gtest.h>

#include <cstdlib>
#include <nlohmann/json.hpp>

#include "pcnd.h"
#include "polycube/types.h"
#include "testnet.h"

using namespace pcntest;
using json = nlohmann::json;
using polycube::Mode;

namespace {

class @Name@E2E : public ::testing::TestWithParam<Mode> {
 protected:
  void SetUp() override {
    net.add_ns("a");
    net.add_ns("b");
    for (const char *ns : {"a", "b"}) net.in(ns, "sysctl -qw net.ipv6.conf.all.disable_ipv6=1");
    va = net.add_host("a", "va", "10.78.0.1/24", "02:00:00:00:78:01");
    vb = net.add_host("b", "vb", "10.78.0.2/24", "02:00:00:00:78:02");
    sh("sysctl -qw net.ipv6.conf." + va + ".disable_ipv6=1 net.ipv6.conf." + vb + ".disable_ipv6=1");
    // Static neighbours: the only packets are the test's own pings.
    net.in("a", "ip neigh replace 10.78.0.2 lladdr 02:00:00:00:78:02 dev eth0");
    net.in("b", "ip neigh replace 10.78.0.1 lladdr 02:00:00:00:78:01 dev eth0");
    ASSERT_TRUE(pcnd.start()) << "polycubed did not start";
    pcn_ok("@name@ add c1 type=" + std::string(polycube::to_string(GetParam())));
    pcn_ok("c1 ports add p0 peer=" + va);
    pcn_ok("c1 ports add p1 peer=" + vb);
  }
  void TearDown() override { EXPECT_TRUE(pcnd.stop()) << "polycubed did not exit cleanly"; }
  void pcn_ok(const std::string &args) {
    PcnRun r = pcnd.pcn(args);
    ASSERT_EQ(r.rc, 0) << "pcn " << args << ": " << r.err;
  }
  // Echo requests from a to b that got an answer.
  int ping_replies(int count) {
    std::string out = net.in_out("a", "ping -c " + std::to_string(count) + " -i 0.2 -W 1 -q 10.78.0.2");
    auto pos = out.find(" received");
    if (pos == std::string::npos) return -1;
    return std::atoi(out.c_str() + out.rfind(", ", pos) + 2);
  }
  // The cube as RESTCONF shows it (configuration and state).
  json cube() {
    RestReply r = pcnd.rest("GET", "/@name@:@name@=c1");
    EXPECT_EQ(r.status, 200) << r.body;
    json j = json::parse(r.body, nullptr, false);
    if (j.is_discarded() || !j.is_object() || j.empty()) return json::object();
    json node = j.begin().value();
    return node.is_array() ? node.at(0) : node;
  }
  uint64_t forwarded() { return std::stoull(cube().value("forwarded", "0")); }

  TestNet net;
  std::string va, vb;
  Pcnd pcnd{net.prefix() + "sv"};
};

TEST_P(@Name@E2E, PingCrossesTheCubeAndIsCountedExactly) {
  ASSERT_EQ(ping_replies(3), 3);
  EXPECT_EQ(forwarded(), 6u);  // 3 requests, 3 replies
  EXPECT_TRUE(cube().value("forward", true));  // absent: the default, true
}

TEST_P(@Name@E2E, ForwardFalseStopsTrafficAndTrueRestoresIt) {
  pcn_ok("c1 set forward=false");
  EXPECT_EQ(ping_replies(2), 0);
  EXPECT_EQ(forwarded(), 0u);
  RestReply r = pcnd.rest("PATCH", "/@name@:@name@=c1", R"({"@name@:@name@":[{"name":"c1","forward":true}]})");
  ASSERT_LT(r.status, 300) << r.body;
  EXPECT_EQ(ping_replies(2), 2);
}

TEST_P(@Name@E2E, BadInputIsRefusedAndChangesNothing) {
  PcnRun bad = pcnd.pcn("c1 set forward=maybe");
  EXPECT_NE(bad.rc, 0);
  EXPECT_NE(bad.err.find("forward"), std::string::npos) << bad.err;
  RestReply r = pcnd.rest("PATCH", "/@name@:@name@=c1", R"({"@name@:@name@":[{"name":"c1","forward":"maybe"}]})");
  EXPECT_EQ(r.status, 400) << r.body;
  PcnRun third = pcnd.pcn("c1 ports add p2");  // YANG max-elements 2
  EXPECT_NE(third.rc, 0);
  json c = cube();
  EXPECT_TRUE(c.value("forward", true));  // absent: the default, true
  EXPECT_EQ(c.value("ports", json::array()).size(), 2u);
  EXPECT_EQ(ping_replies(1), 1);
}

INSTANTIATE_TEST_SUITE_P(Modes, @Name@E2E, ::testing::Values(Mode::kTc, Mode::kXdpSkb),
                         [](const auto &info) { return std::string(polycube::to_string(info.param)); });

}  // namespace
