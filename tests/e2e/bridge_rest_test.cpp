// End-to-end through polycubed: the bridge commands of the issue typed with
// `pcn`, four namespaces pinging each other through one bridge, the
// filtering database read back with a RESTCONF GET, and bad input refused
// with 400 and an RFC 8040 body while nothing changes.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "pcnd.h"
#include "testnet.h"

using namespace pcntest;

namespace {

using Reply = RestReply;

class BridgeRest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (int i = 1; i <= 5; i++) {
      std::string h = "h" + std::to_string(i);
      net.add_ns(h);
      v.push_back(net.add_host(h, "v" + std::to_string(i), "10.63.0." + std::to_string(i) + "/24", mac_of(i)));
    }
    ASSERT_TRUE(pcnd.start());
  }
  void TearDown() override { EXPECT_TRUE(pcnd.stop()); }
  static std::string mac_of(int i) { return "02:00:00:00:0d:0" + std::to_string(i); }
  // Runs pcn; returns its exit status, stdout in `out`.
  int pcn(const std::string &args, std::string *out = nullptr) {
    PcnRun r = pcnd.pcn(args);
    if (out) *out = r.out;
    return r.rc;
  }
  Reply rest(const std::string &method, const std::string &path, const std::string &body = "") {
    return pcnd.rest(method, path, body);
  }
  bool ping(int from, int to) {
    return net.in("h" + std::to_string(from), "ping -c 2 -i 0.2 -W 1 -q 10.63.0." + std::to_string(to) + " >/dev/null") == 0;
  }
  // "vlan/mac/port/type" rows of GET .../fdb.
  std::vector<std::string> fdb_rows() {
    Reply r = rest("GET", "/bridge:bridge=br1/fdb");
    EXPECT_EQ(r.status, 200) << r.body;
    std::vector<std::string> rows;
    auto j = nlohmann::json::parse(r.body, nullptr, false);
    EXPECT_FALSE(j.is_discarded()) << r.body;
    if (j.is_discarded() || !j.contains("bridge:fdb")) return rows;  // {}: no entries
    for (const auto &e : j["bridge:fdb"].value("entry", nlohmann::json::array()))
      rows.push_back(std::to_string(e["vlan"].get<int>()) + "/" + e["address"].get<std::string>() + "/" +
                     e["port"].get<std::string>() + "/" + e["type"].get<std::string>());
    return rows;
  }

  TestNet net;
  std::vector<std::string> v;
  Pcnd pcnd{net.prefix() + "br"};
};

TEST_F(BridgeRest, IssueCommandsFullMeshPingAndFdbOverRest) {
  ASSERT_EQ(pcn("bridge add br1"), 0);
  ASSERT_EQ(pcn("br1 ports add p1 peer=" + v[0] + " mode=access vlan=10"), 0);
  ASSERT_EQ(pcn("br1 ports add p2 peer=" + v[1] + " mode=access vlan=10"), 0);
  ASSERT_EQ(pcn("br1 ports add p3 peer=" + v[2] + " mode=access vlan=10"), 0);
  ASSERT_EQ(pcn("br1 ports add p4 peer=" + v[3] + " mode=access vlan=10"), 0);
  // A trunk as the issue writes it (comma-separated leaf-list).
  ASSERT_EQ(pcn("br1 ports add p5 peer=" + v[4] + " mode=trunk allowed=10,20 native-vlan=1"), 0);
  Reply p5 = rest("GET", "/bridge:bridge=br1/ports=p5");
  EXPECT_NE(p5.body.find("\"allowed\":[10,20]"), std::string::npos) << p5.body;
  // One leaf-list entry has its own URL (RFC 8040 3.5.3): remove VLAN 20, put it back.
  EXPECT_EQ(rest("DELETE", "/bridge:bridge=br1/ports=p5/allowed=20").status, 204);
  EXPECT_NE(rest("GET", "/bridge:bridge=br1/ports=p5").body.find("\"allowed\":[10]"), std::string::npos);
  EXPECT_EQ(rest("DELETE", "/bridge:bridge=br1/ports=p5/allowed=30").status, 404);
  EXPECT_EQ(rest("PATCH", "/bridge:bridge=br1/ports=p5", R"({"bridge:ports":[{"name":"p5","allowed":[20]}]})").status, 204);
  EXPECT_NE(rest("GET", "/bridge:bridge=br1/ports=p5").body.find("\"allowed\":[10,20]"), std::string::npos);

  // Full mesh among h1..h4 (VLAN 10).
  for (int a = 1; a <= 4; a++)
    for (int b = 1; b <= 4; b++)
      if (a != b) {
        EXPECT_TRUE(ping(a, b)) << a << " -> " << b;
      }
  // h5 is on the trunk's native VLAN 1: unreachable from VLAN 10.
  EXPECT_FALSE(ping(1, 5));

  auto rows = fdb_rows();
  std::vector<std::string> want;
  for (int i = 1; i <= 4; i++) want.push_back("10/" + mac_of(i) + "/p" + std::to_string(i) + "/dynamic");
  for (const auto &w : want) EXPECT_NE(std::find(rows.begin(), rows.end(), w), rows.end()) << w;
  for (const auto &r : rows) EXPECT_TRUE(r.rfind("10/", 0) == 0 || r == "1/" + mac_of(5) + "/p5/dynamic") << r;

  std::string shown;
  ASSERT_EQ(pcn("br1 fdb show", &shown), 0);
  for (int i = 1; i <= 4; i++) EXPECT_NE(shown.find(mac_of(i)), std::string::npos) << shown;
  ASSERT_EQ(pcn("br1 fdb flush"), 0);
  EXPECT_TRUE(fdb_rows().empty());
  // A static entry: two keys on the command line (vlan, address), then a leaf.
  ASSERT_EQ(pcn("br1 fdb static add 10 02:00:00:aa:bb:cc port=p2"), 0);
  EXPECT_EQ(fdb_rows(), std::vector<std::string>{"10/02:00:00:aa:bb:cc/p2/static"});
  ASSERT_EQ(pcn("br1 fdb static del 10 02:00:00:aa:bb:cc"), 0);
  EXPECT_TRUE(fdb_rows().empty());

  ASSERT_EQ(pcn("br1 set stp-enabled=true"), 0);
  Reply stp = rest("GET", "/bridge:bridge=br1?content=nonconfig");
  EXPECT_NE(stp.body.find("\"stp-state\""), std::string::npos) << stp.body;
  EXPECT_NE(stp.body.find("\"root-id\""), std::string::npos) << stp.body;
  ASSERT_EQ(pcn("br1 set stp-enabled=false"), 0);
  EXPECT_TRUE(ping(1, 2));
}

