// helloworld: a cube with two ports that drops, forwards (port 0 <-> port 1)
// or punts every packet to its control plane, which logs it and drops it
// (as Polycube's helloworld does).
#pragma once

#include <atomic>
#include <string_view>

#include "helloworld_shared.h"
#include "polycube/cube.h"
#include "helloworld_gen.h"

namespace polycube::services {

class HelloWorld : public Cube {
 public:
  enum class Action { kDrop = HW_DROP, kSlowpath = HW_SLOWPATH, kForward = HW_FORWARD };

  HelloWorld(Runtime &rt, const std::string &name, Mode mode = Mode::kTc);
  // The YANG module's name (codegen); make_helloworld_model() checks it at compile time.
  static constexpr std::string_view kServiceName = gen::helloworld::kServiceName;
  static ServiceInfo info();

  void set_action(Action a);
  Action action() const;
  static Action action_from_string(const std::string &s);  // DROP|SLOWPATH|FORWARD
  // Packets the control plane received through the slow path (logged at
  // INFO on the cube's logger, then dropped).
  uint64_t packets_in() const { return packets_in_; }

 protected:
  void on_port_added(const Port &p) override;
  void on_port_removed(const Port &p) override;
  void on_packet_in(const PacketIn &pkt) override;

 private:
  void write_config();
  hw_config cfg_{HW_DROP, {HW_NO_PORT, HW_NO_PORT}};
  std::atomic<uint64_t> packets_in_{0};
};

}  // namespace polycube::services
