// End-to-end through the daemon: polycubed runs as its own process, cubes
// are built with RESTCONF requests (curl), traffic crosses them, and a table
// of bad requests each gets its status and RFC 8040 error body while the
// configuration stays exactly as it was.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <functional>
#include <set>
#include <thread>
#include <nlohmann/json.hpp>

#include "daemon_process.h"
#include "testnet.h"
#include "udpflow.h"

using namespace pcntest;

namespace {

struct Reply {
  int status;
  std::string body;
};

// Service plugins the build produced (each folder of services/ gives one):
// the daemon must list every one of them.
size_t plugin_count() {
  return std::stoul(sh_out("ls " PCN_BUILD_DIR "/lib/polycube/pcn-service-*.so | wc -l"));
}

class Restconf : public ::testing::Test {
 protected:
  void SetUp() override {
    net.add_ns("a");
    net.add_ns("b");
    va = net.add_host("a", "va", "10.11.0.1/24");
    vb = net.add_host("b", "vb", "10.11.0.2/24");
    out = "/tmp/" + net.prefix() + "polycubed.out";
    state_dir = "/tmp/" + net.prefix() + "state";
    start_daemon();
  }
  void start_daemon() {
    daemon = std::make_unique<DaemonProcess>(state_dir);
    ASSERT_TRUE(daemon->start()) << "polycubed did not start";
    base = daemon->url() + "/restconf/data";
  }
  void TearDown() override {
    if (daemon) {
      EXPECT_TRUE(daemon->stop()) << "polycubed did not exit cleanly";
    }
    sh("rm -rf " + state_dir);
  }
  Reply rest(const std::string &method, const std::string &path, const std::string &body = "") {
    std::string bodyfile = out + ".req", respfile = out + ".resp";
    FILE *f = fopen(bodyfile.c_str(), "w");
    fwrite(body.data(), 1, body.size(), f);
    fclose(f);
    // A body is JSON by its Content-Type (curl would say form-urlencoded: 415).
    std::string code = sh_out("curl -s --noproxy '*' -H 'Content-Type: application/yang-data+json' -X " + method +
                              " --data-binary @" + bodyfile + " -o " +
                              respfile + " -w '%{http_code}' '" + base + path + "'");
    Reply r{std::atoi(code.c_str()), sh_out("cat " + respfile)};
    sh("rm -f " + bodyfile + " " + respfile);
    return r;
  }
  // Any reply of three: a failed ping just before may leave ARP backing off.
  bool ping() { return net.in("a", "ping -c 3 -i 0.3 -W 1 -q 10.11.0.2 >/dev/null") == 0; }

  TestNet net;
  std::string va, vb, out, base, state_dir;
  std::unique_ptr<DaemonProcess> daemon;
};

TEST_F(Restconf, CubesFromRequestsCarryTraffic) {
  std::string sb = R"({"simplebridge:simplebridge":[{"name":"sb1","ports":[{"name":"p1","peer":")" + va +
                   R"("},{"name":"p2","peer":")" + vb + R"("}]}]})";
  Reply r = rest("POST", "", sb);
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_TRUE(ping());
  r = rest("GET", "/simplebridge:simplebridge=sb1/ports=p2");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(nlohmann::json::parse(r.body)["simplebridge:ports"][0]["peer"], vb) << r.body;
  r = rest("PATCH", "/simplebridge:simplebridge=sb1", R"({"simplebridge:simplebridge":[{"name":"sb1","fdb":{"aging-time":42}}]})");
  EXPECT_EQ(r.status, 204) << r.body;
  EXPECT_EQ(rest("GET", "/simplebridge:simplebridge=sb1/fdb/aging-time").body, R"({"simplebridge:aging-time":42})");
  // Read-only data (the FDB) comes with GET; flush is a YANG action.
  r = rest("GET", "/simplebridge:simplebridge=sb1/fdb");
  EXPECT_EQ(nlohmann::json::parse(r.body)["simplebridge:fdb"]["entry"].size(), 2u) << r.body;
  EXPECT_EQ(rest("POST", "/simplebridge:simplebridge=sb1/fdb/flush").status, 204);
  EXPECT_EQ(nlohmann::json::parse(rest("GET", "/simplebridge:simplebridge=sb1/fdb").body)["simplebridge:fdb"].count("entry"),
            0u);
  EXPECT_EQ(rest("POST", "/simplebridge:simplebridge=sb1/fdb/explode").status, 404);
  EXPECT_EQ(rest("POST", "/simplebridge:simplebridge=ghost/fdb/flush").status, 404);
  r = rest("DELETE", "/simplebridge:simplebridge=sb1/ports=p2");
  EXPECT_EQ(r.status, 204) << r.body;
  EXPECT_FALSE(ping());
  EXPECT_EQ(rest("DELETE", "/simplebridge:simplebridge=sb1").status, 204);
  EXPECT_EQ(rest("GET", "").body, "{}");
  EXPECT_EQ(sh_out("tc qdisc show dev " + va + " | grep -c clsact"), "0");
}

