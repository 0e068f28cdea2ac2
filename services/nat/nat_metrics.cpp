// The NAT's figures for GET /metrics: one per-CPU counter read (sessions
// created, new flows dropped by reason), never a walk of the session table.
#include "nat.h"

namespace polycube::services {

void Nat::metrics(std::vector<MetricSample> &out) {
  using Type = MetricSample::Type;
  nat_stats s = stats();
  out.push_back({"polycube_nat_sessions_created_total", "Translation sessions created.", Type::kCounter, {},
                 static_cast<double>(s.sessions_created)});
  const char *help = "New flows the NAT dropped, by reason.";
  const std::pair<const char *, uint64_t> drops[] = {
      {"ports_exhausted", s.ports_exhausted},  // no free external port (or ICMP id)
      {"table_full", s.table_full},            // the session table is full
      {"clash", s.clashes},                    // the reply tuple is another live session's
  };
  for (const auto &[reason, n] : drops)
    out.push_back({"polycube_nat_drops_total", help, Type::kCounter, {{"reason", reason}}, static_cast<double>(n)});
}

}  // namespace polycube::services
