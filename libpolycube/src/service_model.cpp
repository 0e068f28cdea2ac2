#include "polycube/service_model.h"

#include <map>

#include "polycube/cube.h"
#include "polycube/error.h"
#include "polycube/runtime.h"

namespace polycube {

void reconcile_ports(Cube &cube, const nlohmann::json *desired_ports) {
  std::map<std::string, std::string> want;  // port -> peer
  if (desired_ports && desired_ports->is_array())
    for (const auto &p : *desired_ports) want[p.at("name").get<std::string>()] = p.value("peer", "");
  // Removed ports first (their netdevs may be wanted by another port), then
  // peers of kept ports, then new ports.
  for (const auto &p : cube.ports())
    if (!want.count(p.name)) {
      cube.set_peer(p.name, "");
      cube.del_port(p.name);
    }
  for (const auto &[name, peer] : want) {
    bool exists = false;
    for (const auto &p : cube.ports()) exists |= p.name == name;
    if (exists && cube.port(name).peer.to_string() != peer) cube.set_peer(name, peer);
  }
  for (const auto &[name, peer] : want) {
    bool exists = false;
    for (const auto &p : cube.ports()) exists |= p.name == name;
    if (!exists) cube.add_port(name, peer);
  }
}

std::string mode_name_of(const nlohmann::json &desired) { return desired.value("type", "TC"); }

std::shared_ptr<Cube> find_cube(Runtime &rt, const std::string &name) {
  try {
    return rt.get(name);
  } catch (const Error &e) {
    if (e.code() != ErrorCode::kNotFound) throw;
    return nullptr;
  }
}

}  // namespace polycube