TEST_F(Restconf, MetricsArePrometheusTextWithPortCounters) {
  ASSERT_EQ(rest("POST", "", R"({"simplebridge:simplebridge":[{"name":"sb1","ports":[{"name":"p1","peer":")" + va +
                                 R"("},{"name":"p2","peer":")" + vb + R"("}]}]})")
                .status,
            201);
  ASSERT_TRUE(ping());
  rest("GET", "/helloworld:helloworld=ghost");  // one error for the error counter
  std::string file = out + ".metrics";
  std::string root = base.substr(0, base.find("/restconf"));
  std::string code = sh_out("curl -s --noproxy '*' -o " + file + " -w '%{http_code} %{content_type}' " + root + "/metrics");
  EXPECT_EQ(code.substr(0, 3), "200");
  EXPECT_NE(code.find("text/plain"), std::string::npos) << code;
  std::string text = sh_out("cat " + file);
  EXPECT_NE(text.find("polycube_cubes 1"), std::string::npos) << text;
  // Three echo requests entered p1: at least 3 packets (plus ARP).
  auto pos = text.find("polycube_port_rx_packets_total{cube=\"sb1\",service=\"simplebridge\",port=\"p1\"} ");
  ASSERT_NE(pos, std::string::npos) << text;
  EXPECT_GE(std::atoi(text.c_str() + text.find("} ", pos) + 2), 3);
  EXPECT_NE(text.find("polycube_http_errors_total 1"), std::string::npos) << text;
  EXPECT_EQ(sh("promtool check metrics < " + file + " >/dev/null 2>&1"), 0) << sh_out("promtool check metrics < " + file + " 2>&1");
  sh("rm -f " + file);
}

