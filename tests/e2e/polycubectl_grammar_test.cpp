// Scripts written for polycubectl run against pcn unmodified: each row is
// polycubectl's spelling and pcn's own, run against a real polycubed from
// the same starting configuration; both must leave the same configuration
// (every cube, the topology) and print the same output with the same exit
// code. Wrong input in polycubectl's spelling gets one clear line and
// changes nothing.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "pcnd.h"
#include "testnet.h"

using namespace pcntest;
using nlohmann::json;

namespace {

struct Spellings {
  std::string setup;        // pcn's commands, ';'-separated, run first
  std::string polycubectl;  // the polycubectl spelling
  std::string pcn;          // today's pcn spelling
};

struct WrongInput {
  std::string setup, command;
  int rc;
  std::string names;  // the error line contains this
};

class PolycubectlGrammar : public ::testing::Test {
 protected:
  void SetUp() override {
    net.add_ns("h1");
    net.add_ns("h2");
    v1 = net.add_host("h1", "v1", "10.13.0.1/24");
    v2 = net.add_host("h2", "v2", "10.13.0.2/24");
    ASSERT_TRUE(pcnd.start());
  }
  void TearDown() override { EXPECT_TRUE(pcnd.stop()); }

  std::string expand(std::string s) const {
    for (auto [from, to] : {std::pair{std::string("$V1"), v1}, std::pair{std::string("$V2"), v2}})
      for (size_t at; (at = s.find(from)) != std::string::npos;) s.replace(at, from.size(), to);
    return s;
  }
  PcnRun pcn(const std::string &args) { return pcnd.pcn(expand(args)); }

  json get(const std::string &path) {
    RestReply r = pcnd.rest("GET", path);
    return r.status == 200 ? json::parse(r.body) : json(r.status);
  }
  // The whole configuration: the cubes, each one's data, the topology.
  json snapshot() {
    json cubes = get("/polycube:cubes");
    json all = {{"cubes", cubes}, {"topology", get("/polycube:topology")}};
    for (auto &c : all["cubes"]["polycube:cubes"]["cube"]) c.erase("blocks");  // kernel program ids differ per load
    for (const auto &c : cubes["polycube:cubes"]["cube"]) {
      std::string svc = c["service"];
      all[c["name"].get<std::string>()] = get("/" + svc + ":" + svc + "=" + c["name"].get<std::string>());
    }
    return all;
  }
  // Back to no cubes: transparent cubes detached first (an attached one is
  // not deleted), then every cube.
  void clear() {
    json cubes = get("/polycube:cubes")["polycube:cubes"]["cube"];
    for (const auto &c : cubes)
      if (c.contains("attached-to")) {
        ASSERT_EQ(pcn("detach " + c["name"].get<std::string>() + " " + c["attached-to"].get<std::string>()).rc, 0);
      }
    for (const auto &c : cubes) {
      std::string svc = c["service"];
      ASSERT_EQ(pcnd.rest("DELETE", "/" + svc + ":" + svc + "=" + c["name"].get<std::string>()).status, 204);
    }
  }
  void run_setup(const std::string &setup) {
    std::string rest = setup;
    while (!rest.empty()) {
      auto semi = rest.find(';');
      std::string cmd = rest.substr(0, semi);
      rest = semi == std::string::npos ? "" : rest.substr(semi + 1);
      while (!cmd.empty() && cmd.front() == ' ') cmd.erase(0, 1);
      if (cmd.empty()) continue;
      PcnRun r = pcn(cmd);
      ASSERT_EQ(r.rc, 0) << "setup: pcn " << cmd << ": " << r.err;
    }
  }

