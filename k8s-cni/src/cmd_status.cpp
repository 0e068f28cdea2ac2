// STATUS (CNI 1.1): can this plugin serve ADD now? 50 when it cannot
// (polycubed down, a service missing, no IPAM plugin); 51 when, in
// addition, pods already on the network are cut off (the network exists
// but its router or node link is gone). A daemon that is down is 50, not
// 51: the data plane stays in the kernel and keeps forwarding.
#include <set>

#include "cni_error.h"
#include "commands.h"
#include "delegate.h"
#include "names.h"
#include "netlink.h"
#include "pod_network.h"

namespace pcncni {

std::string cmd_status(const Env &env, const NetConf &conf) {
  RestClient rest(conf.daemon, conf.token, 5000);
  RestClient::Reply services;
  try {
    services = rest.request("GET", "/restconf/data/polycube:services");
  } catch (const CniError &e) {
    throw CniError(kPluginNotAvailable, e.what(), e.details());
  }
  if (services.status != 200)
    throw CniError(kPluginNotAvailable, "polycubed answered HTTP " + std::to_string(services.status),
                   restconf_message(services.body));
  auto doc = nlohmann::json::parse(services.body, nullptr, false);
  std::set<std::string> loaded;
  if (!doc.is_discarded() && doc.contains("polycube:services") && doc["polycube:services"].contains("service"))
    for (const auto &svc : doc["polycube:services"]["service"]) loaded.insert(svc.value("name", ""));
  for (const char *svc : {"bridge", "router"})
    if (!loaded.count(svc)) throw CniError(kPluginNotAvailable, std::string("polycubed has no ") + svc + " service loaded");

  Ipam ipam(conf, env);
  try {
    ipam.versions();
  } catch (const CniError &e) {
    throw CniError(kPluginNotAvailable, e.what(), e.details());
  }
  ipam.status();

  PodNetwork net(conf, rest);
  if (net.bridge_exists()) {
    if (!net.router()) throw CniError(kLimitedConnectivity, router_cube(conf.name) + " is missing: pods have no gateway");
    Rtnl node;
    if (!node.link(node_link_host(conf.name)) || !node.link(node_link_router(conf.name)))
      throw CniError(kLimitedConnectivity, "the node link " + node_link_host(conf.name) + " is missing: pods cannot reach the node");
  }
  return "";
}

}  // namespace pcncni
