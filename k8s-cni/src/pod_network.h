// The node's pod network for one CNI network, kept in polycubed (the single
// source of truth) and built from existing services over RESTCONF:
//
//   pod eth0 -- pcn<h> [bridge N-br] gw -- pods [router N-rt] node -- pcn..r | pcn..n (node's stack)
//
// The router's port `pods` holds the gateway address from the IPAM range,
// so the router answers the pods' ARP and routes for them; its port `node`
// reaches the node's own stack over a veth pair in a link network
// (NetConf::node_link) and its default route points there. The node routes
// the pod subnet back through the router. The first ADD on a node creates
// all of it; later ADDs only add their port.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "conf.h"
#include "ipv4.h"
#include "rest_client.h"

namespace pcncni {

class Rtnl;

struct PodPort {
  std::string name;  // also the host-side veth
  std::string pod_namespace, pod_name, container_id, ifname;
};

class PodNetwork {
 public:
  PodNetwork(const NetConf &conf, RestClient &rest) : conf_(conf), rest_(rest) {}

  // Adds the pod's bridge port; when the network does not exist yet it is
  // created first, with `gateway` (address/prefix of the pods' subnet) on
  // the router. Throws CniError(kDaemonRefused) if polycubed refuses.
  void add_port(const PodPort &port, const Ipv4Prefix &gateway, Rtnl &node);
  // false when it was already gone (or the network is).
  bool delete_port(const std::string &port);
  // The port's configuration, nullopt when absent.
  std::optional<nlohmann::json> port(const std::string &port);
  // Every port of the bridge with its configuration (none if no network).
  std::vector<nlohmann::json> ports();
  // The router's configuration, nullopt when absent.
  std::optional<nlohmann::json> router();
  bool bridge_exists();

 private:
  void create(const Ipv4Prefix &gateway, Rtnl &node);
  [[noreturn]] void refused(const std::string &what, const RestClient::Reply &r);

  const NetConf &conf_;
  RestClient &rest_;
};

// The message of an RFC 8040 error body (or the body itself).
std::string restconf_message(const std::string &body);

}  // namespace pcncni