TEST_F(BridgeRest, BadInputGets400AndChangesNothing) {
  ASSERT_EQ(rest("POST", "", R"({"bridge:bridge":[{"name":"br1","ports":[
                 {"name":"p1","peer":")" + v[0] + R"(","vlan":10},
                 {"name":"p2","peer":")" + v[1] + R"(","mode":"trunk","allowed":[10,20]}]}]})").status, 201);
  const std::string before = rest("GET", "/bridge:bridge=br1?content=config").body;
  struct Case {
    const char *what, *method, *path, *body;
  } cases[] = {
      {"VLAN 0", "PATCH", "/bridge:bridge=br1/ports=p1", R"({"bridge:ports":[{"name":"p1","vlan":0}]})"},
      {"VLAN 4095", "PATCH", "/bridge:bridge=br1/ports=p1", R"({"bridge:ports":[{"name":"p1","vlan":4095}]})"},
      {"allowed 4095", "PATCH", "/bridge:bridge=br1/ports=p2", R"({"bridge:ports":[{"name":"p2","allowed":[4095]}]})"},
      {"allowed 0", "PATCH", "/bridge:bridge=br1/ports=p2", R"({"bridge:ports":[{"name":"p2","allowed":[0]}]})"},
      {"native 0", "PATCH", "/bridge:bridge=br1/ports=p2", R"({"bridge:ports":[{"name":"p2","native-vlan":0}]})"},
      {"bad mode", "PATCH", "/bridge:bridge=br1/ports=p1", R"({"bridge:ports":[{"name":"p1","mode":"hybrid"}]})"},
      {"allowed on access", "PATCH", "/bridge:bridge=br1/ports=p1", R"({"bridge:ports":[{"name":"p1","allowed":[10]}]})"},
      {"static on unknown port", "PATCH", "/bridge:bridge=br1/fdb",
       R"({"bridge:fdb":{"static":[{"vlan":10,"address":"02:00:00:00:00:09","port":"nope"}]}})"},
      {"static bad mac", "PATCH", "/bridge:bridge=br1/fdb",
       R"({"bridge:fdb":{"static":[{"vlan":10,"address":"02:00:00:00:00:zz","port":"p1"}]}})"},
      {"aging 0", "PATCH", "/bridge:bridge=br1/fdb", R"({"bridge:fdb":{"aging-time":0}})"},
      {"forward delay 0", "PATCH", "/bridge:bridge=br1/stp", R"({"bridge:stp":{"forward-delay":0}})"},
  };
  for (const auto &c : cases) {
    Reply r = rest(c.method, c.path, c.body);
    EXPECT_EQ(r.status, 400) << c.what << ": " << r.body;
    EXPECT_NE(r.body.find("ietf-restconf:errors"), std::string::npos) << c.what << ": " << r.body;
    EXPECT_EQ(rest("GET", "/bridge:bridge=br1?content=config").body, before) << c.what;
  }
  // Through pcn: non-zero exit, nothing changed.
  EXPECT_NE(pcn("br1 ports add p3 peer=" + v[2] + " vlan=4095"), 0);
  EXPECT_NE(pcn("br1 ports p1 set vlan=0"), 0);
  EXPECT_EQ(rest("GET", "/bridge:bridge=br1?content=config").body, before);
  EXPECT_TRUE(ping(1, 1));  // daemon alive, namespace fine
  EXPECT_EQ(rest("GET", "/bridge:bridge=br1/ports=p1/vlan").status, 200);
}