  TestNet net;
  std::string v1, v2;
  Pcnd pcnd{net.prefix() + "pcg"};
};

TEST_F(PolycubectlGrammar, BothSpellingsGiveTheSameConfigurationAndOutput) {
  const std::string hw = "helloworld add hw0; hw0 ports add p1; hw0 ports add p2";
  const std::string fw = "firewall add fw1; fw1 chain INGRESS append src=10.0.0.1/32 action=DROP; "
                         "fw1 chain INGRESS append src=10.0.0.2/32 action=DROP";
  const std::vector<Spellings> rows = {
      // pcn <service> <cube> <path...>
      {"helloworld add hw0", "helloworld hw0 ports add p1 peer=$V1", "hw0 ports add p1 peer=$V1"},
      {hw, "helloworld hw0 set action=FORWARD", "hw0 set action=FORWARD"},
      {hw, "helloworld hw0 show", "hw0 show"},
      // deleting: verb before the list, del before the cube, del after it
      {hw, "hw0 del ports p1", "hw0 ports del p1"},
      {hw, "helloworld hw0 del ports p2", "hw0 ports del p2"},
      {hw, "del helloworld hw0", "helloworld del hw0"},
      {hw, "del hw0", "helloworld del hw0"},
      {hw, "hw0 del", "helloworld del hw0"},
      // show before the node; one leaf prints its bare value
      {"ddosmitigator add d1; d1 blacklist-src add 10.0.0.1", "d1 show blacklist-src", "d1 blacklist-src show"},
      {hw + "; hw0 ports p1 set peer=$V1", "hw0 ports p1 show peer", "hw0 ports p1 peer show"},
      {hw, "hw0 ports p1 show peer", "hw0 ports p1 peer show"},  // unset: nothing printed
      {fw, "fw1 chain INGRESS rule show 1", "fw1 chain INGRESS rule 1 show"},
      {fw, "fw1 chain ingress rule show 1 -json", "fw1 chain INGRESS rule 1 show -json"},
      // enumerations in any case, booleans as ON|OFF
      {"", "helloworld add hw0 action=forward loglevel=trace", "helloworld add hw0 action=FORWARD loglevel=TRACE"},
      {"", "helloworld add hw0 type=xdp_skb", "helloworld add hw0 type=XDP_SKB"},
      {"", "firewall add fw1 accept-established=ON", "firewall add fw1 accept-established=true"},
      {fw, "fw1 set accept-established=off", "fw1 set accept-established=false"},
      {fw, "fw1 chain INGRESS append src=10.0.0.3/32 l4proto=icmp action=drop",
       "fw1 chain INGRESS append src=10.0.0.3/32 l4proto=ICMP action=DROP"},
      {fw, "fw1 chain egress set default=drop", "fw1 chain EGRESS set default=DROP"},
      // a netdev as one end of connect and disconnect
      {hw, "connect hw0:p1 $V1", "hw0 ports p1 set peer=$V1"},
      {hw, "connect $V1 hw0:p1", "hw0 ports p1 set peer=$V1"},
      {hw + "; hw0 ports p1 set peer=$V1", "disconnect hw0:p1 $V1", "hw0 ports p1 peer del"},
      // attach after=/before= are the daemon's position=after:/before:
      {hw + "; transparenthelloworld add t1; transparenthelloworld add t2; attach t1 hw0:p1",
       "attach t2 hw0:p1 after=t1", "attach t2 hw0:p1 position=after:t1"},
      {hw + "; transparenthelloworld add t1; transparenthelloworld add t2; attach t1 hw0:p1",
       "attach t2 hw0:p1 before=t1", "attach t2 hw0:p1 position=before:t1"},
      // framework words with show
      {hw, "services show", "services"},
  };
  for (const auto &row : rows) {
    SCOPED_TRACE("pcn " + row.polycubectl + "  vs  pcn " + row.pcn);
    PcnRun out[2];
    json state[2];
    const std::string *spelling[2] = {&row.polycubectl, &row.pcn};
    for (int s = 0; s < 2; s++) {
      clear();
      run_setup(row.setup);
      out[s] = pcn(*spelling[s]);
      state[s] = snapshot();
    }
    EXPECT_EQ(out[0].rc, 0) << out[0].err;
    EXPECT_EQ(out[0].rc, out[1].rc);
    EXPECT_EQ(out[0].out, out[1].out);
    EXPECT_EQ(out[0].err, out[1].err);
    EXPECT_EQ(state[0], state[1]);
  }
}

TEST_F(PolycubectlGrammar, OneLeafIsItsBareValueAndIntegersAreNumbersInYaml) {
  run_setup("helloworld add hw0 action=DROP; hw0 ports add p1 peer=$V1; firewall add fw1");
  EXPECT_EQ(pcn("hw0 ports p1 show peer").out, v1 + "\n");
  EXPECT_EQ(pcn("helloworld hw0 show action").out, "DROP\n");
  PcnRun yaml = pcn("fw1 chain INGRESS show -yaml");
  EXPECT_NE(yaml.out.find("default-pkts: 0\n"), std::string::npos) << yaml.out;
  PcnRun json_out = pcn("fw1 chain INGRESS show -json");  // -json stays RFC 7951
  EXPECT_NE(json_out.out.find("\"default-pkts\": \"0\""), std::string::npos) << json_out.out;
}

TEST_F(PolycubectlGrammar, TopologyShowANetdevPrintsItsChainOfCubes) {
  run_setup("helloworld add hw0; hw0 ports add p1 peer=$V1; transparenthelloworld add t1; "
            "transparenthelloworld add t2; transparenthelloworld add t3; attach t1 hw0:p1; attach t2 hw0:p1 after=t1; "
            "attach t3 $V2");
  PcnRun r = pcn("topology show $V1");
  EXPECT_EQ(r.rc, 0) << r.err;
  EXPECT_EQ(r.out, v1 + " -> t1 -> t2 -> hw0:p1\n");
  EXPECT_EQ(pcn("topology show $V2").out, v2 + " -> t3\n");
  EXPECT_EQ(pcn("topology show lo").out, "nothing is attached to lo\n");
  EXPECT_EQ(json::parse(pcn("topology show $V1 -json").out), json::parse(R"({"netdev":")" + v1 +
                                                                          R"(","chain":["t1","t2","hw0:p1"]})"));
}

