// Configuration versions end to end (issue 14): polycubed as its own
// process, driven with pcn and RESTCONF. Every committed write is a version
// (listed with its time, message and cubes, kept across restarts, bounded);
// diff per cube and per leaf; rollback as one write, checked with traffic
// through a bridge and a 1,000-rule firewall; confirmed commits reverted
// when not confirmed in time, also when the deadline passes while the
// daemon is down; export, apply and its dry run; bad input to every new
// endpoint refused with nothing changed.
#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <nlohmann/json.hpp>
#include <thread>

#include "daemon_process.h"
#include "pcnd.h"
#include "testnet.h"

using namespace pcntest;
using nlohmann::json;

namespace {

const std::string kOps = "/restconf/operations/polycube:";

class Versions : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(pcnd.start()); }
  void TearDown() override {
    EXPECT_TRUE(pcnd.stop());
    for (const auto &f : files) std::remove(f.c_str());
  }

  std::string ok(const std::string &args, const std::string &input = "") {
    PcnRun r = pcnd.pcn(args, input);
    EXPECT_EQ(r.rc, 0) << "pcn " << args << ": " << r.err;
    return r.out;
  }
  // pcn must fail with one line on stderr holding `says`.
  void fails(const std::string &args, const std::string &says) {
    PcnRun r = pcnd.pcn(args);
    EXPECT_NE(r.rc, 0) << "pcn " << args << " succeeded: " << r.out;
    EXPECT_NE(r.err.find(says), std::string::npos) << "pcn " << args << ": " << r.err;
  }
  json versions() {
    RestReply r = pcnd.rest("GET", "/polycube:versions");
    EXPECT_EQ(r.status, 200) << r.body;
    return json::parse(r.body)["polycube:versions"];
  }
  uint64_t current() { return versions()["current"].get<uint64_t>(); }
  json newest() { return versions()["version"][0]; }
  std::string config() {
    RestReply r = pcnd.rest("GET", "?content=config");
    EXPECT_EQ(r.status, 200) << r.body;
    return r.body;
  }
  bool exists(const std::string &path) { return pcnd.rest("GET", path).status == 200; }
  std::string file(const std::string &name, const std::string &text) {
    std::string path = "/tmp/" + net.prefix() + name;
    std::ofstream(path) << text;
    files.push_back(path);
    return path;
  }

  TestNet net;
  Pcnd pcnd{net.prefix() + "ver"};
  std::vector<std::string> files;
};

// With two hosts: a -- sb1 -- b, fw1 on sb1:p1.
class VersionsTraffic : public Versions {
 protected:
  void SetUp() override {
    net.add_ns("a");
    net.add_ns("b");
    va = net.add_host("a", "va", "10.41.0.1/24");
    vb = net.add_host("b", "vb", "10.41.0.2/24");
    Versions::SetUp();
    ok("simplebridge add sb1");
    ok("sb1 ports add p1 peer=" + va);
    ok("sb1 ports add p2 peer=" + vb);
    ok("firewall add fw1");
    ok("attach fw1 sb1:p1");
  }
  bool ping(int count = 2) {
    return net.in("a", "ping -c " + std::to_string(count) + " -i 0.2 -W 1 -q 10.41.0.2 >/dev/null") == 0;
  }
  std::string va, vb;
};