// Polycube's bridge commands, as its scripts type them: access/vlanid,
// trunk/allowed add and del, trunk native-vlan; pings follow the VLANs,
// and two spellings of one setting that disagree are refused.
TEST_F(BridgeRest, PolycubeSpellingOfPortVlans) {
  ASSERT_EQ(pcn("bridge add br1"), 0);
  for (int i = 1; i <= 4; i++) ASSERT_EQ(pcn("br1 ports add p" + std::to_string(i) + " peer=" + v[i - 1]), 0);
  ASSERT_EQ(pcn("br1 ports p1 access set vlanid=10"), 0);
  ASSERT_EQ(pcn("br1 ports p2 access set vlanid=10"), 0);
  ASSERT_EQ(pcn("br1 ports p3 access set vlanid=20"), 0);
  ASSERT_EQ(pcn("br1 ports p4 set mode=trunk"), 0);
  ASSERT_EQ(pcn("br1 ports p4 trunk allowed add 10"), 0);
  ASSERT_EQ(pcn("br1 ports p4 trunk allowed add 30"), 0);
  ASSERT_EQ(pcn("br1 ports p4 trunk allowed del 30"), 0);
  ASSERT_EQ(pcn("br1 ports p4 trunk set native-vlan=20"), 0);  // h4 sends untagged: VLAN 20
  Reply p4 = rest("GET", "/bridge:bridge=br1/ports=p4/trunk");
  EXPECT_NE(p4.body.find("\"allowed\":[{\"vlanid\":10}]"), std::string::npos) << p4.body;
  EXPECT_NE(p4.body.find("\"native-vlan\":20"), std::string::npos) << p4.body;
  std::string vlanid;
  ASSERT_EQ(pcn("br1 ports p1 access show -json", &vlanid), 0);
  EXPECT_NE(vlanid.find("10"), std::string::npos) << vlanid;
  EXPECT_TRUE(ping(1, 2));
  EXPECT_FALSE(ping(1, 3));
  EXPECT_TRUE(ping(3, 4));  // 20: access p3, native of the trunk p4
  EXPECT_FALSE(ping(1, 4));
  // Moving p3 to VLAN 10 with Polycube's word.
  ASSERT_EQ(pcn("br1 ports p3 access set vlanid=10"), 0);
  EXPECT_NE(rest("GET", "/bridge:bridge=br1/ports=p3/access").body.find("\"vlanid\":10"), std::string::npos);
  net.in("h1", "ip neigh flush all");  // the failed resolution of h3 from VLAN 10 above
  EXPECT_TRUE(ping(1, 3));

  const std::string before = rest("GET", "/bridge:bridge=br1?content=config").body;
  EXPECT_NE(pcn("br1 ports p1 set vlan=30"), 0);                  // access vlanid=10 says otherwise
  EXPECT_NE(pcn("br1 ports p1 trunk allowed add 10"), 0);         // p1 is an access port
  EXPECT_NE(pcn("br1 ports p4 access set vlanid=10"), 0);         // p4 is a trunk
  EXPECT_NE(pcn("br1 ports p1 access set vlanid=4095"), 0);       // out of range
  EXPECT_NE(pcn("br1 ports p4 trunk allowed del 30"), 0);         // not there
  Reply r = rest("PATCH", "/bridge:bridge=br1/ports=p4",
                 R"({"bridge:ports":[{"name":"p4","native-vlan":30}]})");  // trunk native-vlan=20 says otherwise
  EXPECT_EQ(r.status, 400) << r.body;
  EXPECT_NE(r.body.find("disagree"), std::string::npos) << r.body;
  EXPECT_EQ(rest("GET", "/bridge:bridge=br1?content=config").body, before);
  EXPECT_TRUE(ping(1, 3));
}

}  // namespace
