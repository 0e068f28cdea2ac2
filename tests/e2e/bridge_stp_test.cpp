// End-to-end: three bridges in a loop (cube-to-cube links), one namespace
// on each. With the spanning tree on they converge to one blocked port,
// carry pings and re-converge when a link goes; without it the loop is
// bounded (TC: the tail-call limit; XDP: the slow-path flood budget).
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <thread>

#include "bridge.h"
#include "bridge_model.h"
#include "bridge_rawsock.h"
#include "polycube/runtime.h"
#include "reconciler.h"
#include "testnet.h"

using namespace polycube;
using namespace polycube::daemon;
using namespace polycube::services;
using namespace pcntest;

namespace {

class BridgeStp : public ::testing::TestWithParam<Mode> {
 protected:
  void SetUp() override {
    for (int i = 1; i <= 3; i++) {
      std::string h = "h" + std::to_string(i);
      net.add_ns(h);
      v.push_back(net.add_host(h, "v" + std::to_string(i), "10.62.0." + std::to_string(i) + "/24",
                               "02:00:00:00:0c:0" + std::to_string(i)));
      net.in(h, "ethtool -K eth0 gro on >/dev/null");
    }
    rt = std::make_unique<Runtime>();
    rc = std::make_unique<Reconciler>(*rt, std::vector<ServiceModel>{bridge_model()});
  }
  void TearDown() override {
    rc.reset();
    rt.reset();
  }
  // br<i> has port h (namespace h<i>) and l<j> toward br<j>.
  void build(bool stp) {
    std::string type = to_string(GetParam()), cfg = R"({"bridge:bridge":[)";
    const int prio[] = {4096, 8192, 32768};
    for (int i = 1; i <= 3; i++) {
      cfg += std::string(i > 1 ? "," : "") + R"({"name":"br)" + std::to_string(i) + R"(","type":")" + type +
             R"(","stp-enabled":)" + (stp ? "true" : "false") + R"(,"stp":{"priority":)" +
             std::to_string(prio[i - 1]) + R"(,"hello-time":1,"forward-delay":1,"max-age":6},"ports":[{"name":"h","peer":")" +
             v[i - 1] + R"("})";
      for (int j = 1; j <= 3; j++)
        if (j != i)
          cfg += R"(,{"name":"l)" + std::to_string(j) + R"(","peer":"br)" + std::to_string(j) + ":l" +
                 std::to_string(i) + R"("})";
      cfg += "]}";
    }
    rc->merge(cfg + "]}");
    for (int i = 1; i <= 3; i++) br.push_back(std::dynamic_pointer_cast<Bridge>(rt->get("br" + std::to_string(i))));
  }
  // "br<i>:<port>" -> stp-state, read from the configuration + state tree.
  std::map<std::string, std::string> states() {
    std::map<std::string, std::string> out;
    auto j = nlohmann::json::parse(rc->get());
    for (const auto &b : j["bridge:bridge"])
      for (const auto &p : b["ports"]) out[b["name"].get<std::string>() + ":" + p["name"].get<std::string>()] =
          p.value("stp-state", "?");
    return out;
  }
  // Waits until every port forwards or blocks (at most `seconds`).
  std::map<std::string, std::string> converged(int seconds) {
    std::map<std::string, std::string> s;
    for (int i = 0; i < seconds * 10; i++) {
      s = states();
      bool settled = true;
      for (const auto &[port, st] : s) settled &= st == "forwarding" || st == "blocking";
      if (settled) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return s;
  }
  bool ping(int from, int to) {
    return net.in("h" + std::to_string(from), "ping -c 3 -i 0.2 -W 1 -q 10.62.0." + std::to_string(to) + " >/dev/null") == 0;
  }
  uint64_t floods() {
    uint64_t n = 0;
    for (auto &b : br) n += b->counters().floods;
    return n;
  }

  TestNet net;
  std::vector<std::string> v;
  std::unique_ptr<Runtime> rt;
  std::unique_ptr<Reconciler> rc;
  std::vector<std::shared_ptr<Bridge>> br;
};

