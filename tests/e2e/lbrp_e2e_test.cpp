// lbrp end to end: polycubed and pcn, real namespaces, real TCP. Topology:
//
//   cl 10.0.0.1 --- fe [lbrp lb1] be --- 10.0.0.254 gw (Linux router) 10.0.1.1 --- b1 10.0.1.2
//                                                                      10.0.2.1 --- b2 10.0.2.2
//                                                                      10.0.3.1 --- b3 10.0.3.2
//
// The client reaches the virtual IP 10.96.0.10 through gw; lbrp, a wire
// that balances between the two, sends each new connection to a backend
// and translates the replies. Every backend runs a TCP server that answers
// each message with its own name, so what arrived where is read from the
// answers and from each server's own count.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>

#include "name_server.h"
#include "pcnd.h"
#include "testnet.h"

using namespace pcntest;
using nlohmann::json;

namespace {

class LbrpE2E : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(pcnd.start()) << "polycubed did not start";
    net.add_ns("cl");
    std::string vcl = net.add_host("cl", "vcl", "10.0.0.1/24");
    net.in("cl", "ip route add 10.96.0.0/12 via 10.0.0.254");
    net.add_ns("gw");
    std::string vgw = net.add_host("gw", "vgw", "10.0.0.254/24");
    net.in("gw", "sysctl -qw net.ipv4.ip_forward=1");
    for (int i = 1; i <= 3; i++) {
      std::string b = "b" + std::to_string(i), dev = "eth" + std::to_string(i), sub = "10.0." + std::to_string(i);
      net.add_ns(b);
      net.in("gw", "ip link add " + dev + " type veth peer name eth0 netns " + net.ns(b));
      net.in("gw", "ip addr add " + sub + ".1/24 dev " + dev);
      net.in("gw", "ip link set " + dev + " up");
      net.in("gw", "ethtool -K " + dev + " tx off >/dev/null 2>&1");
      net.in(b, "ip addr add " + sub + ".2/24 dev eth0");
      net.in(b, "ip link set eth0 up");
      net.in(b, "ethtool -K eth0 tx off >/dev/null 2>&1");
      net.in(b, "ip route add default via " + sub + ".1");
      servers.push_back(std::make_unique<NameServer>(net.ns(b), 8080, b));
    }
    must("lbrp add lb1");
    must("lb1 ports add fe type=FRONTEND peer=" + vcl);
    must("lb1 ports add be type=BACKEND peer=" + vgw);
    must("lb1 service add 10.96.0.10 80 TCP name=web");
  }
  void TearDown() override {
    servers.clear();
    EXPECT_TRUE(pcnd.stop()) << "polycubed did not exit cleanly";
  }
  void must(const std::string &args) {
    PcnRun r = pcnd.pcn(args);
    ASSERT_EQ(r.rc, 0) << "pcn " << args << ": " << r.err;
  }
  std::string backend(int i) { return "10.0." + std::to_string(i) + ".2"; }
  void add_backend(int i, int weight = 1) {
    must("lb1 service 10.96.0.10 80 TCP backend add " + backend(i) + " port=8080 weight=" + std::to_string(weight) +
         " name=b" + std::to_string(i));
  }
  // One short connection from source port `sport`: the backend's name.
  std::string once(uint16_t sport) {
    int fd = connect_from(net.ns("cl"), "10.96.0.10", 80, sport);
    std::string who = ask(fd);
    if (fd >= 0) close(fd);
    return who;
  }

  TestNet net;
  Pcnd pcnd{net.prefix() + "lb"};
  std::vector<std::unique_ptr<NameServer>> servers;
};

// 1,500 connections over backends of weights 1, 2, 3: each backend's
// share of what arrived is within 5 % of its weight's share; the session
// table lists the connections with the backend each got.
TEST_F(LbrpE2E, ConnectionsSpreadOverWeightedBackends) {
  add_backend(1, 1);
  add_backend(2, 2);
  add_backend(3, 3);
  const int n = 1500;
  std::map<std::string, int> answers;
  for (int i = 0; i < n; i++) answers[once(uint16_t(20000 + i))]++;
  EXPECT_EQ(answers.count(""), 0u) << answers[""] << " connections got no answer";
  for (int i = 1; i <= 3; i++) {
    double share = double(answers["b" + std::to_string(i)]) / n, want = i / 6.0;
    EXPECT_NEAR(share, want, 0.05) << "b" << i;
    EXPECT_EQ(servers[i - 1]->accepted(), size_t(answers["b" + std::to_string(i)])) << "what b" << i << " accepted";
  }
  PcnRun show = pcnd.pcn("lb1 session-table show");
  ASSERT_EQ(show.rc, 0) << show.err;
  for (int i = 1; i <= 3; i++) EXPECT_NE(show.out.find(backend(i)), std::string::npos) << show.out.substr(0, 2000);
  json st = json::parse(pcnd.rest("GET", "/lbrp:lbrp=lb1/stats").body)["lbrp:stats"];
  EXPECT_EQ(st["sessions-created"], std::to_string(n));
  EXPECT_EQ(st["backends"], 3);
  // Ping to the virtual IP is answered by the load balancer.
  EXPECT_EQ(net.in("cl", "ping -c 1 -W 2 -q 10.96.0.10 >/dev/null"), 0);
}

