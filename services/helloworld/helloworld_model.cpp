// helloworld as a model-driven service: YANG module + reconciler.
#include "helloworld_model.h"

#include "helloworld.h"

const std::string &helloworld_yang();

namespace polycube::services {

ServiceModel helloworld_model() {
  return {"helloworld", helloworld_yang(), [](Runtime &rt, const std::string &name, const nlohmann::json *desired) {
            reconcile_cube<HelloWorld>(rt, "helloworld", name, desired, [](HelloWorld &hw, const nlohmann::json &d) {
              hw.set_action(HelloWorld::action_from_string(d.value("action", "DROP")));
            });
          }};
}

}  // namespace polycube::services
