// The run-time side of the service contract. The compiler checks that a
// cube class's kServiceName is its YANG module's name (tests/contract);
// reconcile_cube refuses, and leaves nothing behind, a cube whose
// ServiceInfo still names another service, instead of creating it and
// answering "already exists" to every later update.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "errors.h"
#include "helloworld.h"
#include "polycube/runtime.h"
#include "polycube/service_model.h"

using namespace polycube;
using namespace polycube::services;
using namespace pcntest;

namespace {

// helloworld's object and blocks, under a misspelt service name.
class Mislabelled : public Cube {
 public:
  Mislabelled(Runtime &rt, const std::string &name, Mode mode)
      : Cube(rt, name, info(), CubeOptions{mode, 2}) {}
  static ServiceInfo info() {
    ServiceInfo i = HelloWorld::info();
    i.service = "hellowrld";
    return i;
  }
};

TEST(ServiceContract, ReconcileRefusesACubeWhoseServiceInfoNamesAnotherService) {
  Runtime rt;
  nlohmann::json desired = {{"name", "c1"}};
  auto configure = [](Mislabelled &, const nlohmann::json &) {};
  std::string err = error_of([&] { reconcile_cube<Mislabelled>(rt, "helloworld", "c1", &desired, configure); });
  EXPECT_EQ(err, "invalid-value");
  EXPECT_EQ(find_cube(rt, "c1"), nullptr);
  // The same with the right name creates the cube, and a second reconcile
  // (an update) finds it.
  auto hw_configure = [](HelloWorld &, const nlohmann::json &) {};
  reconcile_cube<HelloWorld>(rt, "helloworld", "c1", &desired, hw_configure);
  ASSERT_NE(find_cube(rt, "c1"), nullptr);
  reconcile_cube<HelloWorld>(rt, "helloworld", "c1", &desired, hw_configure);
  EXPECT_EQ(find_cube(rt, "c1")->service(), "helloworld");
}

}  // namespace
