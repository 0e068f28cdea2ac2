// Router end to end: polycubed runs as its own process, routers are built
// with pcn and RESTCONF, namespaces with default routes send real traffic
// (ping) through them; tables (routes incl. connected, ARP) are asserted via
// REST; ICMP errors are seen by ping in the sending namespace; bad input is
// refused with the RFC 8040 status and leaves the configuration as it was.
#include <gtest/gtest.h>

#include <cstdio>
#include <nlohmann/json.hpp>
#include <map>
#include <set>

#include "pcnd.h"
#include "testnet.h"

using namespace pcntest;
using nlohmann::json;

namespace {

using Reply = RestReply;

class RouterE2E : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(pcnd.start()) << "polycubed did not start"; }
  void TearDown() override { EXPECT_TRUE(pcnd.stop()) << "polycubed did not exit cleanly"; }
  // A namespace `name` with address `cidr` and MAC `mac` on eth0, default
  // route via `gw`; returns the host-side veth.
  std::string host(const std::string &name, const std::string &cidr, const std::string &mac, const std::string &gw) {
    net.add_ns(name);
    net.in(name, "sysctl -qw net.ipv6.conf.all.disable_ipv6=1");
    std::string v = net.add_host(name, "v" + name, cidr, mac);
    EXPECT_EQ(net.in(name, "ip route add default via " + gw), 0);
    return v;
  }
  Reply rest(const std::string &method, const std::string &path, const std::string &body = "") {
    return pcnd.rest(method, path, body);
  }
  PcnRun pcn(const std::string &args) { return pcnd.pcn(args); }
  // h1 (10.N.1.2) -- p1 r1 p2 -- h2 (10.N.2.2), the router at .1 of both.
  void router_between_two_hosts(int n) {
    std::string pre = "10." + std::to_string(n) + ".", mac = "02:00:00:" + std::to_string(n) + ":";
    std::string v1 = host("h1", pre + "1.2/24", mac + "01:02", pre + "1.1");
    std::string v2 = host("h2", pre + "2.2/24", mac + "02:02", pre + "2.1");
    must_pcn("router add r1");
    must_pcn("r1 ports add p1 ip=" + pre + "1.1/24 peer=" + v1);
    must_pcn("r1 ports add p2 ip=" + pre + "2.1/24 peer=" + v2);
  }
  void must_pcn(const std::string &args) {
    PcnRun r = pcn(args);
    ASSERT_EQ(r.rc, 0) << "pcn " << args << ": " << r.err;
  }
  void add_route(const std::string &router, const std::string &network, const std::string &nexthop,
                 const std::string &extra = "") {
    Reply r = rest("POST", "/router:router=" + router,
                   R"({"router:route":[{"network":")" + network + R"(","nexthop":")" + nexthop + "\"" + extra + "}]}");
    ASSERT_EQ(r.status, 201) << r.body;
  }
  bool ping(const std::string &from, const std::string &to) {
    // Any reply of three: the first may wait for two ARP resolutions through
    // the slow path, which a loaded machine can delay past one timeout.
    return net.in(from, "ping -c 3 -i 0.3 -W 3 -q " + to + " >/dev/null") == 0;
  }
  std::string ping_out(const std::string &from, const std::string &args) {
    return net.in_out(from, "ping -c 1 -W 2 -n " + args + " 2>&1 || true");
  }
  json get(const std::string &path) {
    Reply r = rest("GET", path);
    EXPECT_EQ(r.status, 200) << path << ": " << r.body;
    return r.status == 200 ? json::parse(r.body) : json();
  }
  // address -> (mac, interface) of the router's ARP table.
  std::map<std::string, std::pair<std::string, std::string>> arp(const std::string &router) {
    std::map<std::string, std::pair<std::string, std::string>> out;
    Reply r = rest("GET", "/router:router=" + router + "/arp-table");
    if (r.status != 200) return out;  // an empty list is "no data"
    json doc = json::parse(r.body);
    for (const auto &e : doc["router:arp-table"])
      out[e["address"].get<std::string>()] = {e["mac"].get<std::string>(), e["interface"].get<std::string>()};
    return out;
  }
  // "network nexthop interface type active" per route.
  std::set<std::string> routes(const std::string &router) {
    std::set<std::string> out;
    json doc = get("/router:router=" + router + "/route");
    for (const auto &e : doc["router:route"])
      out.insert(e["network"].get<std::string>() + " " + e["nexthop"].get<std::string>() + " " +
                 e["interface"].get<std::string>() + " " + e["type"].get<std::string>() + " " +
                 (e["active"].get<bool>() ? "active" : "inactive"));
    return out;
  }
  std::string config(const std::string &router) {
    return rest("GET", "/router:router=" + router + "?content=config").body;
  }

  TestNet net;
  Pcnd pcnd{net.prefix() + "router"};
};

