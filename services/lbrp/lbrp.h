// lbrp: load balancer, reverse proxy (lbrp.bpf.c, lbrp_shared.h). The
// control plane writes the services, their backends by slot and their
// Maglev tables (shared between services with the same slots and weights),
// answers for the sessions, and collects expired ones. A configuration
// change touches only the services it changes: adding one service to
// 100,000 writes that service's entries and nothing else.
#pragma once

#include <memory>
#include <mutex>
#include <string_view>
#include <tuple>
#include <vector>

#include "lbrp_config.h"
#include "lbrp_shared.h"
#include "polycube/conntrack.h"
#include "polycube/cube.h"
#include "lbrp_gen.h"
#include "polycube/maglev_tables.h"
#include "polycube/xlate.h"

namespace polycube::services {

class Lbrp : public Cube {
 public:
  Lbrp(Runtime &rt, const std::string &name, Mode mode = Mode::kTc);
  ~Lbrp() override;
  // The YANG module's name (codegen); make_lbrp_model() checks it at compile time.
  static constexpr std::string_view kServiceName = gen::lbrp::kServiceName;
  static ServiceInfo info();

  // Converges ports, services and backends to `cfg`; what did not change
  // is not written. Established flows keep their backend; a removed
  // backend's flows drain, or end (backend-removal RESET).
  void apply(const lbrp::Config &cfg);

  // orig: client -> vip:vport, as it arrived
  using Session = xlate::Entry<lbrp_session>;
  std::vector<Session> sessions() const;
  lbrp_stats stats() const;  // summed over CPUs
  struct Counts {
    size_t services = 0, backends = 0, tables = 0;
    uint64_t writes = 0;  // service, backend and virtual-IP entries written or deleted so far
  };
  Counts counts() const;
  // Deletes timed-out sessions (and their claims), ends the sessions of
  // backends removed from RESET services, frees unused Maglev tables (the
  // collector thread runs it every 2 s, and at once after a RESET removal);
  // returns how many sessions went.
  size_t collect();

 protected:
  void on_port_removed(const Port &p) override;

 private:
  using DpKey = std::tuple<uint32_t, uint16_t, uint8_t>;  // vip, vport (host order), protocol number
  struct DpService {
    uint32_t table = LBRP_NO_TABLE;
    std::map<uint32_t, uint16_t> slots;  // backend address -> slot
  };
  // A backend whose flows are to end (RESET): the service's data-plane
  // key and the backend's translated address and port (network order).
  struct Doomed {
    lbrp_service_key svc;
    uint32_t ip;
    uint16_t port;
  };

  void apply_ports(const lbrp::Config &cfg);
  // A port's id in lbrp_port_names: a hash of its name, never 0.
  static uint64_t port_id(const std::string &name);
  // After a restart: adopted sessions whose frontend port has another
  // index in this run get it.
  void move_adopted_sessions();
  // Makes data-plane service `key` match `now` (null: remove it).
  void sync_service(const DpKey &key, const lbrp::Service *before, const lbrp::Service *now);
  void count_vip(uint32_t vip, int delta);
  uint16_t adopted_slot(const DpKey &key, uint32_t ip, const std::set<uint16_t> &used) const;

  lbrp::Config cfg_;
  std::map<DpKey, DpService> dp_;
  size_t backends_ = 0, any_port_ = 0;
  uint64_t writes_ = 0;
  std::map<uint32_t, uint32_t> vips_;  // virtual IP -> data-plane services on it
  // Slots the previous run gave (kept lbrp_backends), reused by the first
  // apply so that the same flows keep mapping to the same backends.
  std::map<std::pair<DpKey, uint32_t>, uint16_t> adopted_;
  // The previous run's port indexes (kept lbrp_port_names): port id -> index;
  // emptied by the first apply.
  std::map<uint64_t, uint32_t> ports_before_;
  std::vector<uint64_t> port_names_ = std::vector<uint64_t>(LBRP_MAX_PORTS, 0);  // as written
  std::unique_ptr<maglev::Tables> tables_;
  std::unique_ptr<xlate::Sessions> sessions_;
  std::mutex collect_mu_;  // one collection at a time: a caller's returns when the running one is done
  std::mutex doomed_mu_;
  std::vector<Doomed> doomed_;
  std::unique_ptr<conntrack::Collector> gc_;
};

}  // namespace polycube::services