TEST_F(VersionsTraffic, RollbackOfA1000RuleFirewallAndADeletedBridgeRestoresForwarding) {
  ASSERT_TRUE(ping());
  json rules = json::array();
  for (int i = 0; i < 1000; i++)
    rules.push_back({{"id", i}, {"src", "10.200." + std::to_string(i / 250) + "." + std::to_string(i % 250) + "/32"}, {"action", "DROP"}});
  RestReply batch = pcnd.rest("POST", "/firewall:firewall=fw1/chain=INGRESS/batch", json{{"firewall:input", {{"rules", rules}}}}.dump());
  ASSERT_EQ(batch.status, 200) << batch.body;
  const uint64_t with_rules = current();
  const std::string config_with_rules = config();
  EXPECT_TRUE(ping());

  ok("--message 'block ICMP' fw1 chain INGRESS append src=10.41.0.1/32 l4proto=ICMP action=DROP");
  EXPECT_FALSE(ping());
  json v = newest();
  EXPECT_EQ(v["number"], with_rules + 1);
  EXPECT_EQ(v["message"], "block ICMP");
  EXPECT_EQ(v["cubes"], json::array({"fw1"}));
  EXPECT_FALSE(v["time"].get<std::string>().empty());

  // The diff names the one rule, by its position, with its fields.
  RestReply d = pcnd.raw("POST", kOps + "diff", json{{"polycube:input", {{"from", with_rules}}}}.dump());
  ASSERT_EQ(d.status, 200) << d.body;
  json cubes = json::parse(d.body)["polycube:output"]["cube"];
  ASSERT_EQ(cubes.size(), 1u) << d.body;
  EXPECT_EQ(cubes[0]["name"], "fw1");
  EXPECT_EQ(cubes[0]["op"], "update");
  ASSERT_EQ(cubes[0]["change"].size(), 1u) << d.body;
  EXPECT_EQ(cubes[0]["change"][0]["path"], "chain=INGRESS/rule=1000");
  EXPECT_FALSE(cubes[0]["change"][0].contains("old"));
  EXPECT_NE(cubes[0]["change"][0]["new"].get<std::string>().find("10.41.0.1/32"), std::string::npos);
  std::string shown = ok("diff " + std::to_string(with_rules));
  EXPECT_NE(shown.find("update  firewall fw1"), std::string::npos) << shown;
  EXPECT_NE(shown.find("+ chain=INGRESS/rule=1000"), std::string::npos) << shown;

  std::string back = ok("rollback " + std::to_string(with_rules));
  EXPECT_NE(back.find("now version " + std::to_string(with_rules + 2)), std::string::npos) << back;
  EXPECT_TRUE(ping());
  EXPECT_EQ(config(), config_with_rules);
  EXPECT_EQ(newest()["message"], "rollback to version " + std::to_string(with_rules));

  // Two writes undone at once: the bridge comes back with its ports, fw1
  // attached to it again with its 1,000 rules.
  ok("detach fw1 sb1:p1");
  ok("simplebridge del sb1");
  EXPECT_FALSE(ping(1));
  ok("rollback " + std::to_string(with_rules));
  EXPECT_EQ(config(), config_with_rules);
  EXPECT_TRUE(ping());
  // And forward again, to the version with the ICMP rule.
  ok("rollback " + std::to_string(with_rules + 1));
  EXPECT_FALSE(ping());
}

// A routed topology: a -- r1 -- sb1 -- b, fw1 (1,000 rules) on r1:p1.
class VersionsRouted : public Versions {
 protected:
  void SetUp() override {
    net.add_ns("a");
    net.add_ns("b");
    va = net.add_host("a", "va", "10.52.1.2/24");
    vb = net.add_host("b", "vb", "10.52.2.2/24");
    ASSERT_EQ(net.in("a", "ip route add default via 10.52.1.1"), 0);
    ASSERT_EQ(net.in("b", "ip route add default via 10.52.2.1"), 0);
    Versions::SetUp();
  }
  bool ping(int count = 3) { return net.in("a", "ping -c " + std::to_string(count) + " -i 0.2 -W 1 -q 10.52.2.2 >/dev/null") == 0; }
  std::string va, vb;
};

TEST_F(VersionsRouted, RollbackOfARouterBridgeAndFirewallTopologyRestoresForwarding) {
  ok("router add r1");
  ok("r1 ports add p1 ip=10.52.1.1/24 peer=" + va);
  ok("r1 ports add p2 ip=10.52.2.1/24");
  ok("simplebridge add sb1");
  ok("sb1 ports add p1 peer=" + vb);
  ok("sb1 ports add p2");
  ok("connect r1:p2 sb1:p2");
  ok("firewall add fw1");
  ok("attach fw1 r1:p1");
  json rules = json::array();
  for (int i = 0; i < 1000; i++)
    rules.push_back({{"id", i}, {"src", "10.201." + std::to_string(i / 250) + "." + std::to_string(i % 250) + "/32"}, {"action", "DROP"}});
  ASSERT_EQ(pcnd.rest("POST", "/firewall:firewall=fw1/chain=INGRESS/batch", json{{"firewall:input", {{"rules", rules}}}}.dump()).status, 200);
  ASSERT_TRUE(ping());
  const uint64_t good = current();
  const std::string good_config = config();

  // A bad afternoon: the link cut, a rule that drops ICMP, the router's
  // second port gone.
  ok("disconnect r1:p2 sb1:p2");
  ok("fw1 chain INGRESS insert id=0 src=10.52.1.2/32 l4proto=ICMP action=DROP");
  ok("r1 ports del p2");
  EXPECT_FALSE(ping(1));
  std::string back = ok("rollback " + std::to_string(good));
  EXPECT_NE(back.find("update  router r1"), std::string::npos) << back;
  EXPECT_EQ(config(), good_config);
  EXPECT_TRUE(ping());
}

