// Names of what the plugin creates for network N, all derived from the
// network and attachment identities so that DEL, CHECK and GC find them
// again without any state of their own:
//   cubes       N-br (bridge: one port per pod, port gw to the router)
//               N-rt (router: port pods = the pods' gateway, port node)
//   node link   veth pcn<h32(N)>n (node's stack, second address of the
//               link) <-> pcn<h32(N)>r (peer of the router's port node)
//   pod         veth pcn<h64(N, container id, ifname)> on the node, its
//               other end CNI_IFNAME in the pod; the bridge port has the
//               same name. Its alias says what it is ("polycube-cni N
//               <container id> <ifname>") so GC can find orphans.
#pragma once

#include <cstddef>
#include <string>

#include "ipv4.h"

namespace pcncni {

inline constexpr size_t kMaxNetworkName = 61;  // cube names are <= 64 with "-br"

std::string bridge_cube(const std::string &net);
std::string router_cube(const std::string &net);
inline const char *kBridgeGatewayPort = "gw";
inline const char *kRouterPodsPort = "pods";
inline const char *kRouterNodePort = "node";
std::string node_link_host(const std::string &net);    // has the node's address
std::string node_link_router(const std::string &net);  // peer of the router's node port
std::string pod_port(const std::string &net, const std::string &container_id, const std::string &ifname);
std::string pod_alias(const std::string &net, const std::string &container_id, const std::string &ifname);
inline const char *kAliasPrefix = "polycube-cni ";
Ipv4Prefix default_node_link(const std::string &net);

}  // namespace pcncni
