// transparenthelloworld: attaches to a cube port or a netdev and passes,
// drops or punts what crosses it, per direction, counting packets.
#pragma once

#include <atomic>
#include <string_view>

#include "polycube/cube.h"
#include "transparenthelloworld_gen.h"
#include "transparenthelloworld_shared.h"

namespace polycube::services {

class TransparentHelloWorld : public Cube {
 public:
  enum class Action { kPass = THW_PASS, kDrop = THW_DROP, kSlowpath = THW_SLOWPATH };
  enum Direction { kIngress = PCN_SLOT_INGRESS, kEgress = PCN_SLOT_EGRESS };

  TransparentHelloWorld(Runtime &rt, const std::string &name, Mode mode = Mode::kTc);
  // The YANG module's name (codegen); make_transparenthelloworld_model() checks it at compile time.
  static constexpr std::string_view kServiceName = gen::transparenthelloworld::kServiceName;
  static ServiceInfo info();
  static Action action_from_string(const std::string &s);  // PASS|DROP|SLOWPATH

  void set_action(Direction dir, Action a);
  Action action(Direction dir) const;
  uint64_t packets(Direction dir) const;  // seen by the data plane
  uint64_t packets_in() const { return packets_in_; }  // reached the slow path

 protected:
  void on_packet_in(const PacketIn &) override { packets_in_++; }

 private:
  std::atomic<uint64_t> packets_in_{0};
};

}  // namespace polycube::services
