// End-to-end: the 802.1Q bridge driven through its model (the daemon's write
// path: datastore validation + reconciler), with tagged frames written and
// read by raw sockets inside the namespaces (this kernel has no 8021q), pings
// over a trunk between two bridges (cube-to-cube), the filtering database
// (per-VLAN learning, aging, flush, static entries) and bad input.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <thread>

#include "bridge.h"
#include "bridge_model.h"
#include "bridge_rawsock.h"
#include "errors.h"
#include "polycube/runtime.h"
#include "reconciler.h"
#include "testnet.h"

using namespace polycube;
using namespace polycube::daemon;
using namespace polycube::services;
using namespace pcntest;
using brtest::RawSocket;
using brtest::test_frame;

namespace {

std::string mac_of(int i) { return "02:00:00:00:0b:0" + std::to_string(i); }
const std::string kBroadcast = "ff:ff:ff:ff:ff:ff";

std::string mode_json(Mode m) { return to_string(m); }

// One bridge br1 with five hosts h1..h5 on p1..p5:
//   p1, p2 access VLAN 10; p3 access VLAN 20; p4 trunk 10,20 native 1;
//   p5 access VLAN 1 (the default).
class BridgeVlan : public ::testing::TestWithParam<Mode> {
 protected:
  void SetUp() override {
    for (int i = 1; i <= 5; i++) {
      std::string h = "h" + std::to_string(i);
      net.add_ns(h);
      v.push_back(net.add_host(h, "v" + std::to_string(i), "", mac_of(i)));
      net.in(h, "ethtool -K eth0 gro on >/dev/null");  // native XDP into a veth needs NAPI on its peer
    }
    rt = std::make_unique<Runtime>();
    rc = std::make_unique<Reconciler>(*rt, std::vector<ServiceModel>{bridge_model()});
    rc->merge(R"({"bridge:bridge":[{"name":"br1","type":")" + mode_json(GetParam()) + R"(","ports":[
      {"name":"p1","peer":")" + v[0] + R"(","mode":"access","vlan":10},
      {"name":"p2","peer":")" + v[1] + R"(","mode":"access","vlan":10},
      {"name":"p3","peer":")" + v[2] + R"(","mode":"access","vlan":20},
      {"name":"p4","peer":")" + v[3] + R"(","mode":"trunk","allowed":[10,20],"native-vlan":1},
      {"name":"p5","peer":")" + v[4] + R"("}]}]})");
    br = std::dynamic_pointer_cast<Bridge>(rt->get("br1"));
    ASSERT_TRUE(br);
    for (int i = 1; i <= 5; i++) sock.push_back(std::make_unique<RawSocket>(net.ns("h" + std::to_string(i)), "eth0"));
  }
  void TearDown() override {
    sock.clear();
    br.reset();
    rc.reset();
    rt.reset();
  }
  // Sends `frame` from h<from>; returns what each host received (index 0 =
  // h1), as "payload" or "payload@vlan".
  std::vector<std::vector<std::string>> exchange(int from, const std::string &frame) {
    for (auto &s : sock) s->drain();
    sock[from - 1]->send(frame);
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
    std::vector<std::vector<std::string>> got;
    for (auto &s : sock) {
      std::vector<std::string> h;
      for (const auto &f : s->drain()) {
        uint16_t vlan = RawSocket::vlan_of(f);
        h.push_back(brtest::payload_of(f) + (vlan ? "@" + std::to_string(vlan) : ""));
      }
      got.push_back(h);
    }
    return got;
  }
  using Got = std::vector<std::vector<std::string>>;
  // The fdb entries of br1 as "vlan/mac/port/type", read like a REST GET.
  std::vector<std::string> fdb_rows() {
    auto j = nlohmann::json::parse(rc->get());
    std::vector<std::string> rows;
    auto &fdb = j["bridge:bridge"][0]["fdb"];
    if (!fdb.contains("entry")) return rows;
    for (const auto &e : fdb["entry"])
      rows.push_back(std::to_string(e["vlan"].get<int>()) + "/" + e["address"].get<std::string>() + "/" +
                     e["port"].get<std::string>() + "/" + e["type"].get<std::string>());
    return rows;
  }

  TestNet net;
  std::vector<std::string> v;
  std::unique_ptr<Runtime> rt;
  std::unique_ptr<Reconciler> rc;
  std::shared_ptr<Bridge> br;
  std::vector<std::unique_ptr<RawSocket>> sock;
};