// Three subnets through one router, built with pcn; every pair pings, the
// ARP table holds the three hosts, the route table the connected routes.
class RouterThreeSubnets : public RouterE2E, public ::testing::WithParamInterface<std::string> {};

TEST_P(RouterThreeSubnets, AllPairsPingAndTablesAreRight) {
  std::vector<std::string> v;
  for (int i = 1; i <= 3; i++) {
    std::string n = std::to_string(i);
    v.push_back(host("h" + n, "10.31." + n + ".2/24", "02:00:00:31:0" + n + ":02", "10.31." + n + ".1"));
  }
  must_pcn("router add r1 type=" + GetParam());
  for (int i = 1; i <= 3; i++) {
    std::string n = std::to_string(i);
    must_pcn("r1 ports add p" + n + " ip=10.31." + n + ".1/24 peer=" + v[i - 1]);
  }
  for (int a = 1; a <= 3; a++)
    for (int b = 1; b <= 3; b++)
      if (a != b) {
        EXPECT_TRUE(ping("h" + std::to_string(a), "10.31." + std::to_string(b) + ".2")) << a << "->" << b;
      }
  // The router answers on each of its addresses, from any subnet.
  EXPECT_TRUE(ping("h1", "10.31.1.1"));
  EXPECT_TRUE(ping("h1", "10.31.3.1"));

  auto table = arp("r1");
  ASSERT_EQ(table.size(), 3u);
  for (int i = 1; i <= 3; i++) {
    std::string n = std::to_string(i);
    EXPECT_EQ(table["10.31." + n + ".2"], std::make_pair("02:00:00:31:0" + n + ":02", "p" + n));
  }
  EXPECT_EQ(routes("r1"), (std::set<std::string>{"10.31.1.0/24 local p1 connected active",
                                                 "10.31.2.0/24 local p2 connected active",
                                                 "10.31.3.0/24 local p3 connected active"}));
  PcnRun show = pcn("r1 route show");
  EXPECT_EQ(show.rc, 0) << show.err;
  EXPECT_NE(show.out.find("TYPE"), std::string::npos) << show.out;
  EXPECT_NE(show.out.find("connected"), std::string::npos) << show.out;
  PcnRun arpshow = pcn("r1 arp-table show");
  EXPECT_EQ(arpshow.rc, 0) << arpshow.err;
  EXPECT_NE(arpshow.out.find("02:00:00:31:02:02"), std::string::npos) << arpshow.out;
  // Each port's MAC is in the state and is what the hosts resolved.
  json ports = get("/router:router=r1/ports=p1");
  std::string p1mac = ports["router:ports"][0]["mac"];
  EXPECT_EQ(net.in_out("h1", "ip neigh show 10.31.1.1 | awk '{print $5}'"), p1mac);

  // Flush: the table empties, traffic resolves again. The hosts' own
  // neighbour probes would teach the router their addresses again at any
  // moment (it learns from requests): pin their gateway entries first, so
  // the emptiness seen is the flush's, not a race lost.
  for (int i = 1; i <= 3; i++) {
    std::string n = std::to_string(i);
    std::string mac = get("/router:router=r1/ports=p" + n)["router:ports"][0]["mac"];
    ASSERT_EQ(net.in("h" + n, "ip neigh replace 10.31." + n + ".1 lladdr " + mac + " dev eth0 nud permanent"), 0);
  }
  must_pcn("r1 arp-table-flush");
  {
    PcnRun flushed = pcn("r1 arp-table show");  // empty: shown as such, not an error
    EXPECT_EQ(flushed.rc, 0) << flushed.err;
  }
  EXPECT_TRUE(arp("r1").empty());
  EXPECT_TRUE(ping("h3", "10.31.1.2"));
  EXPECT_EQ(arp("r1").count("10.31.1.2"), 1u);

  // Aging: with a 1 s aging time the entries expire (and are not used by
  // the data plane any more); traffic resolves them again.
  must_pcn("r1 set arp-aging-time=1");
  EXPECT_NE(pcn("r1 show").out.find("arp-aging-time: 1"), std::string::npos);
  sh("sleep 2.2");
  EXPECT_TRUE(arp("r1").empty());
  EXPECT_TRUE(ping("h1", "10.31.2.2"));
  must_pcn("r1 set arp-aging-time=300");
  EXPECT_EQ(arp("r1").count("10.31.2.2"), 1u);
}