TEST_F(Versions, NumbersAndHistorySurviveRestartsAndRollbackCrossesThem) {
  ok("helloworld add hw1");
  const uint64_t v1 = current();
  const std::string config1 = config();
  ok("--message second helloworld add hw2");
  json before = versions();
  ASSERT_TRUE(pcnd.stop());
  ASSERT_TRUE(pcnd.start());
  json after = versions();
  EXPECT_EQ(after["current"], before["current"]);
  EXPECT_EQ(after["version"], before["version"]);  // numbers, times, messages, cubes
  ok("helloworld add hw3");
  EXPECT_EQ(current(), before["current"].get<uint64_t>() + 1);
  pcnd.kill9();
  ASSERT_TRUE(pcnd.start());
  EXPECT_EQ(current(), before["current"].get<uint64_t>() + 1);
  ok("rollback " + std::to_string(v1));
  EXPECT_EQ(config(), config1);
  EXPECT_FALSE(exists("/helloworld:helloworld=hw3"));
  // Listed by pcn, newest first, the current one marked.
  std::string table = ok("versions");
  EXPECT_NE(table.find("*" + std::to_string(current())), std::string::npos) << table;
  EXPECT_NE(table.find("second"), std::string::npos) << table;
  RestReply one = pcnd.rest("GET", "/polycube:versions/version=" + std::to_string(v1));
  ASSERT_EQ(one.status, 200) << one.body;
  EXPECT_EQ(json::parse(one.body)["polycube:version"][0]["cubes"], json::array({"hw1"}));
}

TEST_F(Versions, ConfirmedCommitIsRevertedUnlessConfirmed) {
  const uint64_t v0 = current();
  ok("--confirm 2 helloworld add hw1");
  EXPECT_TRUE(exists("/helloworld:helloworld=hw1"));
  json pending = versions()["pending-confirm"];
  EXPECT_EQ(pending["version"], v0 + 1);
  EXPECT_EQ(pending["revert-to"], v0);
  EXPECT_NE(ok("versions").find("pcn confirm"), std::string::npos);
  auto until = std::chrono::steady_clock::now() + std::chrono::seconds(6);
  while (exists("/helloworld:helloworld=hw1") && std::chrono::steady_clock::now() < until)
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_FALSE(exists("/helloworld:helloworld=hw1"));
  json v = versions();
  EXPECT_FALSE(v.contains("pending-confirm"));
  EXPECT_EQ(v["current"], v0 + 2);
  EXPECT_NE(v["version"][0]["message"].get<std::string>().find("not confirmed in time"), std::string::npos) << v.dump();

  // Confirmed in time: it stays.
  ok("--confirm 30 helloworld add hw2");
  ok("confirm");
  EXPECT_FALSE(versions().contains("pending-confirm"));
  EXPECT_TRUE(exists("/helloworld:helloworld=hw2"));
  fails("confirm", "no confirmed commit");

  // Two confirmed writes, then cancelled: both go at once.
  const uint64_t before = current();
  ok("--confirm 30 helloworld add hw3");
  ok("--confirm 30 helloworld add hw4");
  EXPECT_EQ(versions()["pending-confirm"]["revert-to"], before);
  std::string out = ok("cancel-commit");
  EXPECT_NE(out.find("cancelled"), std::string::npos) << out;
  EXPECT_FALSE(exists("/helloworld:helloworld=hw3"));
  EXPECT_FALSE(exists("/helloworld:helloworld=hw4"));
  EXPECT_TRUE(exists("/helloworld:helloworld=hw2"));
  EXPECT_FALSE(versions().contains("pending-confirm"));
}

