#include "router.h"

#include <arpa/inet.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <set>

#include "polycube/clock.h"
#include "polycube/mac.h"
#include "polycube/runtime.h"
#include "router_bpf.h"
#include "router_bpf_maps.h"

namespace polycube::services {

namespace maps = polycube::bpf_maps::router_bpf;

using ipv4::Cidr;

namespace {

// True if netdev `ifindex` (in our namespace) is a veth whose other end is
// in another network namespace: rtnetlink reports IFLA_LINK_NETNSID for it
// only then, and IFLA_INFO_KIND "veth". Any failure answers false (the
// regular redirect is always correct).
bool veth_peer_in_other_netns(uint32_t ifindex) {
  int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
  if (fd < 0) return false;
  struct {
    nlmsghdr nh;
    ifinfomsg ifi;
  } req{};
  req.nh.nlmsg_len = NLMSG_LENGTH(sizeof(ifinfomsg));
  req.nh.nlmsg_type = RTM_GETLINK;
  req.nh.nlmsg_flags = NLM_F_REQUEST;
  req.nh.nlmsg_seq = 1;
  req.ifi.ifi_family = AF_UNSPEC;
  req.ifi.ifi_index = static_cast<int>(ifindex);
  bool veth = false, other_ns = false;
  timeval tv{1, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  if (send(fd, &req, req.nh.nlmsg_len, 0) == static_cast<ssize_t>(req.nh.nlmsg_len)) {
    alignas(nlmsghdr) char buf[16384];
    ssize_t n = recv(fd, buf, sizeof(buf), 0);
    auto *nh = reinterpret_cast<nlmsghdr *>(buf);
    if (n > 0 && NLMSG_OK(nh, static_cast<uint32_t>(n)) && nh->nlmsg_type == RTM_NEWLINK) {
      auto *ifi = static_cast<ifinfomsg *>(NLMSG_DATA(nh));
      int len = static_cast<int>(IFLA_PAYLOAD(nh));
      for (auto *a = IFLA_RTA(ifi); RTA_OK(a, len); a = RTA_NEXT(a, len)) {
        if (a->rta_type == IFLA_LINK_NETNSID) other_ns = true;
        if (a->rta_type != IFLA_LINKINFO) continue;
        int ilen = static_cast<int>(RTA_PAYLOAD(a));
        for (auto *i = static_cast<rtattr *>(RTA_DATA(a)); RTA_OK(i, ilen); i = RTA_NEXT(i, ilen))
          if (i->rta_type == IFLA_INFO_KIND)
            veth = std::string(static_cast<const char *>(RTA_DATA(i)), strnlen(static_cast<const char *>(RTA_DATA(i)), RTA_PAYLOAD(i))) == "veth";
      }
    }
  }
  close(fd);
  return veth && other_ns;
}

std::string route_name(const RouterConfig::StaticRoute &r) {
  return r.network.str() + " via " + ipv4::addr_str(r.nexthop);
}

// Every address of the configuration with the port it is on.
std::vector<std::pair<std::string, Cidr>> addresses_of(const RouterConfig &cfg) {
  std::vector<std::pair<std::string, Cidr>> out;
  for (const auto &[port, a] : cfg.ports) {
    if (a.primary) out.emplace_back(port, *a.primary);
    for (const auto &s : a.secondary) out.emplace_back(port, s);
  }
  return out;
}

// The port whose connected networks hold `ip` (longest prefix), or "".
using Addresses = std::vector<std::pair<std::string, Cidr>>;
std::string connected_port(const Addresses &addrs, uint32_t ip, const std::string &only = "") {
  std::string best;
  int best_len = -1;
  for (const auto &[port, c] : addrs)
    if ((only.empty() || port == only) && c.contains(ip) && c.len > best_len) {
      best = port;
      best_len = c.len;
    }
  return best;
}

// Why `r` cannot run under `cfg` ("" when it can).
std::string route_problem(const RouterConfig &cfg, const Addresses &addrs, const RouterConfig::StaticRoute &r) {
  if (!r.interface.empty() && !cfg.ports.count(r.interface))
    return "route " + route_name(r) + ": no port '" + r.interface + "'";
  if (connected_port(addrs, r.nexthop, r.interface).empty())
    return "route " + route_name(r) + ": next hop is not on a network of " +
           (r.interface.empty() ? std::string("any port address") : "port " + r.interface);
  return "";
}

}  // namespace

uint64_t derived_port_mac(const std::string &cube, const std::string &port) {
  uint64_t h = 1469598103934665603ull;  // FNV-1a
  for (char c : cube + "/" + port) {
    h ^= uint8_t(c);
    h *= 1099511628211ull;
  }
  return (uint64_t(0x02) << 40) | (h & 0xffffffffffull);  // 02:..: local, unicast
}

// What the data plane's maps should hold for one configuration.
struct Router::Computed {
  std::map<std::string, uint64_t> macs;               // port -> MAC
  std::map<uint32_t, std::string> addrs;              // own address -> port
  std::map<std::pair<uint8_t, uint32_t>, std::pair<std::string, uint32_t>> routes;  // -> (port, nexthop)
  std::vector<RouteRow> rows;
};

ServiceInfo Router::info() { return ServiceInfo{std::string(kServiceName), router_bpf(), {{"rt_main", PCN_SLOT_INGRESS}}, false}; }

Router::Router(Runtime &rt, const std::string &name, Mode mode)
    : Cube(rt, name, info(), CubeOptions{mode, RT_MAX_PORTS}) {
  write_config(config_.arp_aging);
}

void Router::validate(const RouterConfig &desired, const RouterConfig &current) {
  auto addrs = addresses_of(desired);
  for (const auto &[port, c] : addrs) {
    std::string what = "port " + port + " address " + c.str();
    if (c.len == 0) throw Error(ErrorCode::kInvalid, what + ": prefix length 0 is not a port address");
    uint8_t first = uint8_t(c.addr >> 24);
    if (first == 0 || first == 127 || first >= 224)
      throw Error(ErrorCode::kInvalid, what + ": not a unicast host address");
    if (c.len <= 30 && ((c.addr & ~c.mask()) == 0 || (c.addr | c.mask()) == ~uint32_t(0)))
      throw Error(ErrorCode::kInvalid, what + ": is the network or broadcast address of its prefix");
  }
  std::map<uint32_t, std::string> own;  // address -> port
  for (const auto &[port, c] : addrs)
    if (auto [it, fresh] = own.emplace(c.addr, port); !fresh)
      throw Error(ErrorCode::kExists, "address " + ipv4::addr_str(c.addr) + " is on port " + it->second +
                                          " and on port " + port);
  // Prefixes of different ports are disjoint; on one port they may overlap
  // (a secondary address in the primary's prefix, as `ip addr add`
  // accepts). Sorted by start (widest first), one overlaps an earlier one
  // exactly when it starts before the furthest end seen so far, and then it
  // overlaps the prefix that reaches furthest (`holder`): refused only when
  // that one is on another port. O(n log n) for the 16k addresses a router
  // may have.
  std::vector<size_t> order(addrs.size());
  for (size_t i = 0; i < order.size(); i++) order[i] = i;
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    const Cidr &x = addrs[a].second, &y = addrs[b].second;
    return std::make_pair(x.network(), x.len) < std::make_pair(y.network(), y.len);
  });
  uint64_t furthest = 0;
  size_t holder = 0;
  for (size_t k = 0; k < order.size(); k++) {
    const auto &[port, c] = addrs[order[k]];
    uint64_t start = c.network(), end = start + (uint64_t(1) << (32 - c.len));
    if (k > 0 && start < furthest && addrs[holder].first != port) {
      const auto &[hport, h] = addrs[holder];
      throw Error(ErrorCode::kInvalid, "prefixes overlap: " + h.str() + " (port " + hport + ") and " + c.str() +
                                           " (port " + port + ")");
    }
    if (end > furthest) {
      furthest = end;
      holder = order[k];
    }
  }
  for (const auto &[port, a] : desired.ports)
    if (a.mac && ((*a.mac >> 40) & 1 || *a.mac == 0))
      throw Error(ErrorCode::kInvalid, "port " + port + " mac " + polycube::mac_to_string(*a.mac) + ": not a unicast MAC");
  if (desired.arp_aging < 1 || desired.arp_aging > 86400)
    throw Error(ErrorCode::kInvalid, "arp-aging-time " + std::to_string(desired.arp_aging) + " out of range 1..86400");