TEST_P(BridgeStp, ThreeBridgeLoopConvergesAndCarriesTraffic) {
  build(true);
  auto s = converged(10);
  // br1 (priority 4096) is the root; br2 (8192) is designated on the
  // br2-br3 link, so br3's port toward br2 is the one blocked port.
  std::map<std::string, std::string> want = {
      {"br1:h", "forwarding"},  {"br1:l2", "forwarding"}, {"br1:l3", "forwarding"},
      {"br2:h", "forwarding"},  {"br2:l1", "forwarding"}, {"br2:l3", "forwarding"},
      {"br3:h", "forwarding"},  {"br3:l1", "forwarding"}, {"br3:l2", "blocking"}};
  EXPECT_EQ(s, want);
  // Every bridge names br1 as the root (config false data of the model).
  auto j = nlohmann::json::parse(rc->get());
  for (const auto &b : j["bridge:bridge"]) EXPECT_EQ(b["stp"]["root-id"], br[0]->stp_status().bridge_id);
  std::string root = br[0]->stp_status().bridge_id;
  EXPECT_EQ(root.substr(0, 4), "1000");
  for (auto &b : br) EXPECT_EQ(b->stp_status().root_id, root);
  EXPECT_EQ(br[1]->stp_status().root_port, "l1");
  EXPECT_EQ(br[2]->stp_status().root_port, "l1");
  EXPECT_EQ(br[2]->stp_status().root_path_cost, SpanningTree::kPortPathCost);
  EXPECT_EQ(br[2]->port_stp_role("l2"), "alternate");

  uint64_t before = floods();
  EXPECT_TRUE(ping(1, 2));
  EXPECT_TRUE(ping(2, 3));
  EXPECT_TRUE(ping(3, 1));
  // Three pings each way need a handful of ARP floods, not a storm.
  EXPECT_LT(floods() - before, 60u);
  uint64_t after = floods();
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  EXPECT_EQ(floods(), after);  // nothing keeps circulating
  // BPDUs arrive through the slow path.
  EXPECT_GT(br[2]->counters().bpdus, 0u);

  // The br1-br2 link goes: br3's blocked port takes over.
  rc->remove(std::vector<std::string>{"/bridge:bridge[name='br1']/ports[name='l2']",
                                      "/bridge:bridge[name='br2']/ports[name='l1']"});
  for (int i = 0; i < 100 && states()["br3:l2"] != "forwarding"; i++)
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  s = states();
  EXPECT_EQ(s["br3:l2"], "forwarding");
  EXPECT_EQ(br[1]->stp_status().root_port, "l3");
  EXPECT_EQ(br[1]->stp_status().root_path_cost, 2 * SpanningTree::kPortPathCost);
  EXPECT_TRUE(ping(1, 2));
}

TEST_P(BridgeStp, OneBroadcastInALoopWithoutStpDiesOut) {
  build(false);
  brtest::RawSocket h1(net.ns("h1"), "eth0");
  h1.send(brtest::test_frame("ff:ff:ff:ff:ff:ff", "02:00:00:00:0c:01", 0, "loop"));
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  uint64_t n = floods();
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  EXPECT_EQ(floods(), n);  // the copies died out
  EXPECT_GT(n, 3u);
  if (GetParam() == Mode::kTc) {
    // One broadcast frame: br1 hands a copy to each of its two links, and
    // each copy goes round the loop until the kernel stops the chain of
    // tail calls (33 per packet).
    EXPECT_LT(n, 200u);
  } else {
    // XDP cannot both broadcast to the netdev and tail call the next cube:
    // the copies toward the links go through the control plane, whose
    // flood budget (2000/s per bridge) drops them once the loop spins.
    uint64_t drops = 0;
    for (auto &b : br) drops += b->counters().slowpath_flood_drops;
    EXPECT_GT(drops, 0u);
    EXPECT_LT(n, 5000u);
  }
  std::printf("one broadcast in a 3-bridge loop without STP: %llu floods\n", static_cast<unsigned long long>(n));
}

