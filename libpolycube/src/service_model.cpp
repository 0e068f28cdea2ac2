#include "polycube/service_model.h"

#include <map>

#include "polycube/cube.h"
#include "polycube/error.h"
#include "polycube/runtime.h"

namespace polycube {

void reconcile_ports(Cube &cube, const nlohmann::json *desired_ports) {
  struct Want {
    std::string peer;
    bool reattach = false;
  };
  std::map<std::string, Want> want;  // by port name
  if (desired_ports && desired_ports->is_array())
    for (const auto &p : *desired_ports)
      want[p.at("name").get<std::string>()] = {p.value("peer", ""), p.value("reattach", false)};
  // Removed ports first (their netdevs may be wanted by another port), then
  // peers of kept ports, then new ports.
  for (const auto &p : cube.ports())
    if (!want.count(p.name)) {
      cube.set_peer(p.name, "");
      cube.del_port(p.name);
    }
  for (const auto &[name, w] : want) {
    bool exists = false;
    for (const auto &p : cube.ports()) exists |= p.name == name;
    if (!exists) continue;
    Port now = cube.port(name);
    if (now.reattach != w.reattach) cube.set_reattach(name, w.reattach);
    // A peer netdev that went away and was cleared here already: the
    // daemon clears it in the configuration too (a write that comes first
    // does not try to take it again).
    bool cleared_here = now.peer.kind == Peer::kNone && !now.lost_peer.empty() && now.lost_peer == w.peer;
    if (!cleared_here && now.peer.to_string() != w.peer) cube.set_peer(name, w.peer);
  }
  for (const auto &[name, w] : want) {
    bool exists = false;
    for (const auto &p : cube.ports()) exists |= p.name == name;
    if (exists) continue;
    cube.add_port(name, w.peer);
    if (w.reattach) cube.set_reattach(name, true);
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
