// A Kubernetes-style node for the CNI tests and benchmarks: namespace
// pt<pid>-node, which the calling process enters for its lifetime (so
// polycubed, the plugin, the IPAM plugin and a container runtime started
// from here all see the node's netdevs, and nothing is created in the
// machine's own namespace), a polycubed started in it, a private directory
// (IPAM store, runtime roots) and helpers that run the real polycube-cni
// binary the way a runtime does. The destructor stops the daemon, leaves
// and deletes the namespaces and removes the directory, also on failure.
#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "pcnd.h"
#include "testnet.h"

namespace pcntest {

struct CniRun {
  int rc = -1;
  std::string out, err;
  nlohmann::json json;  // stdout parsed (null if empty or not JSON)
  int code() const { return json.is_object() && json.contains("code") ? json["code"].get<int>() : 0; }
};

struct CniCall {
  std::string container_id, netns, ifname = "eth0", args;
};

class CniNode {
 public:
  // `network`: the CNI network name; `subnet`: host-local's range.
  explicit CniNode(std::string network = "pcnnet", std::string subnet = "10.244.1.0/24");
  ~CniNode();
  CniNode(const CniNode &) = delete;
  CniNode &operator=(const CniNode &) = delete;

  TestNet &net() { return net_; }
  Pcnd &daemon() { return *pcnd_; }
  const std::string &network() const { return network_; }
  const std::string &dir() const { return dir_; }  // private directory, removed at the end
  std::string ipam_dir() const { return dir_ + "/ipam"; }
  // The plugin's configuration (a single plugin, not a list) for `version`,
  // with `extra` merged in (null values remove keys).
  nlohmann::json conf(const std::string &version, const nlohmann::json &extra = nlohmann::json::object()) const;
  // Runs polycube-cni (or `plugin` from CNI_PATH) with CNI_COMMAND=`command`.
  CniRun run(const std::string &command, const nlohmann::json &conf, const CniCall &call = {},
             const std::string &plugin = "polycube-cni");
  // A pod: namespace pt<pid>-<name>; returns its path (/run/netns/...).
  std::string add_pod(const std::string &name);
  // Addresses host-local holds for this network, or for `network` (its
  // store's IP files).
  std::vector<std::string> ipam_allocations(const std::string &network = "") const;
  std::string cni_path() const;

 private:
  std::string network_, subnet_, dir_;
  TestNet net_;
  int home_ns_ = -1;
  std::unique_ptr<Pcnd> pcnd_;
};

}  // namespace pcntest
