#include "pod_network.h"

#include "cni_error.h"
#include "names.h"
#include "netlink.h"
#include "trace.h"

namespace pcncni {

namespace {

const std::string kData = "/restconf/data";

std::string bridge_path(const NetConf &c) { return kData + "/bridge:bridge=" + bridge_cube(c.name); }

}  // namespace

std::string restconf_message(const std::string &body) {
  auto j = nlohmann::json::parse(body, nullptr, false);
  try {
    if (!j.is_discarded()) {
      const auto &e = j.at("ietf-restconf:errors").at("error").at(0);
      return e.value("error-message", e.value("error-tag", body));
    }
  } catch (const nlohmann::json::exception &) {
  }
  return body.size() > 300 ? body.substr(0, 300) + "..." : body;
}

void PodNetwork::refused(const std::string &what, const RestClient::Reply &r) {
  throw CniError(kDaemonRefused, "polycubed refused " + what + " (HTTP " + std::to_string(r.status) + ")",
                 restconf_message(r.body));
}

void PodNetwork::create(const Ipv4Prefix &gateway, Rtnl &node) {
  // The node link first: the router's port names its netdev as peer.
  const Ipv4Prefix &link = conf_.node_link;
  uint32_t router_addr = link.network() + 1, node_addr = link.network() + 2;
  std::string host = node_link_host(conf_.name), peer = node_link_router(conf_.name);
  bool made_link = false;
  if (!node.link(host) || !node.link(peer)) {
    node.delete_link(host);  // half a pair is no use
    try {
      Netns here = Netns::current();
      node.create_veth(host, peer, here, 1500);
      made_link = true;
    } catch (const CniError &e) {
      if (e.code() != kInterfaceExists) throw;  // a concurrent first ADD made it
    }
  }
  auto undo = [&] {
    if (made_link) node.delete_link(host);
  };
  try {
    auto h = node.link(host);
    if (!h) throw CniError(kNetlinkFailure, "node link " + host + " vanished");
    node.add_address(h->ifindex, {node_addr, link.len});
    node.set_up(host);
    node.set_up(peer);
    node.replace_route({gateway.network(), gateway.len}, router_addr, h->ifindex);
    trace("node link ready");

    const std::string br = bridge_cube(conf_.name), rt = router_cube(conf_.name);
    nlohmann::json gw_port, pods_port, node_port, default_route, bridge, router, body;
    gw_port["name"] = kBridgeGatewayPort;
    gw_port["peer"] = rt + ":" + kRouterPodsPort;
    bridge["name"] = br;
    bridge["ports"] = nlohmann::json::array({gw_port});
    pods_port["name"] = kRouterPodsPort;
    pods_port["ip"] = format_prefix(gateway.addr, gateway.len);
    pods_port["peer"] = br + ":" + kBridgeGatewayPort;
    node_port["name"] = kRouterNodePort;
    node_port["ip"] = format_prefix(router_addr, link.len);
    node_port["peer"] = peer;
    default_route["network"] = "0.0.0.0/0";
    default_route["nexthop"] = format_ipv4(node_addr);
    router["name"] = rt;
    router["ports"] = nlohmann::json::array({pods_port, node_port});
    router["route"] = nlohmann::json::array({default_route});
    body["bridge:bridge"] = nlohmann::json::array({bridge});
    body["router:router"] = nlohmann::json::array({router});
    auto r = rest_.request("POST", kData, body.dump());
    trace("bridge and router created");
    if (r.status == 409 && bridge_exists()) return;  // a concurrent first ADD created it
    if (r.status != 201) refused("creating the pod network " + br + " / " + rt, r);
  } catch (...) {
    undo();
    throw;
  }
}

void PodNetwork::add_port(const PodPort &p, const Ipv4Prefix &gateway, Rtnl &node) {
  nlohmann::json port{{"name", p.name}, {"peer", p.name}};
  if (!p.pod_namespace.empty()) port["pod-namespace"] = p.pod_namespace;
  if (!p.pod_name.empty()) port["pod-name"] = p.pod_name;
  port["container-id"] = p.container_id;
  port["container-ifname"] = p.ifname;
  nlohmann::json wrapped;
  wrapped["bridge:ports"] = nlohmann::json::array({port});
  std::string body = wrapped.dump();
  auto r = rest_.request("POST", bridge_path(conf_), body);
  if (r.status == 404) {  // no network on this node yet
    create(gateway, node);
    r = rest_.request("POST", bridge_path(conf_), body);
  }
  if (r.status != 201) refused("adding port " + p.name + " to " + bridge_cube(conf_.name), r);
}

bool PodNetwork::delete_port(const std::string &port) {
  auto r = rest_.request("DELETE", bridge_path(conf_) + "/ports=" + port);
  if (r.status == 204) return true;
  if (r.status == 404) return false;
  refused("deleting port " + port, r);
}

std::optional<nlohmann::json> PodNetwork::port(const std::string &port) {
  auto r = rest_.request("GET", bridge_path(conf_) + "/ports=" + port + "?content=config");
  if (r.status == 404) return std::nullopt;
  if (r.status != 200) refused("reading port " + port, r);
  auto j = nlohmann::json::parse(r.body, nullptr, false);
  if (j.is_discarded() || !j.contains("bridge:ports") || !j["bridge:ports"].is_array() || j["bridge:ports"].empty())
    return std::nullopt;
  return j["bridge:ports"][0];
}

std::vector<nlohmann::json> PodNetwork::ports() {
  auto r = rest_.request("GET", bridge_path(conf_) + "/ports?content=config");
  if (r.status == 404) return {};
  if (r.status != 200) refused("listing the ports of " + bridge_cube(conf_.name), r);
  auto j = nlohmann::json::parse(r.body, nullptr, false);
  if (j.is_discarded() || !j.contains("bridge:ports") || !j["bridge:ports"].is_array()) return {};
  return j["bridge:ports"].get<std::vector<nlohmann::json>>();
}

std::optional<nlohmann::json> PodNetwork::router() {
  auto r = rest_.request("GET", kData + "/router:router=" + router_cube(conf_.name) + "?content=config");
  if (r.status == 404) return std::nullopt;
  if (r.status != 200) refused("reading " + router_cube(conf_.name), r);
  auto j = nlohmann::json::parse(r.body, nullptr, false);
  if (j.is_discarded() || !j.contains("router:router") || j["router:router"].empty()) return std::nullopt;
  return j["router:router"][0];
}

bool PodNetwork::bridge_exists() {
  auto r = rest_.request("GET", bridge_path(conf_) + "?content=config&depth=1");
  if (r.status == 404) return false;
  if (r.status != 200) refused("reading " + bridge_cube(conf_.name), r);
  return true;
}

}  // namespace pcncni
