// End-to-end: the services' own data-plane figures at GET /metrics (the
// bridge's FDB size and drops, the firewall's rules, sessions and default
// action, the DDoS mitigator's blacklists and drops, router and NAT
// counters), checked against traffic that went through, and the whole page
// accepted by `promtool check metrics`.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <string>

#include "pcnd.h"
#include "testnet.h"

using namespace pcntest;

namespace {

class ServiceMetrics : public ::testing::Test {
 protected:
  void SetUp() override {
    net.add_ns("a");
    net.add_ns("b");
    for (const char *n : {"a", "b"}) net.in(n, "sysctl -qw net.ipv6.conf.all.disable_ipv6=1");
    va = net.add_host("a", "va", "10.68.0.1/24");
    vb = net.add_host("b", "vb", "10.68.0.2/24");
    ASSERT_TRUE(pcnd.start());
  }
  void TearDown() override { EXPECT_TRUE(pcnd.stop()); }
  void ok(const std::string &args) {
    PcnRun r = pcnd.pcn(args);
    ASSERT_EQ(r.rc, 0) << "pcn " << args << ": " << r.err;
  }
  bool ping(int count = 3) {
    return net.in("a", "ping -c " + std::to_string(count) + " -i 0.2 -W 1 -q 10.68.0.2 >/dev/null") == 0;
  }
  std::string metrics() {
    RestReply r = pcnd.raw("GET", "/metrics");
    EXPECT_EQ(r.status, 200);
    return r.body;
  }
  // The value of the sample that starts with `series` ("name{labels}"), or -1.
  static long long value(const std::string &text, const std::string &series) {
    auto pos = text.find("\n" + series + " ");
    if (pos == std::string::npos) return -1;
    return std::atoll(text.c_str() + pos + series.size() + 2);
  }
  bool promtool_accepts(const std::string &text) {
    const std::string file = "/tmp/" + net.prefix() + "metrics.txt";
    std::ofstream(file) << text;
    bool accepted = sh("promtool check metrics < " + file + " >/dev/null 2>&1") == 0;
    if (!accepted) ADD_FAILURE() << sh_out("promtool check metrics < " + file + " 2>&1");
    sh("rm -f " + file);
    return accepted;
  }

  TestNet net;
  std::string va, vb;
  Pcnd pcnd{net.prefix() + "sm"};
};

TEST_F(ServiceMetrics, FiguresFollowTrafficAndPassPromtool) {
  ok("bridge add br1");
  ok("br1 ports add p1 peer=" + va);
  ok("br1 ports add p2 peer=" + vb);
  ok("firewall add fw1");
  ok("attach fw1 br1:p1");
  ok("fw1 chain INGRESS append src=172.16.0.1/32 action=DROP");
  ok("fw1 chain INGRESS append src=172.16.0.2/32 action=DROP");
  ok("fw1 chain EGRESS append src=172.16.0.3/32 action=DROP");
  ok("ddosmitigator add dd1");
  ok("dd1 blacklist-src add 10.99.0.1");
  ok("dd1 blacklist-src add 10.99.1.0/24");
  ok("dd1 blacklist-dst add 10.99.2.1");
  ok("router add r1");
  ok("nat add nat1");

  // Before any traffic: the sizes are there, the counters at 0.
  std::string t = metrics();
  EXPECT_EQ(value(t, R"(polycube_firewall_rules{cube="fw1",service="firewall",chain="INGRESS"})"), 2) << t;
  EXPECT_EQ(value(t, R"(polycube_firewall_rules{cube="fw1",service="firewall",chain="EGRESS"})"), 1) << t;
  EXPECT_EQ(value(t, R"(polycube_ddosmitigator_blacklist_entries{cube="dd1",service="ddosmitigator",list="source"})"),
            2) << t;
  EXPECT_EQ(
      value(t, R"(polycube_ddosmitigator_blacklist_entries{cube="dd1",service="ddosmitigator",list="destination"})"),
      1) << t;
  EXPECT_EQ(value(t, R"(polycube_bridge_fdb_entries{cube="br1",service="bridge"})"), 0) << t;
  EXPECT_EQ(value(t, R"(polycube_router_drops_total{cube="r1",service="router",reason="arp_unresolved"})"), 0) << t;
  EXPECT_EQ(value(t, R"(polycube_nat_drops_total{cube="nat1",service="nat",reason="table_full"})"), 0) << t;
  EXPECT_TRUE(promtool_accepts(t));

  // Traffic: the bridge learns both hosts; the firewall's default ACCEPT
  // sees the packets no rule matched.
  ASSERT_TRUE(ping());
  t = metrics();
  EXPECT_EQ(value(t, R"(polycube_bridge_fdb_entries{cube="br1",service="bridge"})"), 2) << t;
  const std::string ingress_default =
      R"(polycube_firewall_default_action_packets_total{cube="fw1",service="firewall",chain="INGRESS"})";
  const long long accepted = value(t, ingress_default);
  EXPECT_GE(accepted, 3) << t;

  // Default DROP: the pings are dropped by policy, and counted as such.
  ok("fw1 chain INGRESS set default=DROP");
  EXPECT_FALSE(ping(2));
  t = metrics();
  EXPECT_GE(value(t, ingress_default), accepted + 2) << t;
  EXPECT_EQ(value(t, R"(polycube_bridge_drops_total{cube="br1",service="bridge",reason="vlan"})"), 0) << t;
  EXPECT_EQ(value(t, R"(polycube_firewall_sessions{cube="fw1",service="firewall"})"), 0) << t;
  EXPECT_TRUE(promtool_accepts(t));

  // 10,000 more rules: the count comes from what the control plane keeps,
  // not from walking them.
  std::string batch = R"({"firewall:input":{"rules":[)";
  for (int i = 0; i < 10000; i++)
    batch += std::string(i ? "," : "") + R"({"id":)" + std::to_string(i) + R"(,"src":"172.17.)" +
             std::to_string(i / 256) + "." + std::to_string(i % 256) + R"(/32","action":"DROP"})";
  batch += "]}}";
  RestReply r = pcnd.rest("POST", "/firewall:firewall=fw1/chain=INGRESS/batch", batch);
  ASSERT_EQ(r.status, 200) << r.body;
  t = metrics();
  EXPECT_EQ(value(t, R"(polycube_firewall_rules{cube="fw1",service="firewall",chain="INGRESS"})"), 10002) << t;
  EXPECT_TRUE(promtool_accepts(t));

  // A cube that goes takes its series with it.
  ok("detach fw1 br1:p1");
  ok("firewall del fw1");
  t = metrics();
  EXPECT_EQ(t.find("cube=\"fw1\""), std::string::npos) << t;
  EXPECT_TRUE(promtool_accepts(t));
}

}  // namespace