TEST_P(BridgeVlan, AccessAndTrunkTaggingAndIsolation) {
  std::vector<std::string> none;
  // Untagged broadcast on access VLAN 10: h2 untagged, trunk h4 tagged 10.
  Got g = exchange(1, test_frame(kBroadcast, mac_of(1), 0, "a"));
  EXPECT_EQ(g, (Got{none, {"a"}, none, {"a@10"}, none}));
  // Tagged 20 from the trunk: only h3 (access 20), untagged.
  g = exchange(4, test_frame(kBroadcast, mac_of(4), 20, "b"));
  EXPECT_EQ(g, (Got{none, none, {"b"}, none, none}));
  // Tagged 10 from the trunk: h1 and h2, untagged.
  g = exchange(4, test_frame(kBroadcast, mac_of(4), 10, "c"));
  EXPECT_EQ(g, (Got{{"c"}, {"c"}, none, none, none}));
  // Untagged on the trunk = native VLAN 1: only h5.
  g = exchange(4, test_frame(kBroadcast, mac_of(4), 0, "d"));
  EXPECT_EQ(g, (Got{none, none, none, none, {"d"}}));
  // A VLAN the trunk does not allow: dropped.
  uint64_t vlan_drops = br->counters().vlan_drops;
  g = exchange(4, test_frame(kBroadcast, mac_of(4), 30, "e"));
  EXPECT_EQ(g, (Got{none, none, none, none, none}));
  // A tagged frame on an access port: dropped.
  g = exchange(1, test_frame(kBroadcast, mac_of(1), 10, "f"));
  EXPECT_EQ(g, (Got{none, none, none, none, none}));
  EXPECT_EQ(br->counters().vlan_drops, vlan_drops + 2);
  // Access VLAN 1 toward the trunk: untagged (native).
  g = exchange(5, test_frame(kBroadcast, mac_of(5), 0, "g"));
  EXPECT_EQ(g, (Got{none, none, none, {"g"}, none}));

  // Known unicast: h1 was learned on p1 in VLAN 10; a frame from h2 to it
  // reaches h1 only, and one tagged 10 from the trunk reaches h1 untagged.
  g = exchange(2, test_frame(mac_of(1), mac_of(2), 0, "u1"));
  EXPECT_EQ(g, (Got{{"u1"}, none, none, none, none}));
  g = exchange(4, test_frame(mac_of(1), mac_of(4), 10, "u2"));
  EXPECT_EQ(g, (Got{{"u2"}, none, none, none, none}));
  // ... and back toward the trunk: tagged 10 (h4 learned in VLAN 10 on p4).
  g = exchange(1, test_frame(mac_of(4), mac_of(1), 0, "u3"));
  EXPECT_EQ(g, (Got{none, none, none, {"u3@10"}, none}));
  // h1's MAC is unknown in VLAN 20: a frame to it from h3 is flooded in 20
  // only (to the trunk, tagged), never to h1.
  g = exchange(3, test_frame(mac_of(1), mac_of(3), 0, "u4"));
  EXPECT_EQ(g, (Got{none, none, none, {"u4@20"}, none}));

  // The filtering database is per VLAN: h4's MAC in 1, 10 and 20, all on p4.
  auto rows = fdb_rows();
  EXPECT_EQ(rows, (std::vector<std::string>{"1/" + mac_of(4) + "/p4/dynamic", "1/" + mac_of(5) + "/p5/dynamic",
                                            "10/" + mac_of(1) + "/p1/dynamic", "10/" + mac_of(2) + "/p2/dynamic",
                                            "10/" + mac_of(4) + "/p4/dynamic", "20/" + mac_of(3) + "/p3/dynamic",
                                            "20/" + mac_of(4) + "/p4/dynamic"}));
}

