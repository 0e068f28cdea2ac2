// The DDoS mitigator's figures for GET /metrics: its blacklist sizes (kept
// by the control plane) and its drop totals (one per-CPU counter read), not
// the per-entry counters.
#include "ddosmitigator.h"

namespace polycube::services {

void DdosMitigator::metrics(std::vector<MetricSample> &out) {
  using Type = MetricSample::Type;
  Stats s = stats();
  out.push_back({"polycube_ddosmitigator_blacklist_entries", "Blacklist entries (addresses and prefixes).",
                 Type::kGauge, {{"list", "source"}}, static_cast<double>(s.src_entries)});
  out.push_back({"polycube_ddosmitigator_blacklist_entries", "Blacklist entries (addresses and prefixes).",
                 Type::kGauge, {{"list", "destination"}}, static_cast<double>(s.dst_entries)});
  out.push_back({"polycube_ddosmitigator_dropped_packets_total", "Packets dropped: their address is blacklisted.",
                 Type::kCounter, {}, static_cast<double>(s.drop_pkts)});
  out.push_back({"polycube_ddosmitigator_dropped_bytes_total", "Bytes dropped: their address is blacklisted.",
                 Type::kCounter, {}, static_cast<double>(s.drop_bytes)});
}

}  // namespace polycube::services
