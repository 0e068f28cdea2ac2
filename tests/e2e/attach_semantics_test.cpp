// End-to-end through the daemon, with traffic: deleting a cube or a port
// detaches the transparent cubes on it (they stay, their configuration
// intact), deleting an attached transparent cube detaches it first, a
// transparent cube sits on the netdev side of a port, attach takes after= /
// before=, and one side of a cube-to-cube link waits for the other.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <thread>

#include "pcnd.h"
#include "testnet.h"
#include "udpflow.h"

using namespace pcntest;
using nlohmann::json;

namespace {

class AttachSemantics : public ::testing::Test {
 protected:
  void SetUp() override {
    net.add_ns("a");
    net.add_ns("b");
    va = net.add_host("a", "va", "10.69.0.1/24", "02:00:00:00:06:01");
    vb = net.add_host("b", "vb", "10.69.0.2/24", "02:00:00:00:06:02");
    net.in("a", "ip neigh replace 10.69.0.2 lladdr 02:00:00:00:06:02 dev eth0");
    net.in("b", "ip neigh replace 10.69.0.1 lladdr 02:00:00:00:06:01 dev eth0");
    ASSERT_TRUE(pcnd.start());
  }
  void TearDown() override { EXPECT_TRUE(pcnd.stop()); }
  bool ping() { return net.in("a", "ping -c 1 -W 1 -q 10.69.0.2 >/dev/null") == 0; }
  int op(const std::string &name, const std::string &input) {
    RestReply r = pcnd.raw("POST", "/restconf/operations/polycube:" + name, R"({"polycube:input":)" + input + "}");
    last = r.body;
    return r.status;
  }
  int add_hw(const std::string &name) {
    return pcnd.rest("POST", "", R"({"helloworld:helloworld":[{"name":")" + name +
                                     R"(","action":"FORWARD","ports":[{"name":"p1","peer":")" + va +
                                     R"("},{"name":"p2","peer":")" + vb + R"("}]}]})")
        .status;
  }
  json config(const std::string &path) { return json::parse(pcnd.rest("GET", path + "?content=config").body); }
  json topology() { return json::parse(pcnd.rest("GET", "/polycube:topology").body)["polycube:topology"]; }
  bool pinned(const std::string &cube) {
    const char *root = std::getenv("PCN_PIN_ROOT");
    return std::filesystem::exists(std::string(root ? root : "/sys/fs/bpf/polycube") + "/cubes/" + cube);
  }

  TestNet net;
  Pcnd pcnd{net.prefix()};
  std::string va, vb, last;
};

TEST_F(AttachSemantics, DeletingACubeUnderTrafficDetachesItsFirewall) {
  ASSERT_EQ(add_hw("hw0"), 201);
  ASSERT_EQ(pcnd.rest("POST", "", R"({"firewall:firewall":[{"name":"fw1"}]})").status, 201);
  ASSERT_EQ(pcnd.raw("POST", "/restconf/data/firewall:firewall=fw1/chain=INGRESS/append",
                     R"({"firewall:input":{"src":"10.69.9.9/32","action":"DROP"}})")
                .status / 100,
            2);
  ASSERT_EQ(op("attach", R"({"cube":"fw1","port":"hw0:p1"})"), 204) << last;
  const json fw_before = config("/firewall:firewall=fw1");
  ASSERT_EQ(fw_before["firewall:firewall"][0]["attached-to"], "hw0:p1");
  ASSERT_TRUE(ping());

  UdpFlow flow(net.ns("a"), net.ns("b"), "10.69.0.2", 7201, 3000, 250);
  flow.start();
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  ASSERT_GT(flow.received(), 0u);
  RestReply r = pcnd.rest("DELETE", "/helloworld:helloworld=hw0");
  ASSERT_EQ(r.status, 204) << r.body;
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  uint64_t after_delete = flow.received();
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  EXPECT_EQ(flow.received(), after_delete);  // no cube, no path
  flow.stop_sending();
  flow.finish(100);

  // The firewall stays, detached, with its rules; nothing names hw0.
  json fw_after = config("/firewall:firewall=fw1");
  json expected = fw_before;
  expected["firewall:firewall"][0].erase("attached-to");
  expected["firewall:firewall"][0].erase("position");
  EXPECT_EQ(fw_after, expected);
  EXPECT_EQ(pcnd.rest("GET", "/helloworld:helloworld=hw0").status, 404);
  json topo = topology();
  EXPECT_TRUE(topo.value("attachment", json::array()).empty()) << topo.dump();
  EXPECT_TRUE(topo.value("link", json::array()).empty()) << topo.dump();
  EXPECT_FALSE(pinned("hw0"));
  EXPECT_TRUE(pinned("fw1"));
  // One version for the whole delete.
  json v = json::parse(pcnd.rest("GET", "/polycube:versions").body)["polycube:versions"]["version"][0];
  EXPECT_EQ(v["cubes"], (json{"fw1", "hw0"})) << v.dump();

  // It attaches again where it is wanted, rules and all.
  ASSERT_EQ(add_hw("hw1"), 201);
  ASSERT_EQ(op("attach", R"({"cube":"fw1","port":"hw1:p1"})"), 204) << last;
  EXPECT_TRUE(ping());
}