TEST_F(Restconf, BadRequestsGetTheirStatusAndChangeNothing) {
  ASSERT_EQ(rest("POST", "", R"({"helloworld:helloworld":[{"name":"hw1","action":"FORWARD","ports":[{"name":"a","peer":")" +
                                 va + R"("},{"name":"b","peer":")" + vb + R"("}]}]})")
                .status,
            201);
  ASSERT_TRUE(ping());
  const std::string before = rest("GET", "?content=config").body;
  struct Case {
    const char *what, *method;
    std::string path, body;
    int status;
    const char *tag;
  } cases[] = {
      {"malformed JSON", "POST", "", R"({"helloworld:helloworld":[)", 400, "malformed-message"},
      {"unknown leaf", "PATCH", "", R"({"helloworld:helloworld":[{"name":"hw1","colour":1}]})", 400, "unknown-element"},
      {"bad enum", "PATCH", "", R"({"helloworld:helloworld":[{"name":"hw1","action":"FLY"}]})", 400, "invalid-value"},
      {"wrong type", "PATCH", "", R"({"simplebridge:simplebridge":[{"name":"s","fdb":{"aging-time":"x"}}]})", 400,
       "invalid-value"},
      {"out of range", "PATCH", "", R"({"simplebridge:simplebridge":[{"name":"s","fdb":{"aging-time":0}}]})", 400,
       "invalid-value"},
      {"missing key", "POST", "", R"({"helloworld:helloworld":[{"action":"DROP"}]})", 400, "invalid-value"},
      {"unknown module", "POST", "", R"({"nosuchmodule:nosuchmodule":[{"name":"r1"}]})", 400, "invalid-value"},
      {"duplicate cube", "POST", "", R"({"helloworld:helloworld":[{"name":"hw1"}]})", 409, "data-exists"},
      {"duplicate name, other service", "POST", "", R"({"simplebridge:simplebridge":[{"name":"hw1"}]})", 409,
       "data-exists"},
      {"unknown peer netdev", "POST", "",
       R"({"simplebridge:simplebridge":[{"name":"s2","ports":[{"name":"p","peer":"nope-dev0"}]}]})", 404,
       "invalid-value"},
      {"peer in use", "POST", "",
       R"({"simplebridge:simplebridge":[{"name":"s3","ports":[{"name":"p","peer":")" + va + R"("}]}]})", 409,
       "in-use"},
      {"too many ports", "PATCH", "", R"({"helloworld:helloworld":[{"name":"hw1","ports":[{"name":"c"}]}]})", 400,
       "invalid-value"},
      {"mode change", "PATCH", "", R"({"helloworld:helloworld":[{"name":"hw1","type":"XDP_SKB"}]})", 400,
       "invalid-value"},
      {"delete unknown cube", "DELETE", "/helloworld:helloworld=ghost", "", 404, "invalid-value"},
      {"get unknown cube", "GET", "/helloworld:helloworld=ghost", "", 404, "invalid-value"},
      {"unknown node in URL", "GET", "/helloworld:helloworld=hw1/colour", "", 400, "unknown-element"},
      {"bad percent-encoding", "GET", "/helloworld:helloworld=hw%zz", "", 400, "invalid-value"},
      {"wrong key count", "GET", "/helloworld:helloworld=a,b", "", 400, "invalid-value"},
      {"outside /restconf/data", "GET", "/../../etc", "", 404, "invalid-value"},  // curl resolves the dots
      {"method not allowed", "PUT", "", "{}", 405, "operation-not-supported"},
      {"unknown query parameter", "GET", "?filter=x", "", 400, "invalid-value"},
      {"depth out of range", "GET", "?depth=0", "", 400, "invalid-value"},
  };
  for (const auto &c : cases) {
    Reply r = rest(c.method, c.path, c.body);
    EXPECT_EQ(r.status, c.status) << c.what << ": " << r.body;
    auto doc = nlohmann::json::parse(r.body, nullptr, false);
    ASSERT_TRUE(doc.is_object()) << c.what << ": " << r.body;
    EXPECT_EQ(doc["ietf-restconf:errors"]["error"][0]["error-tag"], c.tag) << c.what << ": " << r.body;
    EXPECT_EQ(rest("GET", "?content=config").body, before) << c.what;
  }
  EXPECT_TRUE(ping());
}

