// The firewall's figures for GET /metrics. Each costs what it reads: the
// rule counts the control plane keeps, one per-CPU counter per chain, and
// the session count the collector took on its last pass (a scrape never
// walks the session table or the per-rule counters).
#include "firewall.h"

namespace polycube::services {

void Firewall::metrics(std::vector<MetricSample> &out) {
  using Type = MetricSample::Type;
  for (int chain : {FW_INGRESS, FW_EGRESS}) {
    const std::string name = chain == FW_INGRESS ? "INGRESS" : "EGRESS";
    out.push_back({"polycube_firewall_rules", "Rules of a firewall chain.", Type::kGauge, {{"chain", name}},
                   static_cast<double>(rule_count(chain))});
    out.push_back({"polycube_firewall_default_action_packets_total",
                   "Packets no rule of the chain matched, which met its default action (dropped when that is DROP).",
                   Type::kCounter, {{"chain", name}}, static_cast<double>(default_counter(chain).pkts)});
  }
  out.push_back({"polycube_firewall_sessions",
                 "Connection-tracking sessions, as of the last collection of expired ones (every 5 s).", Type::kGauge,
                 {}, static_cast<double>(sessions_at_last_collection())});
  out.push_back({"polycube_firewall_logged_total", "Packets a LOG rule reported.", Type::kCounter, {},
                 static_cast<double>(logged())});
}

}  // namespace polycube::services