// Two bridges joined twice: cube-to-cube (l) and through a veth pair (x-y).
// A loop through a netdev is not bounded by tail calls: without a limit one
// broadcast circulates for ever; the flood rate limit makes it die out.
TEST_P(BridgeStp, LoopThroughAVethIsStoppedByTheFloodRateLimit) {
  std::string a = net.ifname("xa"), b = net.ifname("xb");
  ASSERT_EQ(sh("ip link add " + a + " type veth peer name " + b + " && ip link set " + a + " up && ip link set " + b +
               " up && sysctl -qw net.ipv6.conf." + a + ".disable_ipv6=1 net.ipv6.conf." + b + ".disable_ipv6=1"),
            0);
  struct DelLink {
    std::string name;
    ~DelLink() { sh("ip link del " + name + " 2>/dev/null"); }
  } del{a};
  std::string type = to_string(GetParam());
  rc->merge(R"({"bridge:bridge":[
    {"name":"br1","type":")" + type + R"(","flood-rate-limit":0,"ports":[{"name":"h","peer":")" + v[0] + R"("},
      {"name":"x","peer":")" + a + R"("},{"name":"l","peer":"br2:l"}]},
    {"name":"br2","type":")" + type + R"(","flood-rate-limit":0,"ports":[{"name":"h","peer":")" + v[1] + R"("},
      {"name":"y","peer":")" + b + R"("},{"name":"l","peer":"br1:l"}]}]})");
  for (int i = 1; i <= 2; i++) br.push_back(std::dynamic_pointer_cast<Bridge>(rt->get("br" + std::to_string(i))));
  brtest::RawSocket h1(net.ns("h1"), "eth0");
  h1.send(brtest::test_frame("ff:ff:ff:ff:ff:ff", "02:00:00:00:0c:01", 0, "storm"));
  if (is_xdp(GetParam())) {
    // In XDP the copy toward the cube link goes through the control plane
    // (a flood to a netdev and a cube cannot both stay in the kernel), whose
    // budget ends the loop even with no data-plane limit.
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    uint64_t n = floods();
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    EXPECT_EQ(floods(), n);
    EXPECT_GT(br[0]->counters().slowpath_flood_drops + br[1]->counters().slowpath_flood_drops, 0u);
    std::printf("XDP loop through a veth, no data-plane limit: %llu floods before it died\n",
                static_cast<unsigned long long>(n));
    return;
  }
  // No limit: the copies keep going round.
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  uint64_t f0 = floods();
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  uint64_t f1 = floods();
  EXPECT_GT(f1, f0);
  std::printf("loop through a veth without STP or limit: %.0f floods/s\n", (f1 - f0) / 0.3);
  // 1000 floods/s per CPU: the bucket empties within milliseconds and the
  // circulating copies are dropped.
  rc->merge(R"({"bridge:bridge":[{"name":"br1","flood-rate-limit":1000},{"name":"br2","flood-rate-limit":1000}]})");
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  uint64_t f2 = floods();
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  EXPECT_EQ(floods(), f2);
  EXPECT_GT(br[0]->counters().flood_drops + br[1]->counters().flood_drops, 0u);
  // The default limit (100000/s per CPU) also ends a storm by itself.
  rc->remove(std::vector<std::string>{"/bridge:bridge[name='br1']/flood-rate-limit",
                                      "/bridge:bridge[name='br2']/flood-rate-limit"});
  EXPECT_EQ(br[0]->flood_rate_limit(), static_cast<uint32_t>(BR_DEFAULT_FLOOD_PPS));
  h1.send(brtest::test_frame("ff:ff:ff:ff:ff:ff", "02:00:00:00:0c:01", 0, "storm2"));
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  uint64_t f3 = floods();
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  EXPECT_EQ(floods(), f3);
  std::printf("one broadcast, default limit: %llu floods before it died\n", static_cast<unsigned long long>(f3 - f2));
}

INSTANTIATE_TEST_SUITE_P(Modes, BridgeStp, ::testing::Values(Mode::kTc, Mode::kXdpSkb),
                         [](const auto &info) { return std::string(to_string(info.param)); });

}  // namespace
