// The router's figures for GET /metrics: the slow path's own counters,
// read from memory. A packet for a next hop whose ARP never resolves is
// dropped (reason arp_unresolved) when its queue is full, when too many
// next hops wait, or when it waited too long.
#include "router.h"

namespace polycube::services {

void Router::metrics(std::vector<MetricSample> &out) {
  using Type = MetricSample::Type;
  Counters c = counters();
  out.push_back({"polycube_router_arp_requests_sent_total", "ARP requests the router sent.", Type::kCounter, {},
                 static_cast<double>(c.arp_requests_sent)});
  out.push_back({"polycube_router_queued_packets_total", "Packets queued while their next hop's ARP resolved.",
                 Type::kCounter, {}, static_cast<double>(c.queued)});
  out.push_back({"polycube_router_drops_total", "Packets the router's slow path dropped, by reason.", Type::kCounter,
                 {{"reason", "arp_unresolved"}}, static_cast<double>(c.queue_drops)});
  out.push_back({"polycube_router_icmp_errors_sent_total", "ICMP errors the router sent (TTL exceeded, unreachable).",
                 Type::kCounter, {}, static_cast<double>(c.icmp_errors_sent)});
}

}  // namespace polycube::services
