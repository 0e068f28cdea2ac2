#include "helloworld.h"

#include <spdlog/spdlog.h>

#include "helloworld_bpf.h"
#include "helloworld_bpf_maps.h"
#include "polycube/runtime.h"

namespace polycube::services {

namespace maps = polycube::bpf_maps::helloworld_bpf;

ServiceInfo HelloWorld::info() {
  return ServiceInfo{std::string(kServiceName), helloworld_bpf(), {{"hw_main", PCN_SLOT_INGRESS}}, false};
}

HelloWorld::HelloWorld(Runtime &rt, const std::string &name, Mode mode)
    : Cube(rt, name, info(), CubeOptions{mode, 2}) {
  write_config();
}

void HelloWorld::write_config() { map<uint32_t, hw_config>(maps::hw_config).set(0, cfg_); }

void HelloWorld::set_action(Action a) {
  update_entry(map<uint32_t, hw_config>(maps::hw_config), 0, cfg_,
               [&](hw_config &c) { c.action = static_cast<uint32_t>(a); });
}

HelloWorld::Action HelloWorld::action() const {
  return locked([&] { return static_cast<Action>(cfg_.action); });
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
  write_config();
}

void HelloWorld::on_port_removed(const Port &p) {
  for (int i = 0; i < 2; i++)
    if (cfg_.ports[i] == p.index) cfg_.ports[i] = HW_NO_PORT;
  write_config();
}

void HelloWorld::on_packet_in(const PacketIn &pkt) {
  // What SLOWPATH is for: show that the control plane sees the packet. It
  // goes no further (FORWARD forwards).
  packets_in_++;
  log().info("packet from port {} reached the slow path ({} bytes); dropped", pkt.port_name, pkt.len);
}

}  // namespace polycube::services