TEST_F(Restconf, FrameworkModuleShowsCubesAndConnectGoesThroughTheConfiguration) {
  // ns a -- sb1 -- (connect) -- hw1 -- ns b
  ASSERT_EQ(rest("POST", "", R"({"simplebridge:simplebridge":[{"name":"sb1","ports":[{"name":"p1","peer":")" + va +
                                 R"("},{"name":"up"}]}],
                                 "helloworld:helloworld":[{"name":"hw1","action":"FORWARD","ports":[{"name":"in"},
                                   {"name":"out","peer":")" + vb + R"("}]}]})")
                .status,
            201);
  EXPECT_FALSE(ping());
  auto post_op = [&](const std::string &op, const std::string &input) {
    std::string saved = base;
    base = base.substr(0, base.find("/restconf/data")) + "/restconf/operations";
    Reply r = rest("POST", "/polycube:" + op, input);
    base = saved;
    return r;
  };
  Reply r = post_op("connect", R"({"polycube:input":{"peer1":"sb1:up","peer2":"hw1:in"}})");
  ASSERT_EQ(r.status, 204) << r.body;
  EXPECT_TRUE(ping());
  // Both cubes' configuration records the link (so it persists).
  EXPECT_EQ(nlohmann::json::parse(rest("GET", "/simplebridge:simplebridge=sb1/ports=up/peer").body)["simplebridge:peer"],
            "hw1:in");
  EXPECT_EQ(nlohmann::json::parse(rest("GET", "/helloworld:helloworld=hw1/ports=in/peer").body)["helloworld:peer"],
            "sb1:up");

  auto cubes = nlohmann::json::parse(rest("GET", "/polycube:cubes").body)["polycube:cubes"]["cube"];
  ASSERT_EQ(cubes.size(), 2u);
  for (const auto &c : cubes) {
    EXPECT_EQ(c["type"], "TC");
    ASSERT_EQ(c["blocks"].size(), 1u);
    EXPECT_GT(c["blocks"][0]["prog-id"].get<uint32_t>(), 0u);
    EXPECT_EQ(c["blocks"][0]["hook"], "ingress");
    if (c["name"] == "sb1") {
      EXPECT_EQ(c["service"], "simplebridge");
      EXPECT_EQ(c["ports"][1]["name"], "up");
      EXPECT_EQ(c["ports"][1]["peer"], "hw1:in");
    }
  }
  auto services = nlohmann::json::parse(rest("GET", "/polycube:services").body)["polycube:services"]["service"];
  EXPECT_EQ(services.size(), plugin_count());
  std::string netdevs = rest("GET", "/polycube:netdevs").body;
  bool found = false;
  auto netdev_doc = nlohmann::json::parse(netdevs);  // keep the document alive for the loop
  for (const auto &n : netdev_doc["polycube:netdevs"]["netdev"])
    found |= n["name"].get<std::string>() == va;
  EXPECT_TRUE(found) << va << " not in " << netdevs;

  const std::string before = rest("GET", "?content=config").body;
  EXPECT_EQ(post_op("connect", R"({"polycube:input":{"peer1":"sb1:p1","peer2":"hw1:in"}})").status, 409);
  EXPECT_EQ(post_op("connect", R"({"polycube:input":{"peer1":"sb1:nope","peer2":"hw1:in"}})").status, 404);
  EXPECT_EQ(post_op("connect", R"({"polycube:input":{"peer1":"sb1"}})").status, 400);
  EXPECT_EQ(post_op("connect", R"(not json)").status, 400);
  EXPECT_EQ(post_op("teleport", R"({"polycube:input":{}})").status, 404);
  EXPECT_EQ(rest("GET", "/polycube:nothing").status, 404);
  EXPECT_EQ(rest("DELETE", "/polycube:cubes").status, 405);
  EXPECT_EQ(rest("GET", "?content=config").body, before);
  EXPECT_TRUE(ping());

  r = post_op("disconnect", R"({"polycube:input":{"peer1":"hw1:in","peer2":"sb1:up"}})");
  EXPECT_EQ(r.status, 204) << r.body;
  EXPECT_FALSE(ping());
  auto after = nlohmann::json::parse(rest("GET", "/polycube:cubes").body);
  for (const auto &c : after["polycube:cubes"]["cube"])
    if (c["name"] == "sb1") {
      EXPECT_EQ(c["ports"][1].count("peer"), 0u) << c.dump();
    }
}

TEST_F(Restconf, KillDashNineKeepsForwardingAndTheConfiguration) {
  net.in("a", "ip neigh replace 10.11.0.2 lladdr $(ip netns exec " + net.ns("b") +
                  " cat /sys/class/net/eth0/address) dev eth0");
  net.in("b", "ip neigh replace 10.11.0.1 lladdr $(ip netns exec " + net.ns("a") +
                  " cat /sys/class/net/eth0/address) dev eth0");
  ASSERT_EQ(rest("POST", "", R"({"simplebridge:simplebridge":[{"name":"sb1","fdb":{"aging-time":77},"ports":[{"name":"p1","peer":")" +
                                 va + R"("},{"name":"p2","peer":")" + vb + R"("}]}]})")
                .status,
            201);
  ASSERT_TRUE(ping());
  // The configuration (learned FDB entries are state, rebuilt by traffic).
  const std::string before = rest("GET", "?content=config").body;
  ASSERT_NE(before.find("aging-time"), std::string::npos);

  UdpFlow flow(net.ns("a"), net.ns("b"), "10.11.0.2", 7100, 2500, 1000);  // ~2.5 s
  flow.start();
  std::this_thread::sleep_for(std::chrono::milliseconds(400));
  daemon->kill9();
  std::this_thread::sleep_for(std::chrono::milliseconds(400));  // no daemon at all
  start_daemon();                                               // restores, takes the netdevs over
  EXPECT_EQ(rest("GET", "?content=config").body, before);
  flow.finish();
  std::printf("restart under traffic: sent %llu received %llu\n", (unsigned long long)flow.sent(),
              (unsigned long long)flow.received());
  EXPECT_GT(flow.sent(), 1000u);
  EXPECT_EQ(flow.received(), flow.sent());
  EXPECT_TRUE(ping());
  // And the restored daemon is fully in charge: deleting works and cleans up.
  EXPECT_EQ(rest("DELETE", "/simplebridge:simplebridge=sb1").status, 204);
  EXPECT_FALSE(ping());
  EXPECT_EQ(sh_out("tc qdisc show dev " + va + " | grep -c clsact"), "0");
}

