// lbdsr end to end: polycubed and pcn, real namespaces, real TCP. Topology:
//
//   cl eth0 10.0.0.1 --- fe [lbdsr dsr1] be --- sw (Linux bridge) --- b1 10.0.0.11, VIP on lo
//   cl eth1 (replies) ------------------------------------------'  '-- b2 10.0.0.12, VIP on lo
//
// The client reaches the virtual IP 10.96.0.20 through eth0: lbdsr answers
// its ARP and sends each connection to a backend's MAC. The backends hold
// the VIP on their loopback and answer the client directly over the
// bridge, arriving on the client's eth1: the replies never cross lbdsr,
// which the counters of the veth it sends to the client on show.
#include <gtest/gtest.h>
#include <unistd.h>

#include <map>
#include <nlohmann/json.hpp>

#include "name_server.h"
#include "pcnd.h"
#include "testnet.h"

using namespace pcntest;
using nlohmann::json;

namespace {

class LbdsrE2E : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(pcnd.start()) << "polycubed did not start"; }
  void TearDown() override {
    servers.clear();
    EXPECT_TRUE(pcnd.stop()) << "polycubed did not exit cleanly";
  }
  void must(const std::string &args) {
    PcnRun r = pcnd.pcn(args);
    ASSERT_EQ(r.rc, 0) << "pcn " << args << ": " << r.err;
  }
  uint64_t counter(const std::string &ns, const std::string &dev, const std::string &what) {
    std::string path = "/sys/class/net/" + dev + "/statistics/" + what;
    std::string v = ns.empty() ? sh_out("cat " + path) : net.in_out(ns, "cat " + path);
    return v.empty() ? 0 : std::stoull(v);
  }

  TestNet net;
  Pcnd pcnd{net.prefix() + "dsr"};
  std::vector<std::unique_ptr<NameServer>> servers;
};

TEST_F(LbdsrE2E, RepliesGoStraightToTheClient) {
  net.add_ns("cl");
  std::string vcl = net.add_host("cl", "vcl", "10.0.0.1/24");
  net.in("cl", "ip route add 10.96.0.20/32 dev eth0");
  net.in("cl", "sysctl -qw net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.rp_filter=0");
  net.add_ns("sw");
  std::string vbe = net.add_host("sw", "vbe", "");
  net.in("sw", "ip link add br0 type bridge");
  net.in("sw", "ip link set eth0 master br0");
  net.in("sw", "ip link set br0 up");
  // The client's reply interface.
  net.in("sw", "ip link add cl type veth peer name eth1 netns " + net.ns("cl"));
  net.in("sw", "ip link set cl master br0");
  net.in("sw", "ip link set cl up");
  net.in("cl", "ip link set eth1 up");
  net.in("cl", "sysctl -qw net.ipv4.conf.eth1.rp_filter=0");
  net.in("cl", "ethtool -K eth1 tx off >/dev/null 2>&1");
  std::string cl_eth1 = net.in_out("cl", "cat /sys/class/net/eth1/address");
  std::map<int, std::string> macs;
  for (int i = 1; i <= 2; i++) {
    std::string b = "b" + std::to_string(i);
    net.add_ns(b);
    net.in("sw", "ip link add " + b + " type veth peer name eth0 netns " + net.ns(b));
    net.in("sw", "ip link set " + b + " master br0");
    net.in("sw", "ip link set " + b + " up");
    net.in(b, "ip addr add 10.0.0.1" + std::to_string(i) + "/24 dev eth0");
    net.in(b, "ip addr add 10.96.0.20/32 dev lo");
    net.in(b, "sysctl -qw net.ipv4.conf.all.arp_ignore=1 net.ipv4.conf.all.arp_announce=2 net.ipv4.conf.all.rp_filter=0");
    net.in(b, "ip link set eth0 up");
    net.in(b, "ethtool -K eth0 tx off >/dev/null 2>&1");
    net.in(b, "ip neigh replace 10.0.0.1 lladdr " + cl_eth1 + " dev eth0");  // the client, on its reply interface
    macs[i] = net.in_out(b, "cat /sys/class/net/eth0/address");
    servers.push_back(std::make_unique<NameServer>(net.ns(b), 8080, b));
  }
  must("lbdsr add dsr1");
  must("dsr1 ports add fe type=FRONTEND peer=" + vcl);
  must("dsr1 ports add be type=BACKEND peer=" + vbe);
  must("dsr1 frontend set vip=10.96.0.20 mac=02:00:00:00:d5:01");
  must("dsr1 backend pool add 1 mac=" + macs[1]);
  must("dsr1 backend pool add 2 mac=" + macs[2]);

  uint64_t via_lb0 = counter("", vcl, "tx_packets"), direct0 = counter("cl", "eth1", "rx_packets");
  const int n = 200;
  std::map<std::string, int> answers;
  for (int i = 0; i < n; i++) {
    int fd = connect_from(net.ns("cl"), "10.96.0.20", 8080, uint16_t(20000 + i));
    answers[ask(fd)]++;
    if (fd >= 0) close(fd);
  }
  EXPECT_EQ(answers.count(""), 0u) << answers[""] << " connections got no answer";
  EXPECT_GT(answers["b1"], n / 4);
  EXPECT_GT(answers["b2"], n / 4);
  EXPECT_EQ(servers[0]->accepted() + servers[1]->accepted(), size_t(n));
  json st = json::parse(pcnd.rest("GET", "/lbdsr:lbdsr=dsr1/stats").body)["lbdsr:stats"];
  // What lbdsr sent towards the client is its ARP answers only; every
  // reply (SYN-ACK, answer, FIN at least: 3 a connection) came over the
  // bridge.
  uint64_t via_lb = counter("", vcl, "tx_packets") - via_lb0, direct = counter("cl", "eth1", "rx_packets") - direct0;
  EXPECT_EQ(via_lb, std::stoull(st["arp-answered"].get<std::string>()));
  EXPECT_GE(direct, uint64_t(3 * n));
  EXPECT_GE(std::stoull(st["balanced"].get<std::string>()), uint64_t(3 * n));

  // Bad input: a clear error, nothing changed.
  std::string before = pcnd.rest("GET", "/lbdsr:lbdsr=dsr1/backend").body;
  for (const char *args : {"dsr1 backend pool add 3 mac=02:00:00:00:00:zz", "dsr1 backend pool add 3 mac=" ,
                           "dsr1 backend pool add 3 mac=02:00:00:00:00:03 weight=0",
                           "dsr1 frontend set vip=10.96.0.300", "dsr1 ports add fe2 type=FRONTEND"}) {
    PcnRun r = pcnd.pcn(args);
    EXPECT_NE(r.rc, 0) << "pcn " << args << " was accepted";
    EXPECT_FALSE(r.err.empty());
    EXPECT_EQ(pcnd.rest("GET", "/lbdsr:lbdsr=dsr1/backend").body, before) << "after pcn " << args;
  }
}

}  // namespace
