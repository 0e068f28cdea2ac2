// nat: a transparent cube translating IPv4 addresses and ports (SNAT,
// masquerade, DNAT, port forwarding) with sessions kept by the data plane
// (nat.bpf.c, nat_shared.h). The control plane writes the rule tables,
// ends the sessions of deleted rules, finds the address to masquerade as,
// and collects expired sessions.
#pragma once

#include <atomic>
#include <memory>
#include <optional>
#include <functional>
#include <mutex>
#include <set>
#include <string_view>
#include <vector>

#include "nat_rules.h"
#include "nat_shared.h"
#include "polycube/conntrack.h"
#include "polycube/cube.h"
#include "nat_gen.h"
#include "polycube/xlate.h"

namespace polycube::services {

class Nat : public Cube {
 public:
  Nat(Runtime &rt, const std::string &name, Mode mode = Mode::kTc);
  ~Nat() override;
  // The YANG module's name (codegen); make_nat_model() checks it at compile time.
  static constexpr std::string_view kServiceName = gen::nat::kServiceName;
  static ServiceInfo info();

  // Converges the rule tables to `cfg` (validated first). New flows follow
  // the new rules; sessions of rules that are gone (masquerade turned off
  // included) end, the others keep their translation.
  void apply(const nat::Config &cfg);
  nat::Config config() const;

  // orig: the first packet as it arrived
  using Session = xlate::Entry<nat_session>;
  std::vector<Session> sessions() const;
  nat_stats stats() const;  // summed over CPUs
  // Sessions created and new flows dropped by reason (nat_metrics.cpp).
  void metrics(std::vector<MetricSample> &out) override;
  // The address masquerade translates to now (0: none: masquerade off,
  // not attached, or the attachment has no IPv4 address).
  uint32_t masquerade_address() const;
  // Looks the attachment's address up again (a router port's address may
  // change); the GC thread calls it. Returns false if the runtime was busy.
  bool refresh_masquerade();
  // Deletes timed-out sessions and their port claims (the GC thread calls
  // it every 2 s); returns how many sessions went.
  size_t collect();

 private:
  // The IPv4 address of what `where` ("cube:port" or a netdev) is, if any.
  std::optional<uint32_t> address_of(const std::string &where) const;
  void write_config();

  nat::Config cfg_;
  bool applied_ = false;
  std::atomic<uint32_t> masq_addr_{0};  // host order, as written to nat_config
  std::mutex write_mu_;                 // nat_config writes (apply, GC thread)
  std::unique_ptr<xlate::Sessions> sessions_;  // own fds: the GC thread never takes the runtime lock
  std::unique_ptr<conntrack::Collector> gc_;
};

}  // namespace polycube::services