INSTANTIATE_TEST_SUITE_P(Modes, RouterThreeSubnets, ::testing::Values("TC", "XDP_SKB"));

// h1 - r1 = r2 - h2: the routers are connected cube to cube; static routes
// both ways, a secondary address on r2; TTL exceeded from either hop.
TEST_F(RouterE2E, TwoRoutersStaticRoutesAndSecondaryAddress) {
  std::string v1 = host("h1", "10.32.1.2/24", "02:00:00:32:01:02", "10.32.1.1");
  std::string v2 = host("h2", "10.32.2.2/24", "02:00:00:32:02:02", "10.32.2.1");
  ASSERT_EQ(net.in("h2", "ip addr add 10.32.3.2/24 dev eth0"), 0);
  must_pcn("router add r1");
  must_pcn("router add r2");
  must_pcn("r1 ports add p1 ip=10.32.1.1/24 peer=" + v1);
  must_pcn("r1 ports add p2 ip=10.32.0.1/30");
  must_pcn("r2 ports add p1 ip=10.32.0.2/30");
  must_pcn("r2 ports add p2 ip=10.32.2.1/24 peer=" + v2);
  must_pcn("r2 ports p2 secondaryip add 10.32.3.1/24");
  must_pcn("connect r1:p2 r2:p1");
  must_pcn("r1 route add 10.32.2.0/24 10.32.0.2");  // the issue's form: the two keys, positional
  add_route("r1", "10.32.3.0/24", "10.32.0.2");
  add_route("r2", "10.32.1.0/24", "10.32.0.1");

  // One echo, first contact: both routers resolve their next hop while
  // the packet waits in their queues; it is not lost.
  EXPECT_EQ(net.in("h1", "ping -c 1 -W 3 -q 10.32.2.2 >/dev/null"), 0);
  EXPECT_TRUE(ping("h2", "10.32.1.2"));
  EXPECT_TRUE(ping("h1", "10.32.3.2")) << "host on r2's secondary network";
  EXPECT_TRUE(ping("h1", "10.32.3.1")) << "r2's secondary address";
  EXPECT_TRUE(ping("h1", "10.32.0.2")) << "r2's link address";

  EXPECT_EQ(routes("r1"), (std::set<std::string>{"10.32.1.0/24 local p1 connected active",
                                                 "10.32.0.0/30 local p2 connected active",
                                                 "10.32.2.0/24 10.32.0.2 p2 static active",
                                                 "10.32.3.0/24 10.32.0.2 p2 static active"}));
  EXPECT_EQ(routes("r2"), (std::set<std::string>{"10.32.0.0/30 local p1 connected active",
                                                 "10.32.2.0/24 local p2 connected active",
                                                 "10.32.3.0/24 local p2 connected active",
                                                 "10.32.1.0/24 10.32.0.1 p1 static active"}));
  // The routers resolved each other through the cube-to-cube link.
  json r1p2 = get("/router:router=r1/ports=p2"), r2p1 = get("/router:router=r2/ports=p1");
  EXPECT_EQ(arp("r1")["10.32.0.2"], std::make_pair(r2p1["router:ports"][0]["mac"].get<std::string>(), std::string("p2")));
  EXPECT_EQ(arp("r2")["10.32.0.1"], std::make_pair(r1p2["router:ports"][0]["mac"].get<std::string>(), std::string("p1")));

  // Traceroute by hand: TTL 1 dies at r1 (its address towards h1), TTL 2
  // at r2 (its address on the link), TTL 3 arrives.
  std::string t1 = ping_out("h1", "-t 1 10.32.2.2");
  EXPECT_NE(t1.find("From 10.32.1.1 icmp_seq=1 Time to live exceeded"), std::string::npos) << t1;
  std::string t2 = ping_out("h1", "-t 2 10.32.2.2");
  EXPECT_NE(t2.find("From 10.32.0.2 icmp_seq=1 Time to live exceeded"), std::string::npos) << t2;
  EXPECT_EQ(net.in("h1", "ping -c 1 -W 2 -t 3 10.32.2.2 >/dev/null"), 0);
  // And traceroute itself (UDP probes; h2 ends it with port unreachable):
  // one line per hop, each router's address, then the host.
  std::string tr = net.in_out("h1", "traceroute -n -q 1 -w 2 -m 5 10.32.2.2 2>&1 | tail -n +2 | awk '{print $2}'");
  EXPECT_EQ(tr, "10.32.1.1\n10.32.0.2\n10.32.2.2") << tr;

  // No route: network unreachable from the first router.
  std::string u = ping_out("h1", "10.99.0.1");
  EXPECT_NE(u.find("From 10.32.1.1 icmp_seq=1 Destination Net Unreachable"), std::string::npos) << u;
  // A network r1 sends to r2 and r2 has no route for: r2 answers, and
  // its error is routed back to h1 through r1.
  add_route("r1", "10.98.0.0/16", "10.32.0.2");
  std::string u2 = ping_out("h1", "10.98.0.1");
  EXPECT_NE(u2.find("From 10.32.0.2 icmp_seq=1 Destination Net Unreachable"), std::string::npos) << u2;
}

