#include "helloworld.h"

#include <mutex>

#include "helloworld_bpf.h"
#include "polycube/runtime.h"

namespace polycube::services {

ServiceInfo HelloWorld::info() {
  return ServiceInfo{"helloworld", helloworld_bpf(), {{"hw_main", PCN_SLOT_INGRESS}}, false};
}

HelloWorld::HelloWorld(Runtime &rt, const std::string &name, Mode mode)
    : Cube(rt, name, info(), CubeOptions{mode, 2}) {
  write_config();
}

void HelloWorld::write_config() { map<uint32_t, hw_config>("hw_config").set(0, cfg_); }

void HelloWorld::set_action(Action a) {
  std::lock_guard<std::recursive_mutex> lock(rt_.mutex());
  hw_config next = cfg_;
  next.action = static_cast<uint32_t>(a);
  map<uint32_t, hw_config>("hw_config").set(0, next);
  cfg_ = next;
}

HelloWorld::Action HelloWorld::action() const {
  std::lock_guard<std::recursive_mutex> lock(rt_.mutex());
  return static_cast<Action>(cfg_.action);
}

HelloWorld::Action HelloWorld::action_from_string(const std::string &s) {
  if (s == "DROP") return Action::kDrop;
  if (s == "SLOWPATH") return Action::kSlowpath;
  if (s == "FORWARD") return Action::kForward;
  throw Error(ErrorCode::kInvalid, "unknown action '" + s + "' (expected DROP, SLOWPATH or FORWARD)");
}

void HelloWorld::on_port_added(const Port &p) {
  int i = cfg_.ports[0] == HW_NO_PORT ? 0 : 1;  // max_ports = 2 guarantees a free entry
  cfg_.ports[i] = p.index;
  port_names_[i] = p.name;
  write_config();
}

void HelloWorld::on_port_removed(const Port &p) {
  for (int i = 0; i < 2; i++)
    if (cfg_.ports[i] == p.index) {
      cfg_.ports[i] = HW_NO_PORT;
      port_names_[i].clear();
    }
  write_config();
}

void HelloWorld::on_packet_in(const PacketIn &pkt) {
  packets_in_++;
  std::string out;
  {
    std::lock_guard<std::recursive_mutex> lock(rt_.mutex());
    if (cfg_.ports[0] == pkt.port_index) out = port_names_[1];
    else if (cfg_.ports[1] == pkt.port_index) out = port_names_[0];
  }
  if (!out.empty() && pkt.data.size() == pkt.len)
    packet_out(out, pkt.data);
}

}  // namespace polycube::services