TEST_F(PolycubectlGrammar, WrongInputSaysWhyAndChangesNothing) {
  const std::string hw = "helloworld add hw0; hw0 ports add p1; hw0 ports add p2 peer=$V2";
  const std::vector<WrongInput> rows = {
      {hw, "helloworld add hw1 action=forwardd", 2, "bad value 'forwardd' for 'action' (expected DROP|SLOWPATH|FORWARD"},
      {hw, "hw0 set loglevel=loud", 2, "TRACE|DEBUG|INFO|WARN|ERR|CRITICAL|OFF"},
      {"firewall add fw1", "fw1 set accept-established=maybe", 2, "expected true|false, or ON|OFF"},
      {hw + "; simplebridge add br1", "simplebridge hw0 ports add p3", 2, "cube hw0 is a helloworld, not a simplebridge"},
      {hw, "helloworld hw9 ports add p3", 2, "'hw9'"},
      {hw, "del nosuch", 2, "no cube or service 'nosuch' to delete"},
      {hw, "del hw0 ports", 2, "unexpected 'ports'"},
      {hw, "del helloworld", 2, "usage: pcn del <service> <cube>"},
      {hw, "hw0 del ports p9", 1, "p9"},
      {hw, "hw0 show ports show", 2, "two verbs"},
      {hw, "hw0 ports p1 show colour", 2, "unknown word 'colour'"},
      {hw, "connect hw0:p2 $V1", 1, "already connected to " + v2},
      {hw, "disconnect hw0:p1 $V1", 1, "hw0:p1 is not connected to " + v1},
      {hw, "connect $V1 $V2", 2, "one end must be a cube port"},
      {hw + "; transparenthelloworld add t1; transparenthelloworld add t2; attach t1 hw0:p1", "attach t2 hw0:p1 after=t9",
       1, "t9"},
      {hw, "attach t2 hw0:p1 behind=t1", 2, "expected position=..., after=<cube> or before=<cube>"},
      {hw, "topology show a b", 2, "at most: show <netdev>"},
  };
  for (const auto &row : rows) {
    SCOPED_TRACE("pcn " + row.command);
    clear();
    run_setup(row.setup);
    json before = snapshot();
    PcnRun r = pcn(row.command);
    EXPECT_EQ(r.rc, row.rc) << r.err;
    EXPECT_NE(r.err.find(row.names), std::string::npos) << r.err;
    EXPECT_EQ(r.err.find('\n'), std::string::npos) << r.err;  // one line
    EXPECT_EQ(r.out, "");
    EXPECT_EQ(snapshot(), before);
  }
}

