// simplebridge as a model-driven service: YANG module + reconciler.
#include "simplebridge_model.h"

#include "simplebridge.h"

const std::string &simplebridge_yang();

namespace polycube::services {

ServiceModel simplebridge_model() {
  return {"simplebridge", simplebridge_yang(),
          [](Runtime &rt, const std::string &name, const nlohmann::json *desired) {
            reconcile_cube<SimpleBridge>(rt, "simplebridge", name, desired,
                                         [](SimpleBridge &sb, const nlohmann::json &d) {
                                           uint32_t aging = SB_DEFAULT_AGING;
                                           if (d.contains("fdb")) aging = d["fdb"].value("aging-time", aging);
                                           if (aging != sb.aging_time()) sb.set_aging_time(aging);
                                         });
          }};
}

}  // namespace polycube::services