TEST_P(BridgeVlan, ChangingAPortsVlanMovesItAtOnce) {
  // p3 moves from access 20 to access 10: it now gets VLAN 10 floods.
  rc->merge(R"({"bridge:bridge":[{"name":"br1","ports":[{"name":"p3","vlan":10}]}]})");
  Got g = exchange(1, test_frame(kBroadcast, mac_of(1), 0, "a"));
  std::vector<std::string> none;
  EXPECT_EQ(g, (Got{none, {"a"}, {"a"}, {"a@10"}, none}));
  // The trunk stops carrying 20 and its native VLAN becomes 20.
  // (A merge adds to a leaf-list: removing VLAN 20 is a delete.)
  rc->remove("/bridge:bridge[name='br1']/ports[name='p4']/allowed[.='20']");
  rc->merge(R"({"bridge:bridge":[{"name":"br1","ports":[{"name":"p4","native-vlan":20}]}]})");
  g = exchange(4, test_frame(kBroadcast, mac_of(4), 20, "b"));
  EXPECT_EQ(g, (Got{none, none, none, none, none}));
  g = exchange(4, test_frame(kBroadcast, mac_of(4), 0, "c"));
  EXPECT_EQ(g, (Got{none, none, none, none, none}));  // nobody else is in 20 now
  rc->merge(R"({"bridge:bridge":[{"name":"br1","ports":[{"name":"p5","vlan":20}]}]})");
  g = exchange(4, test_frame(kBroadcast, mac_of(4), 0, "d"));
  EXPECT_EQ(g, (Got{none, none, none, none, {"d"}}));
}

// Polycube's spelling of the same settings (access/vlanid, trunk/allowed
// list, trunk/native-vlan) gives the same data plane: p3 moves to access 10,
// the trunk p4 carries 20 only (tagged) with native 10, and removing one
// trunk/allowed entry stops that VLAN.
TEST_P(BridgeVlan, PolycubeSpellingOfAccessAndTrunk) {
  // p3 and p4 leave our spelling for Polycube's.
  rc->remove(std::vector<std::string>{"/bridge:bridge[name='br1']/ports[name='p3']/vlan",
                                      "/bridge:bridge[name='br1']/ports[name='p4']/allowed[.='10']",
                                      "/bridge:bridge[name='br1']/ports[name='p4']/allowed[.='20']",
                                      "/bridge:bridge[name='br1']/ports[name='p4']/native-vlan"});
  rc->merge(R"({"bridge:bridge":[{"name":"br1","ports":[{"name":"p3","access":{"vlanid":10}},)"
            R"({"name":"p4","trunk":{"allowed":[{"vlanid":20}],"native-vlan":10}}]}]})");
  EXPECT_EQ(br->port_vlan("p3"), (Bridge::PortVlan{false, 10, {}, 0}));
  EXPECT_EQ(br->port_vlan("p4"), (Bridge::PortVlan{true, 1, {20}, 10}));
  std::vector<std::string> none;
  // VLAN 10 from h1: h2, h3 (now access 10) untagged, the trunk untagged (native 10).
  Got g = exchange(1, test_frame(kBroadcast, mac_of(1), 0, "a"));
  EXPECT_EQ(g, (Got{none, {"a"}, {"a"}, {"a"}, none}));
  // Tagged 20 on the trunk: allowed, but no access port is in 20 any more.
  uint64_t vlan_drops = br->counters().vlan_drops;
  g = exchange(4, test_frame(kBroadcast, mac_of(4), 20, "b"));
  EXPECT_EQ(g, (Got{none, none, none, none, none}));
  EXPECT_EQ(br->counters().vlan_drops, vlan_drops);
  rc->merge(R"({"bridge:bridge":[{"name":"br1","ports":[{"name":"p5","access":{"vlanid":20}}]}]})");
  g = exchange(4, test_frame(kBroadcast, mac_of(4), 20, "c"));
  EXPECT_EQ(g, (Got{none, none, none, none, {"c"}}));
  g = exchange(5, test_frame(kBroadcast, mac_of(5), 0, "d"));
  EXPECT_EQ(g, (Got{none, none, none, {"d@20"}, none}));
  // `trunk allowed del 20`: tagged 20 is now dropped at the trunk.
  rc->remove("/bridge:bridge[name='br1']/ports[name='p4']/trunk/allowed[vlanid='20']");
  g = exchange(4, test_frame(kBroadcast, mac_of(4), 20, "e"));
  EXPECT_EQ(g, (Got{none, none, none, none, none}));
  EXPECT_EQ(br->counters().vlan_drops, vlan_drops + 1);
}