// Two bridges linked cube-to-cube, a transparent cube on each side: the
// whole graph survives kill -9 (traffic counted) and comes back from the
// state file exactly, links and attachments included.
TEST_F(Restconf, KillDashNineRestoresLinksAndAttachments) {
  net.in("a", "ip neigh replace 10.11.0.2 lladdr $(ip netns exec " + net.ns("b") +
                  " cat /sys/class/net/eth0/address) dev eth0");
  net.in("b", "ip neigh replace 10.11.0.1 lladdr $(ip netns exec " + net.ns("a") +
                  " cat /sys/class/net/eth0/address) dev eth0");
  std::string cfg = R"({"simplebridge:simplebridge":[
      {"name":"sb1","ports":[{"name":"p1","peer":")" + va + R"("},{"name":"p2","peer":"sb2:p1"}]},
      {"name":"sb2","loglevel":"DEBUG","ports":[{"name":"p1","peer":"sb1:p2"},{"name":"p2","peer":")" + vb + R"("}]}],
    "transparenthelloworld:transparenthelloworld":[
      {"name":"t1","attached-to":"sb1:p1"},{"name":"t2","attached-to":"sb2:p2","position":"first"}]})";
  Reply r = rest("POST", "", cfg);  // one write: the daemon orders creation before links
  ASSERT_EQ(r.status, 201) << r.body;
  ASSERT_TRUE(ping());
  const std::string config = rest("GET", "?content=config").body;
  const std::string topology = rest("GET", "/polycube:topology").body;
  auto topo = nlohmann::json::parse(topology)["polycube:topology"];
  EXPECT_EQ(topo["link"].size(), 3u) << topology;  // va, vb, sb1:p2-sb2:p1 once
  EXPECT_EQ(topo["attachment"].size(), 2u) << topology;

  UdpFlow flow(net.ns("a"), net.ns("b"), "10.11.0.2", 7101, 2500, 1000);
  flow.start();
  std::this_thread::sleep_for(std::chrono::milliseconds(400));
  daemon->kill9();
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  start_daemon();
  EXPECT_EQ(rest("GET", "?content=config").body, config);
  EXPECT_EQ(rest("GET", "/polycube:topology").body, topology);
  flow.finish();
  std::printf("two bridges, restart under traffic: sent %llu received %llu\n", (unsigned long long)flow.sent(),
              (unsigned long long)flow.received());
  EXPECT_GT(flow.sent(), 1000u);
  EXPECT_EQ(flow.received(), flow.sent());
  EXPECT_TRUE(ping());
  // In use: the linked bridge cannot go first.
  EXPECT_EQ(rest("DELETE", "/simplebridge:simplebridge=sb2").status, 409);
  EXPECT_EQ(rest("GET", "?content=config").body, config);
}