// polycubectl's REST layout (/polycube/v1) is an alias of RESTCONF: each row
// is the upstream request and the RESTCONF request it stands for, from the
// same starting configuration; both must give the same status and leave
// the same configuration. A refused alias request changes nothing.
struct RestSpellings {
  std::string setup;
  std::string method, upstream, upstream_body;
  std::string restconf_method, restconf, restconf_body;
};

TEST_F(PolycubectlGrammar, UpstreamRestLayoutIsAnAliasOfRestconf) {
  const std::string hw = "helloworld add hw0; hw0 ports add p1; hw0 ports add p2";
  const std::vector<RestSpellings> rows = {
      {"", "POST", "/polycube/v1/helloworld/hw0/", "{}", "POST", "/restconf/data",
       R"({"helloworld:helloworld":[{"name":"hw0"}]})"},
      {"", "POST", "/polycube/v1/helloworld/hw0", R"({"action":"FORWARD"})", "POST", "/restconf/data",
       R"({"helloworld:helloworld":[{"name":"hw0","action":"FORWARD"}]})"},
      {"helloworld add hw0", "POST", "/polycube/v1/hw0/ports/p1/", R"({"peer":"$V1"})", "POST",
       "/restconf/data/helloworld:helloworld=hw0", R"({"helloworld:ports":[{"name":"p1","peer":"$V1"}]})"},
      {"helloworld add hw0", "POST", "/polycube/v1/helloworld/hw0/ports/p1", "", "POST",
       "/restconf/data/helloworld:helloworld=hw0", R"({"helloworld:ports":[{"name":"p1"}]})"},
      {hw, "PATCH", "/polycube/v1/helloworld/hw0/", R"({"action":"FORWARD"})", "PATCH",
       "/restconf/data/helloworld:helloworld=hw0", R"({"helloworld:helloworld":[{"name":"hw0","action":"FORWARD"}]})"},
      {hw, "PATCH", "/polycube/v1/hw0/ports/p1/peer/", R"("$V1")", "PATCH",
       "/restconf/data/helloworld:helloworld=hw0/ports=p1/peer", R"({"helloworld:peer":"$V1"})"},
      {hw, "PUT", "/polycube/v1/hw0/ports/p2", R"({"peer":"$V2"})", "PUT",
       "/restconf/data/helloworld:helloworld=hw0/ports=p2", R"({"helloworld:ports":[{"name":"p2","peer":"$V2"}]})"},
      {hw, "DELETE", "/polycube/v1/hw0/ports/p1/", "", "DELETE", "/restconf/data/helloworld:helloworld=hw0/ports=p1", ""},
      {hw, "DELETE", "/polycube/v1/helloworld/hw0/", "", "DELETE", "/restconf/data/helloworld:helloworld=hw0", ""},
      {"simplebridge add br1", "POST", "/polycube/v1/br1/fdb/flush/", "", "POST",
       "/restconf/data/simplebridge:simplebridge=br1/fdb/flush", R"({"simplebridge:input":{}})"},
      {hw, "POST", "/polycube/v1/connect", R"({"peer1":"hw0:p1","peer2":"hw0:p2"})", "POST",
       "/restconf/operations/polycube:connect", R"({"polycube:input":{"peer1":"hw0:p1","peer2":"hw0:p2"}})"},
      // refused alike
      {hw, "POST", "/polycube/v1/hw0/ports/p1/", "{}", "POST", "/restconf/data/helloworld:helloworld=hw0",
       R"({"helloworld:ports":[{"name":"p1"}]})"},
      {hw, "PATCH", "/polycube/v1/hw0/", R"({"action":"SIDEWAYS"})", "PATCH", "/restconf/data/helloworld:helloworld=hw0",
       R"({"helloworld:helloworld":[{"name":"hw0","action":"SIDEWAYS"}]})"},
      {hw, "DELETE", "/polycube/v1/hw0/ports/p9", "", "DELETE", "/restconf/data/helloworld:helloworld=hw0/ports=p9", ""},
      {hw, "GET", "/polycube/v1/hw0/colour", "", "GET", "/restconf/data/helloworld:helloworld=hw0/colour", ""},
  };
  for (const auto &row : rows) {
    SCOPED_TRACE(row.method + " " + row.upstream + "  vs  " + row.restconf_method + " " + row.restconf);
    RestReply reply[2];
    json state[2];
    for (int s = 0; s < 2; s++) {
      clear();
      run_setup(row.setup);
      json before = snapshot();
      reply[s] = s == 0 ? pcnd.raw(row.method, row.upstream, expand(row.upstream_body))
                        : pcnd.raw(row.restconf_method, row.restconf, expand(row.restconf_body));
      state[s] = snapshot();
      if (reply[s].status >= 400) {
        EXPECT_EQ(state[s], before) << reply[s].body;  // refused: nothing changed
      }
    }
    EXPECT_EQ(reply[0].status, reply[1].status) << reply[0].body << "\n" << reply[1].body;
    EXPECT_EQ(state[0], state[1]);
    if (reply[1].status >= 400) {  // the same RFC 8040 error
      EXPECT_EQ(json::parse(reply[0].body)["ietf-restconf:errors"]["error"][0]["error-tag"],
                json::parse(reply[1].body)["ietf-restconf:errors"]["error"][0]["error-tag"]);
    }
  }
}

