// @name@: a cube with two ports that sends every packet out of the other
// port, or drops it, and counts what it forwarded.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "@name@_gen.h"
#include "@name@_shared.h"
#include "polycube/cube.h"

namespace polycube::services {

class @Name@Cube : public Cube {
 public:
  // The YANG module's name, from codegen: make_@name@_model() refuses to
  // compile with a cube class that names another service.
  static constexpr std::string_view kServiceName = gen::@name@::kServiceName;

  // The constructor contract: (runtime, cube name, mode), and nothing that
  // can be half done: a throw here leaves no cube behind.
  @Name@Cube(Runtime &rt, const std::string &name, Mode mode = Mode::kTc);
  static ServiceInfo info();

  void set_forward(bool on);
  bool forward() const;
  // Packets sent out of the other port, summed over the CPUs.
  uint64_t forwarded() const;

 protected:
  void on_port_added(const Port &p) override;
  void on_port_removed(const Port &p) override;

 private:
  @name@_config cfg_{1, {@NAME@_NO_PORT, @NAME@_NO_PORT}};
};

}  // namespace polycube::services