INSTANTIATE_TEST_SUITE_P(Modes, BridgeVlan, ::testing::Values(Mode::kTc, Mode::kXdpSkb, Mode::kXdpDrv),
                         [](const auto &info) { return std::string(to_string(info.param)); });

class BridgeFdb : public BridgeVlan {};

TEST_P(BridgeFdb, AgingFlushAndStaticEntries) {
  std::vector<std::string> none;
  rc->merge(R"({"bridge:bridge":[{"name":"br1","fdb":{"aging-time":1}}]})");
  ASSERT_EQ(br->aging_time(), 1u);
  exchange(1, test_frame(kBroadcast, mac_of(1), 0, "learn"));
  EXPECT_EQ(fdb_rows(), (std::vector<std::string>{"10/" + mac_of(1) + "/p1/dynamic"}));
  // Known: a frame to h1 from h2 goes to h1 only.
  Got g = exchange(2, test_frame(mac_of(1), mac_of(2), 0, "k"));
  EXPECT_EQ(g, (Got{{"k"}, none, none, none, none}));
  // Aging: after more than 1 s unseen, h1's entry is gone from the table and
  // the data plane floods a frame to it again (h4 sees it on the trunk).
  std::this_thread::sleep_for(std::chrono::milliseconds(2300));
  g = exchange(4, test_frame(mac_of(1), mac_of(4), 10, "aged"));
  EXPECT_EQ(g, (Got{{"aged"}, {"aged"}, none, none, none}));
  auto rows = fdb_rows();
  EXPECT_EQ(std::count(rows.begin(), rows.end(), "10/" + mac_of(1) + "/p1/dynamic"), 0);
  EXPECT_EQ(std::count(rows.begin(), rows.end(), "10/" + mac_of(4) + "/p4/dynamic"), 1);

  // Flush empties the learned entries.
  rc->merge(R"({"bridge:bridge":[{"name":"br1","fdb":{"aging-time":300}}]})");
  exchange(1, test_frame(kBroadcast, mac_of(1), 0, "x"));
  exchange(2, test_frame(kBroadcast, mac_of(2), 0, "y"));
  EXPECT_GE(fdb_rows().size(), 2u);
  rc->action("bridge", "br1", "fdb/flush", nlohmann::json::object());
  EXPECT_TRUE(fdb_rows().empty());

  // A static entry: shown as static, used for forwarding, never moved by
  // traffic from that MAC on another port, kept by flush.
  const std::string mac9 = "02:00:00:00:0b:09";
  rc->merge(R"({"bridge:bridge":[{"name":"br1","fdb":{"static":[{"vlan":10,"address":")" + mac9 +
            R"(","port":"p2"}]}}]})");
  EXPECT_EQ(fdb_rows(), (std::vector<std::string>{"10/" + mac9 + "/p2/static"}));
  g = exchange(1, test_frame(mac9, mac_of(1), 0, "s1"));
  EXPECT_EQ(g, (Got{none, {"s1"}, none, none, none}));
  exchange(4, test_frame(kBroadcast, mac9, 10, "spoof"));  // mac9 shows up on p4
  g = exchange(1, test_frame(mac9, mac_of(1), 0, "s2"));
  EXPECT_EQ(g, (Got{none, {"s2"}, none, none, none}));
  rc->action("bridge", "br1", "fdb/flush", nlohmann::json::object());
  EXPECT_EQ(fdb_rows(), (std::vector<std::string>{"10/" + mac9 + "/p2/static"}));
  // Removing it from the configuration removes it from the table.
  rc->remove("/bridge:bridge[name='br1']/fdb/static[vlan='10'][address='" + mac9 + "']");
  EXPECT_TRUE(fdb_rows().empty());
}