TEST_F(AttachSemantics, DeletingAPortOrAnAttachedTransparentCubeDetaches) {
  ASSERT_EQ(add_hw("hw1"), 201);
  ASSERT_EQ(pcnd.rest("POST", "", R"({"transparenthelloworld:transparenthelloworld":[{"name":"t1"},{"name":"t2"}]})").status,
            201);
  ASSERT_EQ(op("attach", R"({"cube":"t1","port":"hw1:p1"})"), 204) << last;
  ASSERT_EQ(op("attach", R"({"cube":"t2","port":"hw1:p2"})"), 204) << last;
  // An attached transparent cube: detached, then deleted; traffic goes on.
  ASSERT_EQ(pcnd.rest("DELETE", "/transparenthelloworld:transparenthelloworld=t2").status, 204);
  EXPECT_TRUE(ping());
  EXPECT_FALSE(pinned("t2"));
  // A port: t1 on it stays, detached.
  ASSERT_EQ(pcnd.rest("DELETE", "/helloworld:helloworld=hw1/ports=p1").status, 204);
  json t1 = config("/transparenthelloworld:transparenthelloworld=t1")["transparenthelloworld:transparenthelloworld"][0];
  EXPECT_FALSE(t1.contains("attached-to")) << t1.dump();
  EXPECT_TRUE(topology().value("attachment", json::array()).empty());
  EXPECT_TRUE(pinned("t1"));
}

TEST_F(AttachSemantics, TransparentCubeOnTheNetdevSideOfAPort) {
  ASSERT_EQ(add_hw("hw1"), 201);
  ASSERT_EQ(pcnd.rest("POST", "", R"({"transparenthelloworld:transparenthelloworld":[{"name":"t1","ingress-action":"DROP"}]})")
                .status,
            201);
  ASSERT_TRUE(ping());
  // va is hw1:p1's peer; t1 sits between it and the port.
  ASSERT_EQ(op("attach", R"({"cube":"t1","port":")" + va + "\"}"), 204) << last;
  EXPECT_FALSE(ping());  // t1 drops what comes in from va
  ASSERT_EQ(op("detach", R"({"cube":"t1","port":")" + va + "\"}"), 204) << last;
  EXPECT_TRUE(ping());
}

