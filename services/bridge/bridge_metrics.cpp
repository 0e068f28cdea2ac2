// The bridge's figures for GET /metrics: its FDB size (one read per entry:
// the FDB keeps no count), and one per-CPU counter read for floods and
// drops by reason.
#include "bridge.h"

namespace polycube::services {

void Bridge::metrics(std::vector<MetricSample> &out) {
  using Type = MetricSample::Type;
  out.push_back({"polycube_bridge_fdb_entries", "Filtering-database entries, learned and static.", Type::kGauge, {},
                 static_cast<double>(fdb_entries())});
  Counters c = counters();
  out.push_back({"polycube_bridge_floods_total", "Frames flooded to every port of their VLAN.", Type::kCounter, {},
                 static_cast<double>(c.floods)});
  const char *help = "Frames the bridge dropped, by reason.";
  const std::pair<const char *, uint64_t> drops[] = {
      {"vlan", c.vlan_drops},                   // not a member of the frame's VLAN
      {"stp", c.stp_drops},                     // port not forwarding
      {"flood_rate", c.flood_drops},            // over the flood rate limit
      {"slowpath_flood", c.slowpath_flood_drops},  // over the slow path's flood budget
  };
  for (const auto &[reason, n] : drops)
    out.push_back({"polycube_bridge_drops_total", help, Type::kCounter, {{"reason", reason}}, static_cast<double>(n)});
}

}  // namespace polycube::services
