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

void reconcile_attachment(Runtime &rt, Cube &cube, const nlohmann::json &desired) {
  std::string where = desired.value("attached-to", ""), position = desired.value("position", "last");
  const std::string now = cube.attached_to(), old_position = cube.attached_position();
  if (where == now && (where.empty() || position == cube.attached_position())) return;
  if (!now.empty()) rt.detach(cube.name(), now);
  if (where.empty()) return;
  try {
    rt.attach(cube.name(), where, position);
  } catch (...) {
    // Leave it where it was rather than nowhere.
    if (!now.empty()) rt.attach(cube.name(), now, old_position);
    throw;
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
