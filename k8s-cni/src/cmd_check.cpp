// CHECK: what ADD made (prevResult) is still there: the pod's interface
// with its MTU, addresses and routes, the node's end, the pod's port in
// polycubed naming that veth and this attachment, the router with the
// gateway, and the IPAM allocation (the IPAM plugin's own CHECK).
#include <algorithm>

#include "cni_error.h"
#include "commands.h"
#include "delegate.h"
#include "names.h"
#include "netlink.h"
#include "pod_network.h"
#include "result.h"

namespace pcncni {

namespace {

[[noreturn]] void broken(const std::string &what) { throw CniError(kCheckFailed, what); }

}  // namespace

std::string cmd_check(const Env &env, const NetConf &conf) {
  if (conf.prev_result.is_null()) throw CniError(kInvalidConfig, "CHECK needs prevResult (the result of ADD)");
  Result prev = parse_result(conf.prev_result);
  RestClient rest(conf.daemon, conf.token);
  rest.connect();
  int ours = -1;
  for (size_t i = 0; i < prev.interfaces.size(); ++i)
    if (prev.interfaces[i].name == env.ifname && !prev.interfaces[i].sandbox.empty()) ours = static_cast<int>(i);
  if (ours < 0) broken("prevResult has no interface " + env.ifname + " in a sandbox");

  Ipam(conf, env).check(conf.prev_result);

  Netns pod_ns = Netns::open(env.netns);
  Rtnl node, pod(&pod_ns);
  auto inside = pod.link(env.ifname);
  if (!inside) broken(env.ifname + " is missing in " + env.netns);
  if (!inside->up) broken(env.ifname + " is down");
  if (inside->mtu != conf.mtu)
    broken(env.ifname + " has MTU " + std::to_string(inside->mtu) + ", the network's is " + std::to_string(conf.mtu));
  if (!prev.interfaces[ours].mac.empty() && prev.interfaces[ours].mac != inside->mac)
    broken(env.ifname + " has MAC " + inside->mac + ", ADD reported " + prev.interfaces[ours].mac);
  auto addrs = pod.addresses(inside->ifindex);
  std::optional<uint32_t> gateway;
  int prefix_len = 0;
  for (const auto &ip : prev.ips) {
    if (ip.interface != ours) continue;
    auto a = parse_ipv4_prefix(ip.address);
    if (!a) continue;
    if (std::none_of(addrs.begin(), addrs.end(), [&](const Ipv4Prefix &x) { return x.addr == a->addr && x.len == a->len; }))
      broken(env.ifname + " lacks its address " + ip.address);
    if (!ip.gateway.empty()) gateway = parse_ipv4(ip.gateway);
    prefix_len = a->len;
  }
  auto routes = pod.routes(inside->ifindex);
  for (const auto &r : prev.routes) {
    auto d = parse_ipv4_prefix(r.dst);
    if (!d) continue;
    auto gw = r.gw.empty() ? std::nullopt : parse_ipv4(r.gw);
    bool found = std::any_of(routes.begin(), routes.end(), [&](const RouteInfo &x) {
      return x.dst.network() == d->network() && x.dst.len == d->len && (!gw || x.gw == gw);
    });
    if (!found) broken("route " + r.dst + (r.gw.empty() ? "" : " via " + r.gw) + " is missing in the pod");
  }

  const std::string port_name = pod_port(conf.name, env.container_id, env.ifname);
  auto outside = node.link(port_name);
  if (!outside) broken("the node's end " + port_name + " is missing");
  if (!outside->up) broken("the node's end " + port_name + " is down");
  if (outside->alias != pod_alias(conf.name, env.container_id, env.ifname))
    broken(port_name + " belongs to something else (alias '" + outside->alias + "')");

  PodNetwork net(conf, rest);
  auto port = net.port(port_name);
  if (!port) broken("port " + port_name + " is missing in " + bridge_cube(conf.name));
  if (port->value("peer", "") != port_name) broken("port " + port_name + " is not peered with its veth");
  if (port->value("container-id", "") != env.container_id || port->value("container-ifname", "") != env.ifname)
    broken("port " + port_name + " names another attachment");
  auto router = net.router();
  if (!router) broken(router_cube(conf.name) + " is missing");
  if (gateway) {
    std::string want = format_prefix(*gateway, prefix_len);
    bool ok = false;
    for (const auto &p : router->value("ports", nlohmann::json::array()))
      if (p.value("name", "") == kRouterPodsPort && p.value("ip", "") == want) ok = true;
    if (!ok) broken(router_cube(conf.name) + " port " + kRouterPodsPort + " does not hold the gateway " + want);
  }
  if (!node.link(node_link_host(conf.name))) broken("the node link " + node_link_host(conf.name) + " is missing");
  return "";
}

}  // namespace pcncni