  std::set<std::pair<Cidr, uint32_t>> seen;
  for (const auto &r : desired.routes) {
    std::string what = "route " + route_name(r);
    if (r.network.addr != r.network.network())
      throw Error(ErrorCode::kInvalid, what + ": host bits set in the network (write " + r.network.network_str() + ")");
    if (!seen.insert({r.network, r.nexthop}).second) throw Error(ErrorCode::kExists, what + ": listed twice");
    uint8_t first = uint8_t(r.nexthop >> 24);
    if (r.nexthop == 0 || first >= 224 || first == 127)
      throw Error(ErrorCode::kInvalid, what + ": next hop is not a unicast address");
    if (own.count(r.nexthop)) throw Error(ErrorCode::kInvalid, what + ": next hop is the router's own address");
    std::string problem = route_problem(desired, addrs, r);
    if (problem.empty()) continue;
    // Still valid in the running configuration: this change takes away
    // the port or the address the route goes through.
    Addresses current_addrs = addresses_of(current);
    bool running = std::any_of(current.routes.begin(), current.routes.end(), [&](const auto &c) {
      return c.network == r.network && c.nexthop == r.nexthop && route_problem(current, current_addrs, c).empty();
    });
    if (running) {
      std::string needs = r.interface.empty() ? connected_port(current_addrs, r.nexthop) : r.interface;
      throw Error(ErrorCode::kInUse, "port " + needs + " (or its address) is used by route " + route_name(r) +
                                         "; delete the route first");
    }
    throw Error(ErrorCode::kInvalid, problem);
  }
}

