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

  // Live sessions of the service as the daemon reports them (RESTCONF):
  // client port -> backend address.
  std::map<int, std::string> sessions() {
    RestReply r = pcnd.rest("GET", "/lbrp:lbrp=lb1/session-table");
    std::map<int, std::string> out;
    if (r.status != 200) return out;
    json j = json::parse(r.body, nullptr, false);
    if (!j.is_object() || j.empty()) return out;
    for (const json &e : j.begin().value())
      if (e.value("vip", "") == "10.96.0.10") out[e.value("client-port", 0)] = e.value("backend-ip", "");
    return out;
  }
  // `n` held connections from source ports `sport`..; each one's first answer.
  void hold(int n, uint16_t sport, std::vector<int> &fds, std::vector<std::string> &first) {
    for (int i = 0; i < n; i++) {
      fds.push_back(connect_from(net.ns("cl"), "10.96.0.10", 80, uint16_t(sport + i)));
      first.push_back(ask(fds.back()));
    }
  }

  TestNet net;
  Pcnd pcnd{net.prefix() + "lb"};
  std::vector<std::unique_ptr<NameServer>> servers;
};

// 3,000 connections over backends of weights 1, 2, 3: each backend's
// share of what arrived is within 5 % of its weight's share; the session
// table lists the connections with the backend each got.
TEST_F(LbrpE2E, ConnectionsSpreadOverWeightedBackends) {
  add_backend(1, 1);
  add_backend(2, 2);
  add_backend(3, 3);
  const int n = 3000;
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

// A daemon killed (-9) and started again: the data plane goes on in the
// kernel meanwhile, and the new run adopts the sessions. b3 is added after
// the connections were made, so Maglev now sends about a third of their
// 5-tuples to b3: only the kept sessions keep those on b1 and b2. Each
// connection answers with its first backend before the kill, while the
// daemon is down and after the restart; the session table lists the same
// sessions before and after; new connections use all three backends.
TEST_F(LbrpE2E, EstablishedConnectionsSurviveADaemonKill) {
  add_backend(1);
  add_backend(2);
  std::vector<int> fds;
  std::vector<std::string> first;
  hold(24, 33000, fds, first);
  add_backend(3);
  std::map<int, std::string> want;
  for (size_t i = 0; i < fds.size(); i++) {
    ASSERT_TRUE(first[i] == "b1" || first[i] == "b2") << i << ": '" << first[i] << "'";
    want[33000 + int(i)] = backend(first[i][1] - '0');
  }
  EXPECT_EQ(sessions(), want) << "sessions before the kill";

  pcnd.kill9();
  for (size_t i = 0; i < fds.size(); i++) EXPECT_EQ(ask(fds[i]), first[i]) << "connection " << i << ", daemon dead";
  ASSERT_TRUE(pcnd.start()) << "polycubed did not restart";
  EXPECT_EQ(sessions(), want) << "sessions after the restart";
  for (size_t i = 0; i < fds.size(); i++) EXPECT_EQ(ask(fds[i]), first[i]) << "connection " << i << " after the restart";
  std::map<std::string, int> fresh;
  for (int i = 0; i < 60; i++) fresh[once(uint16_t(34000 + i))]++;
  EXPECT_EQ(fresh["b1"] + fresh["b2"] + fresh["b3"], 60) << "every new connection answered";
  EXPECT_GT(fresh["b3"], 0) << "the restored configuration has b3";
  for (int fd : fds) close(fd);
}

// A teardown (the fixture's stop(): SIGTERM, then polycubed --teardown)
// takes the data plane down: its maps go, sessions with them. Established
// connections still come back to their backend after the restart, because
// the restored configuration gives each backend the slot it had and Maglev
// hashes their 5-tuples as before; their next packets make new sessions.
// (A connection whose hash moved since it began, say to a backend added
// later, does not survive this: a stop or a kill keeps sessions.)
TEST_F(LbrpE2E, EstablishedConnectionsComeBackAfterATeardown) {
  add_backend(1);
  add_backend(2);
  add_backend(3);
  std::vector<int> fds;
  std::vector<std::string> first;
  hold(24, 35000, fds, first);
  std::map<int, std::string> want;
  for (size_t i = 0; i < fds.size(); i++) {
    ASSERT_FALSE(first[i].empty()) << "connection " << i;
    want[35000 + int(i)] = backend(first[i][1] - '0');
  }
  EXPECT_EQ(sessions(), want) << "sessions before the stop";
  ASSERT_TRUE(pcnd.stop()) << "polycubed did not exit cleanly";
  ASSERT_TRUE(pcnd.start()) << "polycubed did not restart";
  EXPECT_TRUE(sessions().empty()) << "a teardown ends the sessions";
  for (size_t i = 0; i < fds.size(); i++) EXPECT_EQ(ask(fds[i]), first[i]) << "connection " << i << " after the restart";
  EXPECT_EQ(sessions(), want) << "sessions made again by the connections' packets";
  for (int fd : fds) close(fd);
}

// Under traffic (held connections asked in a loop, new connections in a
// stream), b1 is removed with backend-removal=RESET: b1's sessions end at
// once and only its connections break; every connection to b2 and b3 keeps
// answering with its backend all along, the session table keeps exactly
// their sessions, and no new connection reaches b1 after the removal.
TEST_F(LbrpE2E, BackendRemovedUnderTrafficMovesOnlyItsFlows) {
  must("lb1 service 10.96.0.10 80 TCP set backend-removal=RESET");
  add_backend(1);
  add_backend(2);
  add_backend(3);
  std::vector<int> fds;
  std::vector<std::string> first;
  hold(30, 36000, fds, first);
  std::map<int, std::string> others;
  size_t on_b1 = 0;
  for (size_t i = 0; i < fds.size(); i++) {
    ASSERT_FALSE(first[i].empty()) << "connection " << i;
    if (first[i] == "b1") on_b1++;
    else others[36000 + int(i)] = backend(first[i][1] - '0');
  }
  ASSERT_GT(on_b1, 0u) << "no held connection on b1: the test shows nothing";

  std::atomic<bool> removed{false}, done{false};
  std::atomic<int> wrong{0}, rounds{0}, new_on_b1{0}, new_failed{0};
  std::thread held([&] {
    while (!done) {
      for (size_t i = 0; i < fds.size(); i++)
        if (first[i] != "b1" && ask(fds[i]) != first[i]) wrong++;
      rounds++;
    }
  });
  std::thread stream([&] {
    for (uint16_t port = 37000; !done; port++) {
      bool after = removed;
      std::string who = once(port);
      if (who.empty()) new_failed++;
      if (after && who == "b1") new_on_b1++;
    }
  });
  while (rounds < 3) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  RestReply r = pcnd.rest("DELETE", "/lbrp:lbrp=lb1/service=10.96.0.10,80,TCP/backend=" + backend(1));
  removed = true;
  EXPECT_EQ(r.status, 204) << r.body;
  int at = rounds;
  while (rounds < at + 5) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  done = true;
  held.join();
  stream.join();
  EXPECT_EQ(wrong, 0) << "answers from connections to b2 and b3 that broke or moved";
  EXPECT_EQ(new_on_b1, 0) << "new connections reached b1 after its removal";
  // A connection in flight to b1 when it went is reset: at most a few.
  EXPECT_LE(new_failed, 2) << "new connections that got no answer";
  std::map<int, std::string> now = sessions();
  for (const auto &[port, be] : others) EXPECT_EQ(now[port], be) << "session of client port " << port;
  for (const auto &[port, be] : now) EXPECT_NE(be, backend(1)) << "a session on b1 is left, client port " << port;
  for (size_t i = 0; i < fds.size(); i++)
    if (first[i] == "b1") {
      EXPECT_NE(ask(fds[i]), "b1") << "connection " << i << " still reaches the removed b1";
    }
  for (int fd : fds) close(fd);
}

}  // namespace
