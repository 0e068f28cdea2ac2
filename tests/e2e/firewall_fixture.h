// The firewall's end-to-end fixture: polycubed as its own process, hosts a
// (10.31.0.1) and b (10.31.0.2) in namespaces, and helpers to drive pcn and
// RESTCONF. Shared by firewall_e2e_test.cpp and firewall_edits_e2e_test.cpp.
#pragma once

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <set>
#include <string>

#include "pcnd.h"
#include "testnet.h"

namespace pcntest {

using nlohmann::json;

class FirewallE2E : public ::testing::Test {
 protected:
  void SetUp() override {
    net.add_ns("a");
    net.add_ns("b");
    for (const char *n : {"a", "b"}) net.in(n, "sysctl -qw net.ipv6.conf.all.disable_ipv6=1");
    va = net.add_host("a", "va", "10.31.0.1/24");
    vb = net.add_host("b", "vb", "10.31.0.2/24");
    ASSERT_TRUE(pcnd.start());
  }
  void TearDown() override { EXPECT_TRUE(pcnd.stop()); }
  PcnRun pcn(const std::string &args) { return pcnd.pcn(args); }
  void ok(const std::string &args) {
    PcnRun r = pcn(args);
    ASSERT_EQ(r.rc, 0) << "pcn " << args << ": " << r.err;
  }
  RestReply rest(const std::string &method, const std::string &path, const std::string &body = "") {
    return pcnd.rest(method, path, body);
  }
  // Bridge a -- sb1 -- b with fw1 on sb1:p1 (host a's port).
  void topology() {
    ok("simplebridge add sb1");
    ok("sb1 ports add p1 peer=" + va);
    ok("sb1 ports add p2 peer=" + vb);
    ok("firewall add fw1");
    ok("attach fw1 sb1:p1");
  }
  bool ping(const char *from, const char *to, int count = 3) {
    return net.in(from, "ping -c " + std::to_string(count) + " -i 0.2 -W 1 -q " + to + " >/dev/null") == 0;
  }
  json rules(const std::string &chain) {
    auto r = rest("GET", "/firewall:firewall=fw1/chain=" + chain);
    EXPECT_EQ(r.status, 200) << r.body;
    json j = json::parse(r.body)["firewall:chain"][0];
    return j.contains("rule") ? j["rule"] : json::array();
  }
  std::set<std::string> blocks() {
    std::string body = rest("GET", "/polycube:cubes").body;
    std::set<std::string> out;
    json doc = json::parse(body);
    for (const auto &c : doc["polycube:cubes"]["cube"])
      if (c["name"] == "fw1" && c.contains("blocks"))
        for (const auto &b : c["blocks"]) out.insert(b["name"].get<std::string>());
    if (out.empty()) ADD_FAILURE() << "no blocks for fw1 in " << body;
    return out;
  }
  std::string config() { return rest("GET", "/firewall:firewall=fw1?content=config").body; }

  TestNet net;
  std::string va, vb;
  Pcnd pcnd{net.prefix() + "fw"};
};

}  // namespace pcntest
