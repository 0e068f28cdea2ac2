// simplebridge as a model-driven service: YANG module + reconciler.
#include "simplebridge_model.h"

#include "simplebridge.h"

const std::string &simplebridge_yang();

namespace polycube::services {

namespace {
std::shared_ptr<SimpleBridge> bridge(Runtime &rt, const std::string &name) {
  auto sb = std::dynamic_pointer_cast<SimpleBridge>(rt.get(name));
  if (!sb) throw Error(ErrorCode::kNotFound, "cube " + name + " is not a simplebridge");
  return sb;
}
}  // namespace

ServiceModel simplebridge_model() {
  ServiceModel m;
  m.name = "simplebridge";
  m.yang = simplebridge_yang();
  m.reconcile = [](Runtime &rt, const std::string &name, const nlohmann::json *desired) {
    reconcile_cube<SimpleBridge>(rt, "simplebridge", name, desired, [](SimpleBridge &sb, const nlohmann::json &d) {
      uint32_t aging = SB_DEFAULT_AGING;
      if (d.contains("fdb")) aging = d["fdb"].value("aging-time", aging);
      if (aging != sb.aging_time()) sb.set_aging_time(aging);
    });
  };
  // The filtering database, as fdb/entry (config false).
  m.state = [](Runtime &rt, const std::string &name) {
    nlohmann::json entries = nlohmann::json::array();
    for (const auto &e : bridge(rt, name)->fdb())
      entries.push_back({{"address", e.mac}, {"port", e.port}, {"age", e.age}});
    if (entries.empty()) return nlohmann::json();
    return nlohmann::json{{"fdb", {{"entry", entries}}}};
  };
  m.action = [](Runtime &rt, const std::string &name, const std::string &path, const nlohmann::json &) {
    if (path != "fdb/flush") throw Error(ErrorCode::kNotFound, "no action " + path);
    bridge(rt, name)->flush_fdb();
    return nlohmann::json();
  };
  return m;
}

}  // namespace polycube::services
