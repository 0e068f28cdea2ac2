// lbdsr: load balancer, direct server return (lbdsr.bpf.c, lbdsr_shared.h).
// The control plane writes the frontend (virtual IP and MAC), the pool by
// slot and the pool's Maglev table (libpolycube maglev.h: a backend's
// permutation comes from its pool id).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "lbdsr_shared.h"
#include "polycube/cube.h"
#include "lbdsr_gen.h"
#include "polycube/maglev_tables.h"

namespace polycube::services {

class Lbdsr : public Cube {
 public:
  struct Member {
    uint64_t mac = 0;  // polycube/mac.h form
    uint16_t weight = 1;
    bool operator==(const Member &) const = default;
  };
  struct Config {
    std::string frontend_port, backend_port;  // port names ("" if none)
    uint32_t vip = 0;                         // host order, 0: none
    uint64_t mac = 0;
    std::map<uint32_t, Member> pool;          // by id
  };
  // An `lbdsr` list instance as values; polycube::Error (kInvalid) when the
  // ports are not one FRONTEND and one BACKEND.
  static Config parse_config(const nlohmann::json &cube);

  Lbdsr(Runtime &rt, const std::string &name, Mode mode = Mode::kTc);
  // The YANG module's name (codegen); make_lbdsr_model() checks it at compile time.
  static constexpr std::string_view kServiceName = gen::lbdsr::kServiceName;
  static ServiceInfo info();
  void apply(const Config &cfg);
  lbdsr_stats stats() const;

 protected:
  void on_port_removed(const Port &p) override;

 private:
  void write_config();

  Config cfg_;
  std::map<uint32_t, uint16_t> slots_;  // pool id -> slot
  uint32_t table_ = LBDSR_NO_TABLE;
  std::unique_ptr<maglev::Tables> tables_;
};

}  // namespace polycube::services