TEST_F(PolycubectlGrammar, UpstreamRestGetsAnswerInUpstreamsShape) {
  run_setup("helloworld add hw0 action=FORWARD; hw0 ports add p1 peer=$V1");
  RestReply cube = pcnd.raw("GET", "/polycube/v1/helloworld/hw0/");
  ASSERT_EQ(cube.status, 200) << cube.body;
  json c = json::parse(cube.body);
  EXPECT_EQ(c["name"], "hw0");
  EXPECT_EQ(c["action"], "FORWARD");
  EXPECT_EQ(c["ports"][0]["peer"], v1);
  RestReply port = pcnd.raw("GET", "/polycube/v1/hw0/ports/p1");
  ASSERT_EQ(port.status, 200) << port.body;
  EXPECT_EQ(json::parse(port.body)["peer"], v1);
  EXPECT_EQ(json::parse(pcnd.raw("GET", "/polycube/v1/hw0/ports/p1/peer/").body), v1);
  json list = json::parse(pcnd.raw("GET", "/polycube/v1/helloworld").body);
  ASSERT_TRUE(list.is_array()) << list;
  EXPECT_EQ(list[0]["name"], "hw0");
  json cubes = json::parse(pcnd.raw("GET", "/polycube/v1/cubes").body);
  EXPECT_EQ(cubes["cube"][0]["name"], "hw0") << cubes;
  RestReply metrics = pcnd.raw("GET", "/polycube/v1/metrics");
  EXPECT_EQ(metrics.status, 200);
  EXPECT_NE(metrics.body.find("# TYPE"), std::string::npos) << metrics.body.substr(0, 200);
  EXPECT_EQ(pcnd.raw("GET", "/polycube/v1/nosuch/x").status, 404);
  EXPECT_EQ(pcnd.raw("GET", "/polycube/v1").status, 404);
}

}  // namespace
