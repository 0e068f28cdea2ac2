// router: an IPv4 router cube. The configuration (port addresses, static
// routes, ARP aging) is validated as a whole, then the data plane's maps are
// brought to it by difference. The slow path resolves next hops (ARP
// request, bounded queue per next hop, re-injection on the reply) and
// answers with ICMP errors (time exceeded, network unreachable).
#pragma once

#include <chrono>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ipv4.h"
#include "polycube/cube.h"
#include "router_gen.h"
#include "router_shared.h"

namespace polycube::services {

// The router's own configuration, in parsed form.
struct RouterConfig {
  struct PortAddressing {
    std::optional<ipv4::Cidr> primary;
    std::vector<ipv4::Cidr> secondary;
    std::optional<uint64_t> mac;  // configured MAC; derived from the names when absent
  };
  struct StaticRoute {
    ipv4::Cidr network;     // host bits zero
    uint32_t nexthop = 0;   // host order
    std::string interface;  // "" = derived from the next hop
    uint32_t pathcost = 1;
  };
  std::map<std::string, PortAddressing> ports;  // every port of the cube, addressed or not
  std::vector<StaticRoute> routes;
  uint32_t arp_aging = RT_DEFAULT_ARP_AGING;
};

class Router : public Cube {
 public:
  // Frames waiting for one next hop's MAC, and how long they may wait.
  static constexpr size_t kQueuePerNexthop = 8;
  static constexpr std::chrono::milliseconds kQueueLifetime{3000};
  // An unanswered ARP request is sent again after this long, while frames
  // wait for it (as Linux's neighbour retrans_time): a lost request or
  // reply must not stall a flow until its next packet.
  static constexpr std::chrono::milliseconds kArpRetransmit{1000};
  static constexpr size_t kMaxPendingNexthops = 1024;
  // ICMP errors the slow path sends per second at most.
  static constexpr uint32_t kIcmpErrorsPerSecond = 200;

  struct RouteRow {
    std::string network;    // "10.1.0.0/24"
    std::string nexthop;    // "10.2.0.254" or "local"
    std::string interface;  // output port
    uint32_t pathcost;      // 0 for connected routes
    bool connected;
    bool active;  // the one the data plane uses for this network
  };
  struct ArpRow {
    std::string address, mac, interface;
    uint32_t age;  // seconds since last confirmed
  };
  struct Counters {
    uint64_t arp_requests_sent = 0, queued = 0, queue_drops = 0, reinjected = 0, icmp_errors_sent = 0;
  };

  Router(Runtime &rt, const std::string &name, Mode mode = Mode::kTc);
  // The YANG module's name (codegen); make_router_model() checks it at compile time.
  static constexpr std::string_view kServiceName = gen::router::kServiceName;
  static ServiceInfo info();

  // Refuses (kInvalid 400, kExists 409, kInUse 409) a configuration the
  // router cannot run, before anything changes. `current` is what runs now:
  // a static route that is valid there and loses its next hop's network is
  // "in use" (the port or address it needs cannot go), a new one "invalid".
  static void validate(const RouterConfig &desired, const RouterConfig &current);
  // The static routes of `cfg` that cannot run (their next hop on no
  // network of theirs, their port gone): what a DELETE of an address or a
  // port takes with it, as Linux drops the routes through an address it
  // deletes.
  static std::vector<RouterConfig::StaticRoute> unusable_routes(const RouterConfig &cfg);
  // Validates, then converges the data plane to `desired`. Every port named
  // there must exist on the cube.
  void apply(const RouterConfig &desired);
  RouterConfig config() const;
  // A port's primary address (what a NAT on that port masquerades as).
  std::optional<uint32_t> port_ipv4(const std::string &port) const override;

  // MAC of a port: configured, or derived from the cube and port names.
  uint64_t port_mac(const std::string &port) const;
  std::vector<RouteRow> routes() const;
  // Live neighbours (expired ones are removed while reading).
  std::vector<ArpRow> arp_table();
  void flush_arp();
  Counters counters() const;

  // Slow-path counters: ARP, queued and dropped packets (router_metrics.cpp).
  void metrics(std::vector<MetricSample> &out) override;

 protected:
  void on_port_added(const Port &p) override;
  void on_port_removed(const Port &p) override;
  void on_port_egress(const Port &p, const pcn_target &egress) override;
  void on_packet_in(const PacketIn &pkt) override;
  void on_tick(std::chrono::steady_clock::time_point now) override;

 private:
  struct Pending {
    uint32_t port = 0;  // output port index
    std::deque<std::pair<std::chrono::steady_clock::time_point, std::string>> frames;
    std::chrono::steady_clock::time_point last_request{};
  };
  struct Computed;  // the maps' desired contents

  Computed compute(const RouterConfig &cfg) const;
  void write_port(uint32_t index, const rt_port &value);
  // Writes rt_config: `arp_aging` and a new route-table generation (the
  // routes may have changed; 0 while the table is too small for the cache).
  void write_config(uint32_t arp_aging);
  std::string port_name_of(uint32_t index) const;
  std::optional<ipv4::Cidr> source_for(const std::string &port, uint32_t towards) const;
  bool take_icmp_token();

  void on_arp_miss(const PacketIn &pkt);
  void on_arp_reply(const PacketIn &pkt);
  void send_icmp_error(const PacketIn &pkt, uint8_t type, uint8_t code);
  std::string arp_request(uint64_t src_mac, uint32_t src_ip, uint32_t target) const;

  RouterConfig config_;
  std::map<uint32_t, rt_port> installed_ports_;            // port index -> rt_ports value
  uint32_t route_gen_ = 0;       // rt_config.route_gen as written (0: route cache off)
  uint32_t route_gen_seq_ = 0;   // last generation handed out (never reused)
  std::map<uint32_t, uint32_t> peer_ns_;  // port index -> its veth peer netdev whose other end is in another netns
  std::map<uint32_t, uint32_t> installed_addrs_;           // own address (host order) -> port index
  std::map<std::pair<uint8_t, uint32_t>, rt_route> installed_routes_;  // (len, network host order)

  mutable std::mutex slow_mu_;  // pending_, counters_, tokens
  std::map<uint32_t, Pending> pending_;  // next hop (host order) -> queued frames
  Counters counters_;
  uint32_t icmp_tokens_ = kIcmpErrorsPerSecond;
  std::chrono::steady_clock::time_point icmp_refill_{};
};

// The MAC a port gets when none is configured: locally administered,
// unicast, a hash of "cube/port" (stable across restarts).
uint64_t derived_port_mac(const std::string &cube, const std::string &port);

}  // namespace polycube::services