std::vector<RouterConfig::StaticRoute> Router::unusable_routes(const RouterConfig &cfg) {
  std::vector<RouterConfig::StaticRoute> out;
  Addresses addrs = addresses_of(cfg);
  for (const auto &r : cfg.routes)
    if (!route_problem(cfg, addrs, r).empty()) out.push_back(r);
  return out;
}

Router::Computed Router::compute(const RouterConfig &cfg) const {
  Computed out;
  for (const auto &[port, a] : cfg.ports) out.macs[port] = a.mac ? *a.mac : derived_port_mac(name(), port);
  // Connected routes always win; among static routes to one network the
  // lowest cost, then the lowest next hop (so the choice is stable).
  std::map<std::pair<uint8_t, uint32_t>, std::tuple<int, uint32_t, uint32_t, std::string>> best;
  Addresses addrs = addresses_of(cfg);
  for (const auto &[port, c] : addrs) {
    out.addrs[c.addr] = port;
    best[{c.len, c.network()}] = {0, 0, 0, port};
    out.rows.push_back({c.network_str(), "local", port, 0, true, false});
  }
  for (const auto &r : cfg.routes) {
    std::string port = r.interface.empty() ? connected_port(addrs, r.nexthop) : r.interface;
    std::tuple<int, uint32_t, uint32_t, std::string> cand{1, r.pathcost, r.nexthop, port};
    auto key = std::make_pair(r.network.len, r.network.network());
    auto it = best.find(key);
    if (it == best.end() || cand < it->second) best[key] = cand;
    out.rows.push_back({r.network.str(), ipv4::addr_str(r.nexthop), port, r.pathcost, false, false});
  }
  for (const auto &[key, b] : best) out.routes[key] = {std::get<3>(b), std::get<2>(b)};
  for (auto &row : out.rows) {
    Cidr n = ipv4::parse_cidr(row.network);
    const auto &b = best.at({n.len, n.network()});
    row.active = row.connected ? std::get<0>(b) == 0 && std::get<3>(b) == row.interface
                               : std::get<0>(b) == 1 && ipv4::addr_str(std::get<2>(b)) == row.nexthop;
  }
  return out;
}

void Router::write_port(uint32_t index, const rt_port &value) {
  rt_port v = value;
  auto peer = peer_ns_.find(index);
  if ((v.flags & RT_PORT_F_VALID) && peer != peer_ns_.end()) {
    v.flags |= RT_PORT_F_PEER_NS;
    v.peer_ifindex = peer->second;
  } else {
    v.flags &= ~RT_PORT_F_PEER_NS;
    v.peer_ifindex = 0;
  }
  map<uint32_t, rt_port>(maps::rt_ports).set(index, v);
  installed_ports_[index] = value;
}