TEST_P(BridgeFdb, BadInputIsRefusedAndChangesNothing) {
  exchange(1, test_frame(kBroadcast, mac_of(1), 0, "a"));
  const std::string tree = rc->get("", Reconciler::Content::kConfig);
  auto patch = [&](const std::string &ports_or_fdb) {
    return error_of([&] { rc->merge(R"({"bridge:bridge":[{"name":"br1",)" + ports_or_fdb + "}]}"); });
  };
  EXPECT_EQ(patch(R"("ports":[{"name":"p1","vlan":0}])"), "invalid-value");
  EXPECT_EQ(patch(R"("ports":[{"name":"p1","vlan":4095}])"), "invalid-value");
  EXPECT_EQ(patch(R"("ports":[{"name":"p4","allowed":[10,4095]}])"), "invalid-value");
  EXPECT_EQ(patch(R"("ports":[{"name":"p4","allowed":[0]}])"), "invalid-value");
  EXPECT_EQ(patch(R"("ports":[{"name":"p4","allowed":["ten"]}])"), "invalid-value");
  EXPECT_EQ(patch(R"("ports":[{"name":"p4","native-vlan":4095}])"), "invalid-value");
  EXPECT_EQ(patch(R"("ports":[{"name":"p1","mode":"hybrid"}])"), "invalid-value");
  // allowed / native-vlan on an access port.
  EXPECT_EQ(patch(R"("ports":[{"name":"p1","allowed":[10]}])"), "invalid-value");
  // Polycube's spelling: out of range, trunk settings on an access port,
  // access vlanid on a trunk, and two spellings of one setting that disagree.
  EXPECT_EQ(patch(R"("ports":[{"name":"p1","access":{"vlanid":4095}}])"), "invalid-value");
  EXPECT_EQ(patch(R"("ports":[{"name":"p1","trunk":{"allowed":[{"vlanid":10}]}}])"), "invalid-value");
  EXPECT_EQ(patch(R"("ports":[{"name":"p1","trunk":{"native-vlan":10}}])"), "invalid-value");
  EXPECT_EQ(patch(R"("ports":[{"name":"p4","trunk":{"allowed":[{"vlanid":0}]}}])"), "invalid-value");
  EXPECT_EQ(patch(R"("ports":[{"name":"p4","access":{"vlanid":10}}])"), "invalid-value");
  EXPECT_EQ(patch(R"("ports":[{"name":"p1","access":{"vlanid":20}}])"), "invalid-value");  // p1 has vlan=10
  EXPECT_EQ(patch(R"("ports":[{"name":"p4","trunk":{"native-vlan":20}}])"), "invalid-value");  // native-vlan=1
  // A static entry on a port the bridge does not have, with a bad MAC, a
  // multicast MAC, a bad VLAN.
  EXPECT_EQ(patch(R"("fdb":{"static":[{"vlan":10,"address":"02:00:00:00:00:09","port":"p9"}]})"), "invalid-value");
  EXPECT_EQ(patch(R"("fdb":{"static":[{"vlan":10,"address":"02:00:00:00:00","port":"p1"}]})"), "invalid-value");
  EXPECT_EQ(patch(R"("fdb":{"static":[{"vlan":10,"address":"01:00:5e:00:00:01","port":"p1"}]})"), "invalid-value");
  EXPECT_EQ(patch(R"("fdb":{"static":[{"vlan":0,"address":"02:00:00:00:00:09","port":"p1"}]})"), "invalid-value");
  EXPECT_EQ(patch(R"("fdb":{"aging-time":0})"), "invalid-value");
  EXPECT_EQ(patch(R"("stp":{"hello-time":0})"), "invalid-value");
  // Deleting a port a static entry points at.
  rc->merge(R"({"bridge:bridge":[{"name":"br1","fdb":{"static":[{"vlan":10,"address":"02:00:00:00:00:09","port":"p2"}]}}]})");
  const std::string with_static = rc->get("", Reconciler::Content::kConfig);
  EXPECT_EQ(error_of([&] { rc->remove("/bridge:bridge[name='br1']/ports[name='p2']"); }), "invalid-value");
  EXPECT_EQ(rc->get("", Reconciler::Content::kConfig), with_static);
  EXPECT_EQ(br->ports().size(), 5u);
  rc->remove("/bridge:bridge[name='br1']/fdb/static[vlan='10'][address='02:00:00:00:00:09']");
  EXPECT_EQ(rc->get("", Reconciler::Content::kConfig), tree);
  // The data plane still works as configured.
  Got g = exchange(2, test_frame(mac_of(1), mac_of(2), 0, "still"));
  EXPECT_EQ(g, (Got{{"still"}, {}, {}, {}, {}}));
  EXPECT_EQ(br->port_vlan("p1"), (Bridge::PortVlan{false, 10, {}, 0}));
}