TEST_F(Restconf, AttachAndDetachThroughOperations) {
  ASSERT_EQ(rest("POST", "", R"({"simplebridge:simplebridge":[{"name":"sb1","ports":[{"name":"p1","peer":")" + va +
                                 R"("},{"name":"p2","peer":")" + vb + R"("}]}],
      "transparenthelloworld:transparenthelloworld":[{"name":"t1","ingress-action":"DROP"}]})")
                .status,
            201);
  ASSERT_TRUE(ping());
  auto op = [&](const std::string &name, const std::string &input) {
    std::string saved = base;
    base = daemon->url() + "/restconf/operations/polycube:";
    Reply r = rest("POST", name, R"({"polycube:input":)" + input + "}");
    base = saved;
    return r;
  };
  Reply r = op("attach", R"({"cube":"t1","port":"sb1:p1"})");
  ASSERT_EQ(r.status, 204) << r.body;
  EXPECT_FALSE(ping());  // t1 drops what enters sb1 from a
  auto t1 = nlohmann::json::parse(rest("GET", "/transparenthelloworld:transparenthelloworld=t1").body);
  EXPECT_EQ(t1["transparenthelloworld:transparenthelloworld"][0]["attached-to"], "sb1:p1") << t1.dump();
  auto cubes = nlohmann::json::parse(rest("GET", "/polycube:cubes").body);
  bool listed = false;
  for (const auto &c : cubes["polycube:cubes"]["cube"])
    if (c["name"] == "sb1")
      for (const auto &p : c["ports"])
        if (p["name"] == "p1") listed = p.value("transparent-cubes", nlohmann::json::array()) == nlohmann::json{"t1"};
  EXPECT_TRUE(listed) << cubes.dump();
  EXPECT_EQ(op("attach", R"({"cube":"t1","port":"sb1:p2"})").status, 409);   // already attached
  EXPECT_EQ(op("attach", R"({"cube":"sb1","port":"sb1:p2"})").status, 400);  // not transparent
  EXPECT_EQ(op("attach", R"({"cube":"nope","port":"sb1:p2"})").status, 404);
  EXPECT_EQ(op("detach", R"({"cube":"t1","port":"sb1:p2"})").status, 400);   // not there
  EXPECT_EQ(op("detach", R"({"cube":"t1"})").status, 400);
  r = op("detach", R"({"cube":"t1","port":"sb1:p1"})");
  ASSERT_EQ(r.status, 204) << r.body;
  EXPECT_TRUE(ping());
  EXPECT_EQ(rest("DELETE", "/transparenthelloworld:transparenthelloworld=t1").status, 204);
}

