#include "@name@.h"

#include "@name@_bpf.h"
#include "@name@_bpf_maps.h"

namespace polycube::services {

// The maps of @name@.bpf.c, from the compiled object: a name or a
// key/value size that differs from the object's does not build.
namespace maps = polycube::bpf_maps::@name@_bpf;

ServiceInfo @Name@Cube::info() {
  return ServiceInfo{std::string(kServiceName), @name@_bpf(), {{"@name@_main", PCN_SLOT_INGRESS}}};
}

@Name@Cube::@Name@Cube(Runtime &rt, const std::string &name, Mode mode)
    : Cube(rt, name, info(), CubeOptions{mode, 2}) {
  // The initial entry: cfg_ as it is, the YANG defaults.
  update_entry(map<uint32_t, @name@_config>(maps::config), 0, cfg_, [](@name@_config &) {});
}

void @Name@Cube::set_forward(bool on) {
  update_entry(map<uint32_t, @name@_config>(maps::config), 0, cfg_, [&](@name@_config &c) { c.forward = on; });
}

bool @Name@Cube::forward() const {
  return locked([&] { return cfg_.forward != 0; });
}

uint64_t @Name@Cube::forwarded() const {
  uint64_t sum = 0;
  for (uint64_t n : percpu_map<uint32_t, uint64_t>(maps::forwarded).get(0)) sum += n;
  return sum;
}

void @Name@Cube::on_port_added(const Port &p) {
  // max-elements 2 in the YANG (and CubeOptions) guarantee a free entry.
  update_entry(map<uint32_t, @name@_config>(maps::config), 0, cfg_, [&](@name@_config &c) {
    c.ports[c.ports[0] == @NAME@_NO_PORT ? 0 : 1] = p.index;
  });
}

void @Name@Cube::on_port_removed(const Port &p) {
  update_entry(map<uint32_t, @name@_config>(maps::config), 0, cfg_, [&](@name@_config &c) {
    for (auto &port : c.ports)
      if (port == p.index) port = @NAME@_NO_PORT;
  });
}

}  // namespace polycube::services
