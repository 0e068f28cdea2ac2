// ServiceModel::config_action, the framework mechanism the firewall's chain
// actions use, checked on another service: simplebridge's fdb/flush is made
// a configuration action by the test (it sets aging-time). Its result is
// committed like a PUT of the cube (validated, reconciled, persisted and
// restored); a refusal or an invalid result changes nothing; nullopt leaves
// the action to the service's ordinary handler.
#include <gtest/gtest.h>

#include "errors.h"
#include "polycube/runtime.h"
#include "reconciler.h"
#include "simplebridge.h"
#include "simplebridge_model.h"
#include "testnet.h"

using namespace polycube;
using namespace polycube::daemon;
using namespace polycube::services;
using namespace pcntest;
using nlohmann::json;

namespace {

TEST(ConfigAction, CommitsValidatesPersistsAndFallsThrough) {
  TestNet net;
  net.add_ns("a");
  std::string va = net.add_host("a", "va", "10.23.0.1/24");
  std::string state = "/tmp/" + net.prefix() + "config-action.json";
  enum { kSet, kOutOfRange, kRefuse, kPass } mode = kSet;
  int calls = 0;
  ServiceModel m = simplebridge_model();
  m.config_action = [&](const json &current, const std::string &path,
                        const json &) -> std::optional<ServiceModel::ConfigEdit> {
    calls++;
    EXPECT_EQ(path, "fdb/flush");
    EXPECT_EQ(current.value("name", ""), "sb1");
    json next = current;
    switch (mode) {
      case kSet:
        next["fdb"]["aging-time"] = 42;
        return ServiceModel::ConfigEdit{next, json{{"done", true}}};
      case kOutOfRange:  // the YANG range is 1..1000000: the datastore refuses
        next["fdb"]["aging-time"] = 0;
        return ServiceModel::ConfigEdit{next, nullptr};
      case kRefuse:
        throw Error(ErrorCode::kInvalid, "refused by the service");
      case kPass:
        return std::nullopt;
    }
    return std::nullopt;
  };
  auto rt = std::make_unique<Runtime>();
  auto rc = std::make_unique<Reconciler>(*rt, std::vector<ServiceModel>{m}, state);
  rc->merge(R"({"simplebridge:simplebridge":[{"name":"sb1","ports":[{"name":"p1","peer":")" + va + R"("}]}]})");
  auto sb = std::dynamic_pointer_cast<SimpleBridge>(rt->get("sb1"));
  ASSERT_TRUE(sb);
  EXPECT_EQ(sb->aging_time(), 300u);

  EXPECT_EQ(rc->action("simplebridge", "sb1", "fdb/flush", json::object()), (json{{"done", true}}));
  EXPECT_EQ(sb->aging_time(), 42u);  // reconciled
  std::string tree = rc->get("", Reconciler::Content::kConfig);
  EXPECT_NE(tree.find("\"aging-time\":42"), std::string::npos) << tree;

  mode = kOutOfRange;
  EXPECT_EQ(error_of([&] { rc->action("simplebridge", "sb1", "fdb/flush", json::object()); }), "invalid-value");
  mode = kRefuse;
  EXPECT_EQ(error_of([&] { rc->action("simplebridge", "sb1", "fdb/flush", json::object()); }), "invalid-value");
  EXPECT_EQ(rc->get("", Reconciler::Content::kConfig), tree);
  EXPECT_EQ(sb->aging_time(), 42u);

  mode = kPass;  // the ordinary action runs (flush: no output), nothing is written
  EXPECT_TRUE(rc->action("simplebridge", "sb1", "fdb/flush", json::object()).is_null());
  EXPECT_EQ(rc->get("", Reconciler::Content::kConfig), tree);
  EXPECT_EQ(calls, 4);

  // Persisted: a new daemon (runtime + reconciler) restores aging-time 42.
  sb.reset();
  rc.reset();
  rt.reset();
  rt = std::make_unique<Runtime>();
  rc = std::make_unique<Reconciler>(*rt, std::vector<ServiceModel>{m}, state);
  rc->restore();
  auto again = std::dynamic_pointer_cast<SimpleBridge>(rt->get("sb1"));
  ASSERT_TRUE(again);
  EXPECT_EQ(again->aging_time(), 42u);
  again.reset();
  rc.reset();
  rt.reset();
  sh("rm -f " + state + " " + state + ".tmp " + state + ".snapshot " + state + ".journal");
}

}  // namespace