TEST_F(Restconf, PutDepthFieldsYangLibraryAndLogLevels) {
  const std::string cube = "/simplebridge:simplebridge=sb1";
  Reply r = rest("PUT", cube, R"({"simplebridge:simplebridge":[{"name":"sb1","fdb":{"aging-time":30},"ports":[{"name":"p1","peer":")" +
                                  va + R"("},{"name":"p2","peer":")" + vb + R"("}]}]})");
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_TRUE(ping());
  // content=nonconfig: the learned FDB (read-only) and the key, no config.
  auto state = nlohmann::json::parse(rest("GET", cube + "?content=nonconfig").body);
  const auto &inst = state["simplebridge:simplebridge"][0];
  EXPECT_EQ(inst["name"], "sb1") << state.dump();
  EXPECT_GE(inst["fdb"]["entry"].size(), 2u) << state.dump();
  EXPECT_FALSE(inst.contains("ports")) << state.dump();
  EXPECT_FALSE(inst["fdb"].contains("aging-time")) << state.dump();
  // PUT replaces: p2 and the aging time go, loglevel comes.
  r = rest("PUT", cube, R"({"simplebridge:simplebridge":[{"name":"sb1","loglevel":"TRACE","ports":[{"name":"p1","peer":")" +
                            va + R"("}]}]})");
  ASSERT_EQ(r.status, 204) << r.body;
  EXPECT_EQ(rest("GET", cube + "?content=config").body,
            R"({"simplebridge:simplebridge":[{"loglevel":"TRACE","name":"sb1","ports":[{"name":"p1","peer":")" + va +
                R"("}]}]})");
  EXPECT_FALSE(ping());
  EXPECT_EQ(rest("PUT", cube, R"({"simplebridge:simplebridge":[{"name":"other"}]})").status, 400);
  // Below a cube too (RFC 8040 4.4-4.6): POST a child, PUT and PATCH a node.
  r = rest("POST", cube, R"({"simplebridge:ports":[{"name":"p2","peer":")" + vb + R"("}]})");
  EXPECT_EQ(r.status, 201) << r.body;
  EXPECT_TRUE(ping());
  EXPECT_EQ(rest("PUT", cube + "/ports=p2", R"({"simplebridge:ports":[{"name":"p2"}]})").status, 204);  // peer gone
  EXPECT_FALSE(ping());
  EXPECT_EQ(rest("PATCH", cube + "/ports=p2", R"({"simplebridge:ports":[{"peer":")" + vb + R"("}]})").status, 204);
  EXPECT_TRUE(ping());
  EXPECT_EQ(rest("PUT", cube + "/fdb", R"({"simplebridge:fdb":{"aging-time":33}})").status, 204);  // non-presence: always there
  EXPECT_EQ(rest("GET", cube + "/fdb/aging-time").body, R"({"simplebridge:aging-time":33})");
  EXPECT_EQ(rest("DELETE", cube + "/ports=p2").status, 204);
  EXPECT_EQ(rest("DELETE", cube + "/fdb").status, 204);
  // depth and fields shape the answer; keys stay.
  EXPECT_EQ(rest("GET", cube + "?depth=1").body, R"({"simplebridge:simplebridge":[{"name":"sb1"}]})");
  EXPECT_EQ(rest("GET", cube + "?content=config&fields=ports(peer)").body,
            R"({"simplebridge:simplebridge":[{"name":"sb1","ports":[{"name":"p1","peer":")" + va + R"("}]}]})");
  EXPECT_EQ(rest("GET", cube + "?depth=0").status, 400);
  EXPECT_EQ(rest("GET", cube + "?fields=(").status, 400);
  EXPECT_EQ(rest("GET", cube + "?depth=abc").status, 400);
  // The yang library lists every service module and the framework's.
  auto lib = nlohmann::json::parse(rest("GET", "/ietf-yang-library:yang-library").body);
  std::set<std::string> names;
  for (const auto &m : lib["ietf-yang-library:yang-library"]["module-set"][0]["module"]) names.insert(m["name"]);
  for (const char *m : {"polycube", "helloworld", "simplebridge", "transparenthelloworld"})
    EXPECT_TRUE(names.count(m)) << m << " missing from " << lib.dump();
  // /openapi.json: generated from the loaded modules; every $ref resolves
  // and every operation has responses.
  std::string saved = base;
  base = daemon->url();
  Reply api = rest("GET", "/openapi.json");
  base = saved;
  ASSERT_EQ(api.status, 200);
  auto doc = nlohmann::json::parse(api.body);
  EXPECT_EQ(doc["openapi"], "3.0.3");
  EXPECT_TRUE(doc["paths"].contains("/restconf/data/simplebridge:simplebridge={simplebridge-name}/fdb/flush"));
  EXPECT_TRUE(doc["paths"].contains("/restconf/operations/polycube:attach"));
  std::function<void(const nlohmann::json &)> refs = [&](const nlohmann::json &j) {
    if (j.is_object()) {
      if (j.contains("$ref")) {
        std::string ref = j["$ref"];
        EXPECT_TRUE(doc["components"]["schemas"].contains(ref.substr(ref.rfind('/') + 1))) << ref;
      }
      for (const auto &[k, v] : j.items()) refs(v);
    } else if (j.is_array()) {
      for (const auto &v : j) refs(v);
    }
  };
  refs(doc);
  for (const auto &[path, ops] : doc["paths"].items())
    for (const auto &[verb, op] : ops.items())
      if (verb != "parameters") {
        EXPECT_TRUE(op.contains("responses")) << verb << " " << path;
      }
  // The services came from plugins.
  auto services = nlohmann::json::parse(rest("GET", "/polycube:services").body);
  EXPECT_EQ(services["polycube:services"]["service"].size(), plugin_count()) << services.dump();
  // Daemon log level at run time.
  EXPECT_EQ(rest("PATCH", "/polycube:daemon", R"({"polycube:daemon":{"loglevel":"DEBUG"}})").status, 204);
  EXPECT_EQ(nlohmann::json::parse(rest("GET", "/polycube:daemon").body)["polycube:daemon"]["loglevel"], "DEBUG");
  EXPECT_EQ(rest("PATCH", "/polycube:daemon", R"({"polycube:daemon":{"loglevel":"LOUD"}})").status, 400);
  EXPECT_EQ(rest("PATCH", cube, R"({"simplebridge:simplebridge":[{"name":"sb1","loglevel":"LOUD"}]})").status, 400);
}