void Router::write_config(uint32_t arp_aging) {
  if (installed_routes_.size() >= RT_RCACHE_MIN_ROUTES) {
    if (++route_gen_seq_ == 0) ++route_gen_seq_;
    route_gen_ = route_gen_seq_;
  } else {
    route_gen_ = 0;
  }
  map<uint32_t, rt_config>(maps::rt_config).set(0, rt_config{arp_aging, route_gen_});
}

void Router::on_port_egress(const Port &p, const pcn_target &egress) {
  // TC: a port peered straight with a veth whose other end is in another
  // namespace delivers there with bpf_redirect_peer (see RT_PORT_F_PEER_NS).
  bool fast = mode() == Mode::kTc && egress.kind == PCN_T_NETDEV && veth_peer_in_other_netns(egress.id);
  auto cur = peer_ns_.find(p.index);
  if (fast == (cur != peer_ns_.end() && cur->second == egress.id)) return;
  if (fast)
    peer_ns_[p.index] = egress.id;
  else
    peer_ns_.erase(p.index);
  auto inst = installed_ports_.find(p.index);
  if (inst != installed_ports_.end()) write_port(p.index, inst->second);
}

void Router::apply(const RouterConfig &desired) {
  std::lock_guard<std::recursive_mutex> lock(rt_.mutex());
  validate(desired, config_);
  std::map<std::string, uint32_t> index;
  for (const auto &p : ports()) index[p.name] = p.index;
  for (const auto &[port, a] : desired.ports)
    if (!index.count(port)) throw Error(ErrorCode::kNotFound, "router " + name() + " has no port '" + port + "'");
  Computed want = compute(desired);

  // Order: ports (MAC, primary address), own addresses, then routes; a
  // route is only written once the port it leads to is ready. Removals
  // go last so nothing points at a half-removed port.
  for (const auto &[port, mac] : want.macs) {
    rt_port v{};
    polycube::mac_to_bytes(mac, v.mac);
    v.flags = RT_PORT_F_VALID;
    const auto &a = desired.ports.at(port);
    v.ip = a.primary ? htonl(a.primary->addr) : 0;
    auto cur = installed_ports_.find(index[port]);
    if (cur == installed_ports_.end() || std::memcmp(&cur->second, &v, sizeof(v)) != 0) write_port(index[port], v);
  }
  auto addrs = map<uint32_t, rt_addr>(maps::rt_addrs);
  for (const auto &[ip, port] : want.addrs) {
    auto cur = installed_addrs_.find(ip);
    if (cur != installed_addrs_.end() && cur->second == index[port]) continue;
    addrs.set(htonl(ip), rt_addr{index[port]});
    installed_addrs_[ip] = index[port];
  }
  auto routes = map<rt_lpm_key, rt_route>(maps::rt_routes);
  for (const auto &[key, target] : want.routes) {
    rt_route v{htonl(target.second), index[target.first]};
    auto cur = installed_routes_.find(key);
    if (cur != installed_routes_.end() && cur->second.nexthop == v.nexthop && cur->second.port == v.port) continue;
    routes.set(rt_lpm_key{key.first, htonl(key.second)}, v);
    installed_routes_[key] = v;
  }
  for (auto it = installed_routes_.begin(); it != installed_routes_.end();) {
    if (want.routes.count(it->first)) {
      ++it;
      continue;
    }
    routes.erase(rt_lpm_key{it->first.first, htonl(it->first.second)});
    it = installed_routes_.erase(it);
  }
  for (auto it = installed_addrs_.begin(); it != installed_addrs_.end();) {
    if (want.addrs.count(it->first)) {
      ++it;
      continue;
    }
    addrs.erase(htonl(it->first));
    it = installed_addrs_.erase(it);
  }
  write_config(desired.arp_aging);  // after the routes: cached lookups of the old table go stale
  config_ = desired;
}

RouterConfig Router::config() const {
  return locked([&] { return config_; });
}

std::optional<uint32_t> Router::port_ipv4(const std::string &port) const {
  std::lock_guard<std::recursive_mutex> lock(rt_.mutex());
  auto it = config_.ports.find(port);
  if (it == config_.ports.end() || !it->second.primary) return std::nullopt;
  return it->second.primary->addr;
}

