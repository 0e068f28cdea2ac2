// transparenthelloworld as a model-driven service: YANG module + reconciler.
#include "transparenthelloworld_model.h"

#include "transparenthelloworld.h"

const std::string &transparenthelloworld_yang();

namespace polycube::services {

ServiceModel transparenthelloworld_model() {
  using T = TransparentHelloWorld;
  return {"transparenthelloworld", transparenthelloworld_yang(),
          [](Runtime &rt, const std::string &name, const nlohmann::json *desired) {
            reconcile_cube<T>(rt, "transparenthelloworld", name, desired, [](T &t, const nlohmann::json &d) {
              t.set_action(T::kIngress, T::action_from_string(d.value("ingress-action", "PASS")));
              t.set_action(T::kEgress, T::action_from_string(d.value("egress-action", "PASS")));
            });
          }};
}

}  // namespace polycube::services