TEST_F(VersionsTraffic, ConfirmedCommitExpiredWhileTheDaemonWasDownIsRevertedAtStart) {
  ASSERT_TRUE(ping());
  const std::string config0 = config();
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(2);
  ok("--confirm 2 fw1 chain INGRESS append src=10.41.0.1/32 l4proto=ICMP action=DROP");
  EXPECT_FALSE(ping(1));
  ASSERT_TRUE(pcnd.stop());
  std::this_thread::sleep_until(deadline + std::chrono::milliseconds(500));
  ASSERT_TRUE(pcnd.start());
  EXPECT_EQ(config(), config0);
  EXPECT_TRUE(ping());
  json v = versions();
  EXPECT_FALSE(v.contains("pending-confirm"));
  EXPECT_NE(v["version"][0]["message"].get<std::string>().find("daemon restarted"), std::string::npos) << v.dump();

  // Still in its window after a restart (SIGKILL this time): it waits, and
  // a confirmation keeps it for good.
  ok("--confirm 60 fw1 chain INGRESS append src=10.41.0.1/32 l4proto=ICMP action=DROP");
  pcnd.kill9();
  ASSERT_TRUE(pcnd.start());
  json pending = versions()["pending-confirm"];
  EXPECT_GT(pending["seconds-left"].get<int>(), 0) << pending.dump();
  EXPECT_FALSE(ping(1));
  ok("confirm");
  ASSERT_TRUE(pcnd.stop());
  ASSERT_TRUE(pcnd.start());
  EXPECT_FALSE(versions().contains("pending-confirm"));
  EXPECT_FALSE(ping(1));
}

TEST_F(Versions, ExportThenApplyWithDryRunAndIdempotence) {
  ok("simplebridge add sb1");
  ok("sb1 ports add p1");
  ok("helloworld add hw1 action=FORWARD");
  ok("firewall add fw1");
  ok("fw1 chain INGRESS append src=10.0.0.1/32 action=DROP");
  ok("fw1 chain INGRESS append dst=10.0.0.2/32 action=DROP");
  const std::string exported = ok("export");
  const std::string config0 = config();
  const std::string topo = file("topo.yaml", exported);

  // Drift: a cube deleted, one added, a leaf changed, a rule deleted.
  ok("helloworld del hw1");
  ok("helloworld add hw2");
  ASSERT_EQ(pcnd.rest("PATCH", "/simplebridge:simplebridge=sb1", R"({"simplebridge:simplebridge":[{"name":"sb1","fdb":{"aging-time":77}}]})").status, 204);
  ASSERT_EQ(pcnd.rest("DELETE", "/firewall:firewall=fw1/chain=INGRESS/rule=0").status, 204);
  const uint64_t v = current();
  const std::string drifted = config();

  std::string plan = ok("apply -f " + topo + " --dry-run");
  EXPECT_NE(plan.find("create  helloworld hw1"), std::string::npos) << plan;
  EXPECT_NE(plan.find("delete  helloworld hw2"), std::string::npos) << plan;
  EXPECT_NE(plan.find("update  simplebridge sb1"), std::string::npos) << plan;
  EXPECT_NE(plan.find("fdb/aging-time: 77"), std::string::npos) << plan;
  EXPECT_NE(plan.find("update  firewall fw1"), std::string::npos) << plan;
  EXPECT_NE(plan.find("dry run: nothing changed"), std::string::npos) << plan;
  EXPECT_EQ(current(), v);
  EXPECT_EQ(config(), drifted);

  std::string applied = ok("--message 'from topo.yaml' apply -f " + topo);
  EXPECT_NE(applied.find("applied: now version " + std::to_string(v + 1)), std::string::npos) << applied;
  EXPECT_EQ(config(), config0);
  EXPECT_EQ(newest()["message"], "from topo.yaml");
  // The same file again: nothing to do, no version.
  EXPECT_NE(ok("apply -f " + topo).find("nothing to change"), std::string::npos);
  EXPECT_EQ(current(), v + 1);
  // JSON works too, on stdin.
  ok("helloworld del hw1");
  ok("apply -f -", ok("export -json"));  // the export of the state without hw1: nothing to change
  EXPECT_FALSE(exists("/helloworld:helloworld=hw1"));
  ok("apply -f -", exported);
  EXPECT_EQ(config(), config0);
  // An empty file deletes everything.
  ok("apply -f " + file("empty.yaml", "# no cubes\n{}\n"));
  EXPECT_EQ(json::parse(config()), json::object());
}

