#include "transparenthelloworld.h"

#include "polycube/runtime.h"
#include "transparenthelloworld_bpf.h"
#include "transparenthelloworld_bpf_maps.h"

namespace polycube::services {

namespace maps = polycube::bpf_maps::transparenthelloworld_bpf;

ServiceInfo TransparentHelloWorld::info() {
  return ServiceInfo{std::string(kServiceName),
                     transparenthelloworld_bpf(),
                     {{"thw_ingress", PCN_SLOT_INGRESS}, {"thw_egress", PCN_SLOT_EGRESS}},
                     true};
}

TransparentHelloWorld::TransparentHelloWorld(Runtime &rt, const std::string &name, Mode mode)
    : Cube(rt, name, info(), CubeOptions{mode, 1}) {}

TransparentHelloWorld::Action TransparentHelloWorld::action_from_string(const std::string &s) {
  if (s == "PASS") return Action::kPass;
  if (s == "DROP") return Action::kDrop;
  if (s == "SLOWPATH") return Action::kSlowpath;
  throw Error(ErrorCode::kInvalid, "unknown action '" + s + "' (expected PASS, DROP or SLOWPATH)");
}

void TransparentHelloWorld::set_action(Direction dir, Action a) {
  map<uint32_t, uint32_t>(maps::thw_config).set(dir, static_cast<uint32_t>(a));
}

TransparentHelloWorld::Action TransparentHelloWorld::action(Direction dir) const {
  return static_cast<Action>(map<uint32_t, uint32_t>(maps::thw_config).get(dir).value_or(0));
}

uint64_t TransparentHelloWorld::packets(Direction dir) const {
  uint64_t sum = 0;
  for (uint64_t v : PercpuMap<uint32_t, uint64_t>(map_fd(maps::thw_counters)).get(dir)) sum += v;
  return sum;
}

}  // namespace polycube::services