// As Linux: a secondary address inside the primary's prefix is accepted;
// deleting an address takes the routes through it along (in the same write)
// and traffic falls back to the remaining route; deleting the port takes
// the rest. (A PATCH or PUT that drops an address a route needs is still
// refused: only a DELETE takes things along.)
TEST_F(RouterE2E, DeletingAnAddressRemovesItsRoutesAndTrafficFallsBack) {
  router_between_two_hosts(34);
  // Overlaps p2's primary 10.34.2.1/24: accepted, like `ip addr add`.
  must_pcn("r1 ports p2 secondaryip add 10.34.2.7/25");
  must_pcn("r1 ports p2 secondaryip add 10.34.3.1/24");
  // One command per call: net.in() prefixes `ip netns exec`, which an `&&` would not carry.
  ASSERT_EQ(net.in("h2", "ip link set lo up"), 0);
  ASSERT_EQ(net.in("h2", "ip addr add 10.34.3.2/24 dev eth0"), 0);
  ASSERT_EQ(net.in("h2", "ip addr add 10.34.9.2/32 dev lo"), 0);
  add_route("r1", "10.34.9.0/24", "10.34.3.2", R"(,"pathcost":1)");
  add_route("r1", "10.34.9.0/24", "10.34.2.2", R"(,"pathcost":5)");
  EXPECT_EQ(routes("r1").count("10.34.9.0/24 10.34.3.2 p2 static active"), 1u);
  ASSERT_TRUE(ping("h1", "10.34.9.2"));
  EXPECT_EQ(arp("r1").count("10.34.3.2"), 1u) << "the first route carried the traffic";

  Reply r = rest("DELETE", "/router:router=r1/ports=p2/secondaryip=10.34.3.1%2F24");
  ASSERT_EQ(r.status, 204) << r.body;
  EXPECT_EQ(routes("r1").count("10.34.9.0/24 10.34.3.2 p2 static active"), 0u);
  EXPECT_EQ(routes("r1").count("10.34.9.0/24 10.34.2.2 p2 static active"), 1u);
  EXPECT_EQ(config("r1").find("10.34.3.2"), std::string::npos) << "the route is gone from the configuration";
  EXPECT_TRUE(ping("h1", "10.34.9.2")) << "traffic falls back to the remaining route";
  json v = get("/polycube:versions")["polycube:versions"]["version"][0];
  EXPECT_EQ(v["cubes"], (json{"r1"})) << "one write, one version";

  // The port: the routes through it go too.
  must_pcn("r1 ports del p2");
  EXPECT_EQ(routes("r1"), (std::set<std::string>{"10.34.1.0/24 local p1 connected active"}));
  EXPECT_EQ(arp("r1").count("10.34.2.2"), 0u) << "neighbours of the deleted port are gone";
  std::string u = ping_out("h1", "10.34.2.2");
  EXPECT_NE(u.find("Destination Net Unreachable"), std::string::npos) << u;
  EXPECT_TRUE(ping("h1", "10.34.1.1"));
}

