// router as a model-driven service: the handler of its generated model
// (codegen-yang: router_gen.h), plus two things the generated model cannot
// say on its own:
//  * the whole configuration is validated before the framework touches the
//    cube (a port that a route needs is refused before it is deleted);
//  * reading shows derived values in configuration nodes: each port's
//    effective MAC, the connected routes inside the `route` list (nexthop
//    "local", type connected) and the interface a static route resolved to.
#include "router_model.h"
#include "polycube/mac.h"

#include "router.h"
#include "router_gen.h"

namespace polycube::services {

namespace {

namespace model = polycube::gen::router;

RouterConfig to_config(const model::Router &d) {
  RouterConfig c;
  c.arp_aging = d.arp_aging_time;
  for (const auto &p : d.ports) {
    auto &a = c.ports[p.name];
    if (p.ip) a.primary = ipv4::parse_cidr(*p.ip);
    if (p.mac) a.mac = polycube::mac_from_string(*p.mac);
    for (const auto &s : p.secondaryip) a.secondary.push_back(ipv4::parse_cidr(s.ip));
  }
  for (const auto &r : d.route) {
    if (r.nexthop == "local")
      throw Error(ErrorCode::kInvalid, "route " + r.network + ": nexthop 'local' marks connected routes, which come from port addresses");
    c.routes.push_back({ipv4::parse_cidr(r.network), ipv4::parse_addr(r.nexthop), r.interface.value_or(""), r.pathcost});
  }
  return c;
}

class Handler : public model::RouterHandler<Router> {
 public:
  void update(Router &r, const model::Router &d) override { r.apply(to_config(d)); }
  model::RouterState state(Router &r) override {
    model::RouterState s;
    for (const auto &row : r.routes()) {
      model::RouterStateRoute e;
      e.network = row.network;
      e.nexthop = row.nexthop;
      e.type = row.connected ? model::RouterStateRouteType::connected : model::RouterStateRouteType::static_;
      e.active = row.active;
      s.route.push_back(e);
    }
    for (const auto &n : r.arp_table()) s.arp_table.push_back({n.address, n.mac, n.interface, n.age});
    return s;
  }
  model::RouterArpTableFlushOutput arp_table_flush(Router &r, const model::RouterArpTableFlushInput &) override {
    r.flush_arp();
    return {};
  }
};

}  // namespace

ServiceModel router_model() {
  ServiceModel m = model::make_router_model<Router>(std::make_shared<Handler>());
  m.reconcile = [reconcile = m.reconcile](Runtime &rt, const std::string &name, const nlohmann::json *desired) {
    if (desired) {
      model::Router typed;
      from_json(*desired, typed);
      auto cube = std::dynamic_pointer_cast<Router>(find_cube(rt, name));
      Router::validate(to_config(typed), cube ? cube->config() : RouterConfig{});
    }
    reconcile(rt, name, desired);
  };
  // DELETE of an address or a port: the static routes through it go with
  // it, in the same write (as Linux drops them); the others carry the
  // traffic.
  m.removes_with = [](const nlohmann::json &after) {
    model::Router typed;
    from_json(after, typed);
    std::vector<std::string> paths;
    for (const auto &r : Router::unusable_routes(to_config(typed)))
      paths.push_back("route[network='" + r.network.str() + "'][nexthop='" + ipv4::addr_str(r.nexthop) + "']");
    return paths;
  };
  m.state = [state = m.state](Runtime &rt, const std::string &name) {
    nlohmann::json j = state(rt, name);
    if (j.is_null()) j = nlohmann::json::object();
    auto cube = std::dynamic_pointer_cast<Router>(rt.get(name));
    if (!cube) return j;
    nlohmann::json ports = nlohmann::json::array();
    for (const auto &p : cube->ports())
      ports.push_back({{"name", p.name}, {"mac", polycube::mac_to_string(cube->port_mac(p.name))}});
    if (!ports.empty()) j["ports"] = ports;
    std::map<std::pair<std::string, std::string>, Router::RouteRow> rows;
    for (const auto &row : cube->routes()) rows.emplace(std::make_pair(row.network, row.nexthop), row);
    if (j.contains("route"))
      for (auto &e : j["route"]) {
        auto it = rows.find({e.value("network", ""), e.value("nexthop", "")});
        if (it == rows.end()) continue;
        e["interface"] = it->second.interface;
        e["pathcost"] = it->second.pathcost;
      }
    return j;
  };
  return m;
}

}  // namespace polycube::services
