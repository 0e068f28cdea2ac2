// ADD: IPAM, a veth pair into the pod, its address and routes, then the
// pod's port in polycubed. Everything after the IPAM allocation is undone
// (veth deleted, address released) when a later step fails, so a failed
// ADD leaves nothing behind; a daemon that does not answer fails it before
// anything is allocated (code 11).
#include <cstdio>

#include "cni_error.h"
#include "commands.h"
#include "delegate.h"
#include "names.h"
#include "netlink.h"
#include "pod_network.h"
#include "result.h"
#include "trace.h"

namespace pcncni {

namespace {

struct Plan {
  Ipv4Prefix address;  // the pod's address/prefix
  uint32_t gateway = 0;
  std::vector<Route> routes;  // installed in the pod, in the result
};

// What IPAM gave, checked against what this network can carry.
Plan plan_from(const Result &ipam) {
  Plan p;
  int v4 = 0;
  for (const auto &ip : ipam.ips) {
    auto a = parse_ipv4_prefix(ip.address);
    if (!a) throw CniError(kInvalidConfig, "IPAM gave " + ip.address + ": the pod network is IPv4 only (the router is)");
    if (++v4 > 1) throw CniError(kInvalidConfig, "IPAM gave more than one IPv4 address; one per pod is supported");
    p.address = *a;
    auto gw = ip.gateway.empty() ? std::nullopt : parse_ipv4(ip.gateway);
    if (!gw) throw CniError(kInvalidConfig, "IPAM gave no IPv4 gateway for " + ip.address + ": the router needs one");
    p.gateway = *gw;
  }
  if (v4 == 0) throw CniError(kInvalidConfig, "IPAM gave no IPv4 address");
  if (!p.address.contains(p.gateway) || p.gateway == p.address.addr)
    throw CniError(kInvalidConfig, "IPAM gateway " + format_ipv4(p.gateway) + " is not another address of " +
                                       format_prefix(p.address.addr, p.address.len));
  bool has_default = false;
  for (const auto &r : ipam.routes) {
    auto d = parse_ipv4_prefix(r.dst);
    if (!d) continue;  // an IPv6 route has no use on an IPv4 pod
    Route x = r;
    x.dst = format_prefix(d->network(), d->len);
    if (x.gw.empty()) x.gw = format_ipv4(p.gateway);
    has_default |= d->len == 0;
    p.routes.push_back(x);
  }
  // The router is the pods' default gateway.
  if (!has_default) p.routes.push_back({"0.0.0.0/0", format_ipv4(p.gateway), nlohmann::json::object()});
  return p;
}

}  // namespace

std::string cmd_add(const Env &env, const NetConf &conf) {
  RestClient rest(conf.daemon, conf.token);
  rest.connect();  // code 11 before anything changes
  trace("connected to polycubed");
  Netns pod_ns = Netns::open(env.netns);
  Rtnl node, pod(&pod_ns);
  if (pod.link(env.ifname))
    throw CniError(kInterfaceExists, "interface " + env.ifname + " already exists in " + env.netns);
  PodPort port{pod_port(conf.name, env.container_id, env.ifname), env.arg("K8S_POD_NAMESPACE"), env.arg("K8S_POD_NAME"),
               env.container_id, env.ifname};
  if (node.link(port.name))
    throw CniError(kInterfaceExists, "host interface " + port.name + " of this attachment already exists (ADD twice without DEL?)");

  Ipam ipam(conf, env);
  Result allocated = ipam.add();
  trace("IPAM ADD");
  bool veth_made = false;
  try {
    Plan plan = plan_from(allocated);
    node.create_veth(port.name, env.ifname, pod_ns, conf.mtu);
    veth_made = true;
    node.set_alias(port.name, pod_alias(conf.name, env.container_id, env.ifname));
    trace("veth created");
    auto inside = pod.link(env.ifname);
    if (!inside) throw CniError(kNetlinkFailure, env.ifname + " did not appear in " + env.netns);
    pod.add_address(inside->ifindex, plan.address);
    pod.set_up(env.ifname);
    for (const auto &r : plan.routes)
      pod.replace_route(*parse_ipv4_prefix(r.dst), parse_ipv4(r.gw), inside->ifindex);
    node.set_up(port.name);
    trace("pod side configured");
    PodNetwork(conf, rest).add_port(port, {plan.gateway, plan.address.len}, node);
    trace("port added in polycubed");

    auto outside = node.link(port.name);
    Result out;
    if (!conf.prev_result.is_null()) out = parse_result(conf.prev_result);  // chained: extend what came before
    int base = static_cast<int>(out.interfaces.size());
    out.interfaces.push_back({port.name, outside ? outside->mac : "", "", static_cast<int>(conf.mtu)});
    out.interfaces.push_back({env.ifname, inside->mac, env.netns, static_cast<int>(conf.mtu)});
    out.ips.push_back({format_prefix(plan.address.addr, plan.address.len), format_ipv4(plan.gateway), base + 1});
    for (const auto &r : plan.routes) out.routes.push_back(r);
    if (out.dns.empty()) out.dns = allocated.dns;
    return to_json(out, conf.cni_version).dump();
  } catch (...) {
    // Undo in reverse; the original error is what the runtime sees.
    try {
      if (veth_made) node.delete_link(port.name);  // takes the pod's end with it
    } catch (const std::exception &e) {
      std::fprintf(stderr, "polycube-cni: cleanup: %s\n", e.what());
    }
    try {
      ipam.del(env.container_id, env.ifname);
    } catch (const std::exception &e) {
      std::fprintf(stderr, "polycube-cni: cleanup: releasing the address: %s\n", e.what());
    }
    throw;
  }
}

}  // namespace pcncni
