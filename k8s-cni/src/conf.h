// What the runtime hands the plugin: the CNI_* environment and the network
// configuration on stdin, parsed and validated once, with the spec's error
// codes (4 for the environment, 6 for undecodable JSON, 7 for an invalid
// configuration, 1 for a version this plugin does not speak).
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "ipv4.h"

namespace pcncni {

struct Env {
  std::string command, container_id, netns, ifname, args, path;
  std::map<std::string, std::string> cni_args;  // CNI_ARGS K=V;K=V
  std::string arg(const std::string &k) const {
    auto it = cni_args.find(k);
    return it == cni_args.end() ? "" : it->second;
  }
};

struct Attachment {
  std::string container_id, ifname;
  bool operator<(const Attachment &o) const {
    return container_id != o.container_id ? container_id < o.container_id : ifname < o.ifname;
  }
};

struct NetConf {
  nlohmann::json raw;  // as received: delegated to IPAM unchanged (but the version)
  std::string cni_version, name;
  std::string daemon = "http://127.0.0.1:9000";  // key "polycubed"
  std::string token;                             // key "token"
  unsigned mtu = 1500;                           // key "mtu": both veth ends
  std::string ipam_type;
  // Key "nodeLink": the /30 (or shorter) between the router and the node's
  // own stack; the router takes the first address, the node the second.
  // Default: a /30 in 169.254.0.0/16 derived from the network name.
  Ipv4Prefix node_link;
  nlohmann::json prev_result;  // null when absent
  std::vector<Attachment> valid_attachments;  // GC: cni.dev/valid-attachments
};

// Reads CNI_* (CNI_COMMAND must be known; the rest is checked per command).
Env read_env();
// The variables `command` needs; throws CniError(kInvalidEnvironment) naming
// the ones that are missing or malformed.
void require_env(const Env &env);
NetConf parse_conf(const std::string &text, const std::string &command);

// The version to answer an error in when the configuration could not be read.
inline const char *kDefaultVersion = "1.1.0";

}  // namespace pcncni