// The daemon dies (SIGKILL): forwarding goes on in the kernel; a new daemon
// on the same state restores the router (addresses, routes) and it routes
// and resolves again.
TEST_F(RouterE2E, SurvivesADaemonCrashAndRestart) {
  router_between_two_hosts(36);
  ASSERT_EQ(net.in("h2", "ip addr add 10.36.3.2/24 dev eth0"), 0);
  must_pcn("r1 ports p2 secondaryip add 10.36.9.1/24");
  add_route("r1", "10.36.3.0/24", "10.36.2.2");
  EXPECT_TRUE(ping("h1", "10.36.3.2"));
  std::string before = config("r1");
  auto routes_before = routes("r1");

  pcnd.kill9();
  EXPECT_TRUE(ping("h1", "10.36.3.2")) << "forwarding stopped with the daemon";
  ASSERT_TRUE(pcnd.start()) << "polycubed did not restart";
  EXPECT_EQ(config("r1"), before);
  EXPECT_EQ(routes("r1"), routes_before);
  must_pcn("r1 arp-table-flush");
  EXPECT_TRUE(ping("h1", "10.36.3.2"));
  EXPECT_TRUE(ping("h1", "10.36.9.1"));
  EXPECT_EQ(arp("r1").count("10.36.2.2"), 1u);
}

// A lost ARP request does not stall a flow until its next packet: the
// router asks again every second while frames wait (3 s), as Linux does.
// h2 ignores ARP for 1.5 s; one ping (one frame, no second packet to
// trigger a new request) still gets its answer.
TEST_F(RouterE2E, UnansweredArpRequestIsSentAgain) {
  router_between_two_hosts(37);
  ASSERT_EQ(net.in("h2", "ip link set eth0 arp off"), 0);
  ASSERT_EQ(net.in("h2", "sh -c 'sleep 1.5; ip link set eth0 arp on' >/dev/null 2>&1 &"), 0);
  EXPECT_EQ(net.in("h1", "ping -c 1 -W 5 -q 10.37.2.2 >/dev/null"), 0) << "no answer: the request was not sent again";
  EXPECT_EQ(arp("r1").count("10.37.2.2"), 1u);
}

// Each bad request gets its status and an RFC 8040 body; the configuration
// is byte for byte what it was.
TEST_F(RouterE2E, BadInputIsRefusedAndChangesNothing) {
  must_pcn("router add r1");
  must_pcn("r1 ports add p1 ip=10.35.1.1/24");
  must_pcn("r1 ports add p2 ip=10.35.2.1/24");
  add_route("r1", "10.35.9.0/24", "10.35.2.9");
  std::string before = config("r1");
  auto route = [](const std::string &net, const std::string &nh, const std::string &extra = "") {
    return R"({"router:route":[{"network":")" + net + R"(","nexthop":")" + nh + "\"" + extra + "}]}";
  };
  auto port = [](const std::string &fields) { return R"({"router:ports":[{"name":"p3")" + fields + "}]}"; };
  struct Case {
    std::string what, method, path, body;
    int status;
  } cases[] = {
      {"prefix length 33", "POST", "/router:router=r1", port(R"(,"ip":"10.35.3.1/33")"), 400},
      {"not an address", "POST", "/router:router=r1", port(R"(,"ip":"10.35.300.1/24")"), 400},
      {"network address as port address", "POST", "/router:router=r1", port(R"(,"ip":"10.35.3.0/24")"), 400},
      {"duplicate address across ports", "POST", "/router:router=r1", port(R"(,"ip":"10.35.1.1/24")"), 409},
      {"overlapping prefix across ports", "POST", "/router:router=r1", port(R"(,"ip":"10.35.1.7/16")"), 400},
      {"overlapping secondary", "POST", "/router:router=r1/ports=p2", R"({"router:secondaryip":[{"ip":"10.35.1.9/25"}]})", 400},
      {"multicast MAC", "POST", "/router:router=r1", port(R"(,"ip":"10.35.3.1/24","mac":"01:00:5e:00:00:01")"), 400},
      {"route with host bits", "POST", "/router:router=r1", route("10.35.8.1/24", "10.35.2.9"), 400},
      {"route prefix 33", "POST", "/router:router=r1", route("10.35.8.0/33", "10.35.2.9"), 400},
      {"next hop off every network", "POST", "/router:router=r1", route("10.35.8.0/24", "10.36.0.1"), 400},
      {"next hop is the router", "POST", "/router:router=r1", route("10.35.8.0/24", "10.35.2.1"), 400},
      {"next hop 'local'", "POST", "/router:router=r1", route("10.35.8.0/24", "local"), 400},
      {"interface unknown", "POST", "/router:router=r1", route("10.35.8.0/24", "10.35.2.9", R"(,"interface":"p9")"), 400},
      {"next hop not on interface", "POST", "/router:router=r1", route("10.35.8.0/24", "10.35.2.9", R"(,"interface":"p1")"), 400},
      {"pathcost out of range", "POST", "/router:router=r1", route("10.35.8.0/24", "10.35.2.9", R"(,"pathcost":70000)"), 400},
      {"route exists", "POST", "/router:router=r1", route("10.35.9.0/24", "10.35.2.9"), 409},
      {"aging out of range", "PATCH", "/router:router=r1", R"({"router:router":[{"name":"r1","arp-aging-time":0}]})", 400},
      {"connected route is not config", "DELETE", "/router:router=r1/route=10.35.1.0%2F24,local", "", 404},
      {"unknown leaf", "POST", "/router:router=r1", port(R"(,"gateway":"10.35.3.254")"), 400},
  };
  for (const auto &c : cases) {
    Reply r = rest(c.method, c.path, c.body);
    EXPECT_EQ(r.status, c.status) << c.what << ": " << r.body;
    EXPECT_NE(r.body.find("ietf-restconf:errors"), std::string::npos) << c.what << ": " << r.body;
    EXPECT_EQ(config("r1"), before) << c.what;
  }
  // The daemon is alive and the router still works as configured.
  EXPECT_EQ(routes("r1").count("10.35.9.0/24 10.35.2.9 p2 static active"), 1u);
  // A good request after all that goes through.
  add_route("r1", "10.35.7.0/24", "10.35.2.7", R"(,"interface":"p2")");
  EXPECT_EQ(routes("r1").count("10.35.7.0/24 10.35.2.7 p2 static active"), 1u);
  add_route("r1", "10.35.8.0/24", "10.35.1.8", R"(,"pathcost":5)");
  add_route("r1", "10.35.8.0/24", "10.35.2.8", R"(,"pathcost":3)");
  auto rs = routes("r1");
  EXPECT_EQ(rs.count("10.35.8.0/24 10.35.2.8 p2 static active"), 1u);
  EXPECT_EQ(rs.count("10.35.8.0/24 10.35.1.8 p1 static inactive"), 1u);
}