TEST_F(AttachSemantics, AttachAfterAndBefore) {
  ASSERT_EQ(add_hw("hw1"), 201);
  ASSERT_EQ(pcnd.rest("POST", "", R"({"transparenthelloworld:transparenthelloworld":[{"name":"t1"},{"name":"t2"},{"name":"t3"}]})")
                .status,
            201);
  ASSERT_EQ(op("attach", R"({"cube":"t1","port":"hw1:p1"})"), 204) << last;
  const std::string before = pcnd.rest("GET", "?content=config").body;
  // Refused, nothing changed: the named cube is not on that port, or not at all; two positions.
  EXPECT_EQ(op("attach", R"({"cube":"t2","port":"hw1:p2","after":"t1"})"), 400);
  EXPECT_NE(last.find("t1 is not attached to hw1:p2"), std::string::npos) << last;
  EXPECT_EQ(op("attach", R"({"cube":"t2","port":"hw1:p1","before":"nope"})"), 400);
  EXPECT_EQ(op("attach", R"({"cube":"t2","port":"hw1:p1","position":"first","after":"t1"})"), 400);
  EXPECT_EQ(op("attach", R"({"cube":"t2","port":"hw1:p1","position":"after:t3"})"), 400);
  EXPECT_EQ(pcnd.rest("GET", "?content=config").body, before);
  // Accepted: t2 after t1, t3 before t1.
  ASSERT_EQ(op("attach", R"({"cube":"t2","port":"hw1:p1","after":"t1"})"), 204) << last;
  ASSERT_EQ(op("attach", R"({"cube":"t3","port":"hw1:p1","before":"t1"})"), 204) << last;
  json cube = json::parse(pcnd.rest("GET", "/polycube:cubes/cube=hw1").body)["polycube:cube"][0];
  json stack;
  for (const auto &p : cube["ports"])
    if (p["name"] == "p1") stack = p["transparent-cubes"];
  EXPECT_EQ(stack, (json{"t3", "t1", "t2"})) << cube.dump();
  EXPECT_EQ(config("/transparenthelloworld:transparenthelloworld=t2")["transparenthelloworld:transparenthelloworld"][0]["position"],
            "after:t1");
  EXPECT_TRUE(ping());
}

TEST_F(AttachSemantics, OneSideOfACubeLinkWaitsForTheOther) {
  // a -- va [hw1 p1, p2] ~~ [hw2 p1, p2] vb -- b
  ASSERT_EQ(pcnd.rest("POST", "", R"({"helloworld:helloworld":[
      {"name":"hw1","action":"FORWARD","ports":[{"name":"p1","peer":")" + va + R"("},{"name":"p2"}]},
      {"name":"hw2","action":"FORWARD","ports":[{"name":"p1"},{"name":"p2","peer":")" + vb + R"("}]}]})")
                .status,
            201);
  auto status = [&](const std::string &cube, const std::string &port) {
    json c = json::parse(pcnd.rest("GET", "/polycube:cubes/cube=" + cube).body)["polycube:cube"][0];
    for (const auto &p : c["ports"])
      if (p["name"] == port) return p["status"].get<std::string>();
    return std::string("?");
  };
  // One side: accepted, waiting, no traffic.
  RestReply r = pcnd.rest("PATCH", "/helloworld:helloworld=hw1/ports=p2", R"({"helloworld:ports":[{"name":"p2","peer":"hw2:p1"}]})");
  ASSERT_EQ(r.status, 204) << r.body;
  EXPECT_EQ(status("hw1", "p2"), "waiting for the other side (hw2:p1 does not name this port as its peer)");
  EXPECT_EQ(status("hw2", "p1"), "no peer");
  EXPECT_FALSE(ping());
  // The port it waits for cannot go.
  EXPECT_EQ(pcnd.rest("DELETE", "/helloworld:helloworld=hw2/ports=p1").status, 409);
  // The other side: the link is up.
  r = pcnd.rest("PATCH", "/helloworld:helloworld=hw2/ports=p1", R"({"helloworld:ports":[{"name":"p1","peer":"hw1:p2"}]})");
  ASSERT_EQ(r.status, 204) << r.body;
  EXPECT_EQ(status("hw1", "p2"), "up");
  EXPECT_EQ(status("hw2", "p1"), "up");
  EXPECT_TRUE(ping());
  // One side cleared: the other waits again.
  ASSERT_EQ(pcnd.rest("DELETE", "/helloworld:helloworld=hw1/ports=p2/peer").status, 204);
  EXPECT_EQ(status("hw2", "p1"), "waiting for the other side (hw1:p2 does not name this port as its peer)");
  EXPECT_FALSE(ping());
}

}  // namespace