// --log-format json: every line the daemon logs is one JSON object.
TEST(DaemonLogs, JsonFormatIsOneObjectPerLine) {
  std::string dir = "/tmp/pcn-jsonlog-" + std::to_string(getpid());
  std::string err = dir + ".err";
  int rc = std::system(("mkdir -p " + dir + " && timeout --preserve-status -s TERM 2 " PCN_BUILD_DIR "/bin/polycubed --port 0 --state-dir " +
                        dir + " --log-format json --log-level debug >/dev/null 2>" + err)
                           .c_str());
  EXPECT_EQ(WEXITSTATUS(rc), 0) << "polycubed should exit cleanly on SIGTERM";
  FILE *f = fopen(err.c_str(), "r");
  ASSERT_NE(f, nullptr);
  char line[4096];
  int lines = 0;
  bool listening = false;
  while (fgets(line, sizeof line, f)) {
    auto j = nlohmann::json::parse(line, nullptr, false);
    ASSERT_TRUE(j.is_object()) << line;
    for (const char *k : {"time", "level", "logger", "msg"}) EXPECT_TRUE(j.contains(k)) << k << " in " << line;
    listening |= j.value("msg", "").find("listening on") != std::string::npos;
    lines++;
  }
  fclose(f);
  EXPECT_GE(lines, 3);
  EXPECT_TRUE(listening);
  std::system(("rm -rf " + dir + " " + err).c_str());
  // A format it does not know is refused before anything starts.
  EXPECT_EQ(WEXITSTATUS(std::system(PCN_BUILD_DIR "/bin/polycubed --log-format xml 2>/dev/null")), 2);
}

// The loopback device is never a port peer nor an attachment point: hooking
// it would capture the host's local traffic, the daemon's API included. The
// daemon runs in a namespace of the test's, so the `lo` tried is the test's.
TEST(Loopback, IsNeverAPeerNorAnAttachmentPoint) {
  TestNet net;
  std::string ns = net.add_ns("lo");
  std::string dir = "/tmp/" + net.prefix() + "lostate", log = dir + ".log";
  sh("mkdir -p " + dir);
  sh("ip netns exec " + ns + " timeout --preserve-status -s TERM 20 " PCN_BUILD_DIR
     "/bin/polycubed --port 9000 --state-dir " + dir + " >" + log + " 2>&1 &");
  for (int i = 0; i < 100 && sh_out("grep -c listening " + log + " 2>/dev/null") != "1"; i++)
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  auto pcn = [&](const std::string &args) {
    return sh_out("ip netns exec " + ns + " " PCN_BUILD_DIR "/bin/pcn " + args + " </dev/null 2>&1; echo rc=$?");
  };
  EXPECT_NE(pcn("simplebridge add b1").find("rc=0"), std::string::npos);
  std::string r = pcn("b1 ports add p1 peer=lo");
  EXPECT_NE(r.find("loopback"), std::string::npos) << r;
  EXPECT_NE(r.find("rc=1"), std::string::npos) << r;
  EXPECT_NE(pcn("transparenthelloworld add t1").find("rc=0"), std::string::npos);
  r = pcn("attach t1 lo");
  EXPECT_NE(r.find("loopback"), std::string::npos) << r;
  EXPECT_EQ(sh_out("ip netns exec " + ns + " tc qdisc show dev lo | grep -c clsact"), "0");
  EXPECT_NE(pcn("b1 show -json").find("\"name\": \"b1\"\n    }"), std::string::npos);  // no port was added
  EXPECT_EQ(net.in("lo", "ping -c 1 -W 1 -q 127.0.0.1 >/dev/null"), 0);
  sh("ip netns pids " + ns + " | xargs -r kill -TERM; sleep 0.5; rm -rf " + dir + " " + log);
}

}  // namespace