INSTANTIATE_TEST_SUITE_P(Tc, BridgeFdb, ::testing::Values(Mode::kTc),
                         [](const auto &info) { return std::string(to_string(info.param)); });

// Two bridges joined by a trunk (cube-to-cube peers): h1, h2 on br1 and h3,
// h4 on br2, all in one IP subnet; h1, h3 in VLAN 10 and h2, h4 in VLAN 20.
class BridgeTrunk : public ::testing::TestWithParam<Mode> {
 protected:
  void TearDown() override {
    rc.reset();
    rt.reset();
  }
  bool ping(int from, int to) {
    return net.in("h" + std::to_string(from),
                  "ping -c 3 -i 0.2 -W 1 -q 10.61.0." + std::to_string(to) + " >/dev/null") == 0;
  }
  TestNet net;
  std::unique_ptr<Runtime> rt;
  std::unique_ptr<Reconciler> rc;
};

TEST_P(BridgeTrunk, TwoVlansOverOneTrunkBetweenBridges) {
  std::vector<std::string> v;
  for (int i = 1; i <= 4; i++) {
    std::string h = "h" + std::to_string(i);
    net.add_ns(h);
    v.push_back(net.add_host(h, "v" + std::to_string(i), "10.61.0." + std::to_string(i) + "/24", mac_of(i)));
    net.in(h, "ethtool -K eth0 gro on >/dev/null");
  }
  rt = std::make_unique<Runtime>();
  rc = std::make_unique<Reconciler>(*rt, std::vector<ServiceModel>{bridge_model()});
  std::string type = to_string(GetParam());
  rc->merge(R"({"bridge:bridge":[
    {"name":"br1","type":")" + type + R"(","ports":[
      {"name":"a","peer":")" + v[0] + R"(","vlan":10},{"name":"b","peer":")" + v[1] + R"(","vlan":20},
      {"name":"t","peer":"br2:t","mode":"trunk","allowed":[10,20]}]},
    {"name":"br2","type":")" + type + R"(","ports":[
      {"name":"a","peer":")" + v[2] + R"(","vlan":10},{"name":"b","peer":")" + v[3] + R"(","vlan":20},
      {"name":"t","peer":"br1:t","mode":"trunk","allowed":[10,20]}]}]})");
  EXPECT_TRUE(ping(1, 3));
  EXPECT_TRUE(ping(2, 4));
  EXPECT_FALSE(ping(1, 4));
  EXPECT_FALSE(ping(2, 3));
  EXPECT_TRUE(ping(4, 2));
  // br2 learned h1 in VLAN 10 and h2 in VLAN 20, both behind the trunk.
  auto br2 = std::dynamic_pointer_cast<Bridge>(rt->get("br2"));
  std::vector<std::string> rows;
  for (const auto &e : br2->fdb()) rows.push_back(std::to_string(e.vlan) + "/" + e.mac + "/" + e.port);
  EXPECT_NE(std::find(rows.begin(), rows.end(), "10/" + mac_of(1) + "/t"), rows.end());
  EXPECT_NE(std::find(rows.begin(), rows.end(), "20/" + mac_of(2) + "/t"), rows.end());
  EXPECT_EQ(std::find(rows.begin(), rows.end(), "20/" + mac_of(1) + "/t"), rows.end());
  // The trunk stops carrying VLAN 20: only VLAN 10 still crosses.
  rc->remove("/bridge:bridge[name='br1']/ports[name='t']/allowed[.='20']");
  EXPECT_FALSE(ping(2, 4));
  EXPECT_TRUE(ping(1, 3));
}

INSTANTIATE_TEST_SUITE_P(Modes, BridgeTrunk, ::testing::Values(Mode::kTc, Mode::kXdpSkb, Mode::kXdpDrv),
                         [](const auto &info) { return std::string(to_string(info.param)); });

}  // namespace
