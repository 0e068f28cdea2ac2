// End-to-end: cubes built only from RFC 7951 configuration through the
// datastore and the reconciler (the daemon's write path), with traffic; a
// write that the kernel refuses halfway is rolled back in the kernel and in
// the tree.
#include <gtest/gtest.h>

#include "errors.h"
#include "helloworld.h"
#include "helloworld_model.h"
#include "polycube/runtime.h"
#include "reconciler.h"
#include "simplebridge.h"
#include "simplebridge_model.h"
#include "testnet.h"
#include "transparenthelloworld_model.h"

using namespace polycube;
using namespace polycube::daemon;
using namespace polycube::services;
using namespace pcntest;

namespace {

class ModelDriven : public ::testing::Test {
 protected:
  void SetUp() override {
    for (int i = 1; i <= 3; i++) {
      std::string h = "h" + std::to_string(i);
      net.add_ns(h);
      net.in(h, "sysctl -qw net.ipv6.conf.all.disable_ipv6=1");
      v.push_back(net.add_host(h, "v" + std::to_string(i), "10.22.0." + std::to_string(i) + "/24"));
    }
    rt = std::make_unique<Runtime>();
    rc = std::make_unique<Reconciler>(
        *rt, std::vector<ServiceModel>{helloworld_model(), simplebridge_model(), transparenthelloworld_model()});
  }
  void TearDown() override {
    rc.reset();
    rt.reset();
  }
  // Any reply of three: right after a failed ping the neighbour entry may
  // still be resolving.
  bool ping(int from, int to) {
    return net.in("h" + std::to_string(from), "ping -c 3 -i 0.2 -W 1 -q 10.22.0." + std::to_string(to) + " >/dev/null") == 0;
  }
  // What the kernel side holds: cubes, their ports and peers.
  std::string kernel_state() {
    std::string s;
    for (const auto &c : rt->cubes()) {
      s += c->name() + "(" + c->service() + "):";
      for (const auto &p : c->ports()) s += p.name + "=" + p.peer.to_string() + ",";
      s += ";";
    }
    return s;
  }

  TestNet net;
  std::vector<std::string> v;
  std::unique_ptr<Runtime> rt;
  std::unique_ptr<Reconciler> rc;
};

TEST_F(ModelDriven, BuildUpdateAndDeleteFromConfiguration) {
  EXPECT_EQ(rc->services(), (std::vector<std::string>{"helloworld", "simplebridge", "transparenthelloworld"}));
  rc->merge(R"({"simplebridge:simplebridge":[{"name":"sb1","fdb":{"aging-time":60},
                 "ports":[{"name":"p1","peer":")" + v[0] + R"("},{"name":"p2","peer":")" + v[1] + R"("}]}]})");
  EXPECT_TRUE(ping(1, 2));
  auto sb = std::dynamic_pointer_cast<SimpleBridge>(rt->get("sb1"));
  ASSERT_TRUE(sb);
  EXPECT_EQ(sb->aging_time(), 60u);
  EXPECT_EQ(sb->fdb().size(), 2u);
  EXPECT_FALSE(ping(1, 3));

  // PATCH-like merge: one more port; the running cube is updated in place.
  uint32_t id = sb->blocks().at(0).prog_id;
  rc->merge(R"({"simplebridge:simplebridge":[{"name":"sb1","ports":[{"name":"p3","peer":")" + v[2] + R"("}]}]})");
  EXPECT_TRUE(ping(1, 3));
  EXPECT_EQ(sb->blocks().at(0).prog_id, id);  // no reload
  EXPECT_EQ(sb->ports().size(), 3u);
  EXPECT_NE(rc->get().find("\"p3\""), std::string::npos);

  rc->remove("/simplebridge:simplebridge[name='sb1']/ports[name='p2']");
  EXPECT_EQ(sb->ports().size(), 2u);
  EXPECT_FALSE(ping(1, 2));
  rc->remove("/simplebridge:simplebridge[name='sb1']");
  EXPECT_TRUE(rt->cubes().empty());
  EXPECT_EQ(rc->get(), "{}");
}

TEST_F(ModelDriven, KernelFailureHalfwayRollsEverythingBack) {
  rc->merge(R"({"helloworld:helloworld":[{"name":"hw1","action":"FORWARD",
                 "ports":[{"name":"a","peer":")" + v[0] + R"("},{"name":"b","peer":")" + v[1] + R"("}]}]})");
  ASSERT_TRUE(ping(1, 2));
  const std::string tree = rc->get(), kernel = kernel_state();

  // One write: hw1 switched to DROP (fine), a new hw4 on a free netdev
  // (fine), then a bridge whose peer does not exist (refused). Services are
  // applied in module order, so the first two are done when the third fails;
  // nothing may stay.
  std::string bad = R"({"helloworld:helloworld":[{"name":"hw1","action":"DROP"},
                          {"name":"hw4","ports":[{"name":"x","peer":")" + v[2] + R"("}]}],
                        "simplebridge:simplebridge":[{"name":"sb9","ports":[{"name":"p1","peer":"no-such-dev7"}]}]})";
  EXPECT_EQ(error_of([&] { rc->merge(bad); }), "not-found");
  EXPECT_EQ(rc->get(), tree);
  EXPECT_EQ(kernel_state(), kernel);
  EXPECT_TRUE(ping(1, 2));  // hw1 forwards again
  EXPECT_EQ(std::dynamic_pointer_cast<HelloWorld>(rt->get("hw1"))->action(), HelloWorld::Action::kForward);
  EXPECT_EQ(sh_out("tc qdisc show dev " + v[2] + " | grep -c clsact"), "0");  // hw4's port was undone

  // A netdev already used by a port: in use, nothing changes.
  EXPECT_EQ(error_of([&] {
              rc->merge(R"({"helloworld:helloworld":[{"name":"hw3","ports":[{"name":"a","peer":")" + v[0] +
                        R"("}]}]})");
            }),
            "in-use");
  EXPECT_EQ(rc->get(), tree);
  EXPECT_EQ(kernel_state(), kernel);
  // Names are global across services.
  EXPECT_EQ(error_of([&] { rc->merge(R"({"simplebridge:simplebridge":[{"name":"hw1"}]})"); }), "exists");
  EXPECT_EQ(rc->get(), tree);
  // The mode is fixed at creation.
  EXPECT_EQ(error_of([&] { rc->merge(R"({"helloworld:helloworld":[{"name":"hw1","type":"XDP_SKB"}]})"); }),
            "invalid-value");
  EXPECT_EQ(rc->get(), tree);
  EXPECT_EQ(kernel_state(), kernel);
  EXPECT_TRUE(ping(1, 2));
}

}  // namespace