TEST_F(Versions, BadInputToEveryNewEndpointChangesNothing) {
  ok("helloworld add hw1");
  ok("helloworld add hw2");
  const uint64_t v = current();
  const std::string config0 = config();

  fails("rollback 999999", "no version 999999");
  fails("rollback abc", "must be a version number");
  fails("rollback -1", "must be a version number");
  fails("rollback " + std::to_string(v), "nothing to roll back");
  fails("rollback", "usage: pcn rollback V");
  fails("diff", "usage: pcn diff");
  fails("diff 1 2 3", "usage: pcn diff");
  fails("diff 0x10", "must be a version number");
  fails("diff 99999", "no version 99999");
  fails("confirm", "no confirmed commit");
  fails("cancel-commit", "no confirmed commit");
  fails("confirm now", "takes no more words");
  fails("--confirm 0 helloworld add hw9", "--confirm takes 1..86400 seconds");
  fails("--confirm soon helloworld add hw9", "--confirm takes 1..86400 seconds");
  fails("--message \"$(printf 'two\\nlines')\" helloworld add hw9", "control character");
  fails("export extra", "takes no more words");
  fails("apply", "usage: pcn apply -f FILE");
  fails("apply -f /nonexistent/topo.yaml", "cannot read /nonexistent/topo.yaml");
  fails("apply -f " + file("bad1.yaml", "{{{ not: yaml"), "bad1.yaml is neither JSON nor YAML");
  fails("apply -f " + file("bad2.yaml", "- a list\n"), "must be an object");
  fails("apply -f " + file("bad3.yaml", "nosuch:nosuch:\n  - name: x\n"), "names no service");
  fails("apply -f " + file("bad4.yaml", "helloworld:helloworld:\n  - name: hw1\n    action: EXPLODE\n"), "EXPLODE");
  fails("apply -f " + file("bad5.yaml", "helloworld:helloworld:\n  - name: hw1\n  - name: hw1\n"), "named twice");
  fails("apply -f " + file("bad6.yaml", "helloworld:helloworld:\n  - action: DROP\n"), "needs a name");
  fails("apply --dry-run -f " + file("bad7.yaml", "helloworld:helloworld:\n  - name: hw1\n    nosuchleaf: 1\n"), "nosuchleaf");

  struct Case {
    std::string target, body;
    int status;
  };
  const std::string hw9 = R"({"helloworld:helloworld":[{"name":"hw9"}]})";
  for (const Case &c : std::vector<Case>{
           {"/restconf/data?confirm-timeout=0", hw9, 400},
           {"/restconf/data?confirm-timeout=86401", hw9, 400},
           {"/restconf/data?confirm-timeout=-5", hw9, 400},
           {"/restconf/data?confirm-timeout=", hw9, 400},
           {"/restconf/data?confirm-timeout=5&confirm-timeout=5", hw9, 400},
           {kOps + "rollback", "{", 400},
           {kOps + "rollback", "[]", 400},
           {kOps + "rollback", R"({"polycube:input":{}})", 400},
           {kOps + "rollback", R"({"polycube:input":{"version":-1}})", 400},
           {kOps + "rollback", R"({"polycube:input":{"version":1.5}})", 400},
           {kOps + "rollback", R"({"polycube:input":{"version":"1e3"}})", 400},
           {kOps + "rollback", R"({"polycube:input":{"version":4294967296}})", 400},
           {kOps + "rollback", R"({"polycube:input":{"version":1,"force":true}})", 400},
           {kOps + "rollback", R"({"polycube:input":{"version":123456}})", 404},
           {kOps + "rollback?confirm-timeout=abc", R"({"polycube:input":{"version":1}})", 400},
           {kOps + "confirm", "", 409},
           {kOps + "confirm", R"({"polycube:input":{"x":1}})", 400},
           {kOps + "confirm?confirm-timeout=5", "", 400},
           {kOps + "cancel-commit", "", 409},
           {kOps + "diff", R"({"polycube:input":{"to":1}})", 400},
           {kOps + "diff", R"({"polycube:input":{"from":"x"}})", 400},
           {kOps + "apply", R"({"polycube:input":{}})", 400},
           {kOps + "apply", R"({"polycube:input":{"configuration":[]}})", 400},
           {kOps + "apply", R"({"polycube:input":{"configuration":{},"dry-run":"yes"}})", 400},
           {kOps + "apply", R"({"polycube:input":{"configuration":{"polycube:cubes":[]}}})", 400},
           {kOps + "apply", R"({"polycube:input":{"configuration":{"helloworld:helloworld":{"name":"x"}}}})", 400},
           {kOps + "apply", R"({"polycube:input":{"configuration":{"helloworld:helloworld":[{"name":"hw1","ports":[{"name":"p1","peer":"nosuchcube:p1"}]}]}}})", 0},
       }) {
    RestReply r = pcnd.raw("POST", c.target, c.body);
    if (c.status) EXPECT_EQ(r.status, c.status) << c.target << " " << c.body << ": " << r.body;
    else EXPECT_TRUE(r.status >= 400 && r.status < 500) << c.target << " " << c.body << ": " << r.status << " " << r.body;
    EXPECT_NE(r.body.find("ietf-restconf:errors"), std::string::npos) << c.target << " " << c.body << ": " << r.body;
  }
  EXPECT_EQ(pcnd.rest("GET", "/polycube:versions/version=999999").status, 404);
  EXPECT_EQ(current(), v);
  EXPECT_EQ(config(), config0);
  EXPECT_FALSE(versions().contains("pending-confirm"));
}