uint64_t Router::port_mac(const std::string &port) const {
  std::lock_guard<std::recursive_mutex> lock(rt_.mutex());
  auto it = config_.ports.find(port);
  if (it != config_.ports.end() && it->second.mac) return *it->second.mac;
  return derived_port_mac(name(), port);
}

std::vector<Router::RouteRow> Router::routes() const {
  return locked([&] { return compute(config_).rows; });
}

void Router::on_port_added(const Port &p) {
  // Usable at L2 at once (its MAC); addresses come with the configuration.
  rt_port v{};
  polycube::mac_to_bytes(port_mac(p.name), v.mac);
  v.flags = RT_PORT_F_VALID;
  write_port(p.index, v);
}

void Router::on_port_removed(const Port &p) {
  // Nothing may keep pointing at the index: a new port can reuse it.
  auto routes = map<rt_lpm_key, rt_route>(maps::rt_routes);
  for (auto it = installed_routes_.begin(); it != installed_routes_.end();) {
    if (it->second.port != p.index) {
      ++it;
      continue;
    }
    routes.erase(rt_lpm_key{it->first.first, htonl(it->first.second)});
    it = installed_routes_.erase(it);
  }
  write_config(config_.arp_aging);  // cached routes to this index go stale
  auto addrs = map<uint32_t, rt_addr>(maps::rt_addrs);
  for (auto it = installed_addrs_.begin(); it != installed_addrs_.end();) {
    if (it->second != p.index) {
      ++it;
      continue;
    }
    addrs.erase(htonl(it->first));
    it = installed_addrs_.erase(it);
  }
  map<uint32_t, rt_port>(maps::rt_ports).set(p.index, rt_port{});
  installed_ports_.erase(p.index);
  peer_ns_.erase(p.index);
  auto arp = map<uint32_t, rt_arp_entry>(maps::rt_arp);
  for (uint32_t ip : arp.keys()) {
    auto e = arp.get(ip);
    if (e && e->port == p.index) arp.erase(ip);
  }
  std::lock_guard<std::mutex> slow(slow_mu_);
  for (auto it = pending_.begin(); it != pending_.end();)
    it = it->second.port == p.index ? pending_.erase(it) : std::next(it);
}

std::string Router::port_name_of(uint32_t index) const {
  std::lock_guard<std::recursive_mutex> lock(rt_.mutex());
  for (const auto &p : ports())
    if (p.index == index) return p.name;
  return "";
}

std::vector<Router::ArpRow> Router::arp_table() {
  std::lock_guard<std::recursive_mutex> lock(rt_.mutex());
  std::map<uint32_t, std::string> names;
  for (const auto &p : ports()) names[p.index] = p.name;
  uint64_t now = monotonic_seconds();
  auto arp = map<uint32_t, rt_arp_entry>(maps::rt_arp);
  std::vector<ArpRow> out;
  std::vector<uint32_t> expired;
  arp.for_each([&](const uint32_t &ip, const rt_arp_entry &e) {
    uint64_t age = now > e.timestamp ? now - e.timestamp : 0;
    auto name = names.find(e.port);
    if (age > config_.arp_aging || name == names.end()) {
      expired.push_back(ip);
      return;
    }
    out.push_back({ipv4::addr_str(ntohl(ip)), polycube::mac_to_string(polycube::mac_from_bytes(e.mac)), name->second, uint32_t(age)});
  });
  for (uint32_t ip : expired) arp.erase(ip);
  std::sort(out.begin(), out.end(), [](const ArpRow &a, const ArpRow &b) {
    return ipv4::parse_addr(a.address) < ipv4::parse_addr(b.address);
  });
  return out;
}

void Router::flush_arp() {
  std::lock_guard<std::recursive_mutex> lock(rt_.mutex());
  auto arp = map<uint32_t, rt_arp_entry>(maps::rt_arp);
  for (uint32_t ip : arp.keys()) arp.erase(ip);
  std::lock_guard<std::mutex> slow(slow_mu_);
  pending_.clear();
}

Router::Counters Router::counters() const {
  std::lock_guard<std::mutex> slow(slow_mu_);
  return counters_;
}

}  // namespace polycube::services