// simplebridge and router chained cube to cube: the hosts behind the bridge
// resolve the router's port MAC through the bridge, the bridge learns it.
class RouterChained : public RouterE2E, public ::testing::WithParamInterface<std::string> {};

TEST_P(RouterChained, BehindASimplebridge) {
  std::string v1 = host("h1", "10.33.1.2/24", "02:00:00:33:01:02", "10.33.1.1");
  std::string v2 = host("h2", "10.33.1.3/24", "02:00:00:33:01:03", "10.33.1.1");
  std::string v3 = host("h3", "10.33.2.2/24", "02:00:00:33:02:02", "10.33.2.1");
  must_pcn("simplebridge add br1 type=" + GetParam());
  must_pcn("br1 ports add p1 peer=" + v1);
  must_pcn("br1 ports add p2 peer=" + v2);
  must_pcn("br1 ports add p3");
  must_pcn("router add r1 type=" + GetParam());
  must_pcn("r1 ports add p1 ip=10.33.1.1/24 mac=02:00:00:33:01:01");
  must_pcn("r1 ports add p2 ip=10.33.2.1/24 peer=" + v3);
  must_pcn("connect br1:p3 r1:p1");
  EXPECT_TRUE(ping("h1", "10.33.2.2"));
  EXPECT_TRUE(ping("h2", "10.33.2.2"));
  EXPECT_TRUE(ping("h3", "10.33.1.3"));
  EXPECT_TRUE(ping("h1", "10.33.1.3")) << "the bridge still bridges";
  EXPECT_EQ(net.in_out("h1", "ip neigh show 10.33.1.1 | awk '{print $5}'"), "02:00:00:33:01:01");
  auto table = arp("r1");
  EXPECT_EQ(table["10.33.1.2"], std::make_pair(std::string("02:00:00:33:01:02"), std::string("p1")));
  EXPECT_EQ(table["10.33.1.3"], std::make_pair(std::string("02:00:00:33:01:03"), std::string("p1")));
  bool learned = false;
  json fdb = get("/simplebridge:simplebridge=br1/fdb");
  for (const auto &e : fdb["simplebridge:fdb"]["entry"])
    learned |= e["address"] == "02:00:00:33:01:01" && e["port"] == "p3";
  EXPECT_TRUE(learned) << "br1 learned the router port's MAC on p3";
  std::string t = ping_out("h2", "-t 1 10.33.2.2");
  EXPECT_NE(t.find("From 10.33.1.1 icmp_seq=1 Time to live exceeded"), std::string::npos) << t;
}

INSTANTIATE_TEST_SUITE_P(Modes, RouterChained, ::testing::Values("TC", "XDP_SKB"));

}  // namespace