TEST(VersionsBounded, HistoryKeepsTheNewestVersionsOnly) {
  // Its own daemon: Pcnd starts polycubed with the default flags.
  TestNet net;
  const std::string state = "/tmp/" + net.prefix() + "bounded";
  DaemonProcess daemon(state, {"--versions-kept", "3"});
  ASSERT_TRUE(daemon.start());
  auto pcn = [&](const std::string &args) {
    std::string out = sh_out("PCN_URL=" + daemon.url() + " " PCN_BUILD_DIR "/bin/pcn " + args + " 2>&1; echo \"rc=$?\"");
    return std::make_pair(std::atoi(out.c_str() + out.rfind("rc=") + 3), out.substr(0, out.rfind("rc=")));
  };
  auto versions = [&] { return json::parse(pcn("versions -json").second)["polycube:versions"]; };
  for (int i = 0; i < 5; i++) EXPECT_EQ(pcn("helloworld add hw" + std::to_string(i)).first, 0);
  json v = versions();
  const uint64_t now = v["current"];
  ASSERT_EQ(v["version"].size(), 3u) << v.dump();
  EXPECT_EQ(v["oldest"], now - 2);
  EXPECT_EQ(v["kept"], 3);
  auto refused = pcn("rollback " + std::to_string(now - 3));
  EXPECT_NE(refused.first, 0);
  EXPECT_NE(refused.second.find("no longer kept"), std::string::npos) << refused.second;
  ASSERT_TRUE(daemon.stop());
  ASSERT_TRUE(daemon.start());
  EXPECT_EQ(versions()["version"].size(), 3u);
  EXPECT_EQ(pcn("rollback " + std::to_string(now - 2)).first, 0);
  json cubes = json::parse(pcn("cubes -json").second);
  EXPECT_EQ(cubes.dump().find("hw4"), std::string::npos) << cubes.dump();
  EXPECT_EQ(cubes.dump().find("hw3"), std::string::npos) << cubes.dump();
  EXPECT_NE(cubes.dump().find("hw2"), std::string::npos) << cubes.dump();
  EXPECT_TRUE(daemon.stop());
  sh("rm -rf " + state);
}

}  // namespace