// Established connections keep their backend while a backend is added and
// another one removed; new connections use the new set.
TEST_F(LbrpE2E, EstablishedConnectionsSurviveBackendChanges) {
  add_backend(1);
  add_backend(2);
  std::vector<int> fds;
  std::vector<std::string> first;
  for (int i = 0; i < 30; i++) {
    fds.push_back(connect_from(net.ns("cl"), "10.96.0.10", 80, uint16_t(30000 + i)));
    first.push_back(ask(fds.back()));
    ASSERT_TRUE(first.back() == "b1" || first.back() == "b2") << i << ": '" << first.back() << "'";
  }
  add_backend(3);
  for (size_t i = 0; i < fds.size(); i++) EXPECT_EQ(ask(fds[i]), first[i]) << "connection " << i << " after adding b3";
  std::map<std::string, int> fresh;
  for (int i = 0; i < 60; i++) fresh[once(uint16_t(31000 + i))]++;
  EXPECT_GT(fresh["b3"], 0) << "new connections reach the new backend";
  must("lb1 service 10.96.0.10 80 TCP backend del " + backend(1));
  for (size_t i = 0; i < fds.size(); i++)
    EXPECT_EQ(ask(fds[i]), first[i]) << "connection " << i << " after removing b1 (its flows drain)";
  fresh.clear();
  for (int i = 0; i < 60; i++) fresh[once(uint16_t(32000 + i))]++;
  EXPECT_EQ(fresh["b1"], 0) << "no new connection reaches the removed backend";
  EXPECT_EQ(fresh["b2"] + fresh["b3"], 60);
  for (int fd : fds) close(fd);
}

// Bad input: a clear error, and the configuration is what it was.
TEST_F(LbrpE2E, BadInputIsRefusedAndChangesNothing) {
  add_backend(1);
  std::string before = pcnd.rest("GET", "/lbrp:lbrp=lb1/service").body;
  const char *bad[] = {
      "lb1 service 10.96.0.10 80 TCP backend add 10.0.2.2 port=0",
      "lb1 service 10.96.0.10 80 TCP backend add 10.0.2.2 weight=0",
      "lb1 service 10.96.0.10 80 TCP backend add 10.0.2.2 weight=257",
      "lb1 service 10.96.0.10 80 TCP backend add 10.0.1.300",
      "lb1 service 10.96.0.10 80 TCP backend add fe80::1",
      "lb1 service add 10.96.0.10 70000 TCP",
      "lb1 service add 10.96.0.11 80 SCTP",
      "lb1 service add 10.96.0.10 80 ALL",
      "lb1 ports add fe2 type=FRONTEND",
      "lb1 ports add be2 type=BACKEND",
  };
  for (const char *args : bad) {
    PcnRun r = pcnd.pcn(args);
    EXPECT_NE(r.rc, 0) << "pcn " << args << " was accepted";
    EXPECT_FALSE(r.err.empty()) << "pcn " << args << ": no error said";
    EXPECT_EQ(pcnd.rest("GET", "/lbrp:lbrp=lb1/service").body, before) << "after pcn " << args;
  }
  // Creating what exists, or below what does not (RESTCONF POST; `pcn ...
  // add` is a merge, as for every service).
  struct Post {
    const char *path, *body;
    int status;
  } posts[] = {
      {"/lbrp:lbrp=lb1/service=10.96.0.99,80,TCP", R"({"lbrp:backend":[{"ip":"10.0.2.2"}]})", 404},
      {"/lbrp:lbrp=lb1/service=10.96.0.10,80,TCP", R"({"lbrp:backend":[{"ip":"10.0.1.2","weight":2}]})", 409},
      {"/lbrp:lbrp=lb1", R"({"lbrp:service":[{"vip":"10.96.0.10","vport":80,"proto":"TCP"}]})", 409},
  };
  for (const auto &p : posts) {
    RestReply r = pcnd.rest("POST", p.path, p.body);
    EXPECT_EQ(r.status, p.status) << "POST " << p.path << " " << p.body << ": " << r.body;
    EXPECT_NE(r.body.find("ietf-restconf:errors"), std::string::npos) << r.body;
    EXPECT_EQ(pcnd.rest("GET", "/lbrp:lbrp=lb1/service").body, before) << "after POST " << p.path << " " << p.body;
  }
  EXPECT_EQ(json::parse(pcnd.rest("GET", "/lbrp:lbrp=lb1/stats").body)["lbrp:stats"]["backends"], 1);
  EXPECT_EQ(once(40000), "b1") << "the service still works";
}

}  // namespace
