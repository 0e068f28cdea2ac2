#include "conf.h"

#include <cstdlib>

#include "cni_error.h"
#include "names.h"
#include "versions.h"

namespace pcncni {

namespace {

std::string getenv_str(const char *k) {
  const char *v = std::getenv(k);
  return v ? v : "";
}

bool alnum(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'); }

// Container ids and network names (spec): an alphanumeric, then any of
// alphanumerics, '_', '.', '-'.
bool valid_identifier(const std::string &s) {
  if (s.empty() || !alnum(s[0])) return false;
  for (char c : s)
    if (!alnum(c) && c != '_' && c != '.' && c != '-') return false;
  return true;
}

bool valid_ifname(const std::string &s) {
  if (s.empty() || s.size() > 15 || s == "." || s == "..") return false;
  for (char c : s)
    if (c == '/' || c == ':' || c <= ' ' || c == 0x7f) return false;
  return true;
}

}  // namespace

Env read_env() {
  Env e;
  e.command = getenv_str("CNI_COMMAND");
  e.container_id = getenv_str("CNI_CONTAINERID");
  e.netns = getenv_str("CNI_NETNS");
  e.ifname = getenv_str("CNI_IFNAME");
  e.args = getenv_str("CNI_ARGS");
  e.path = getenv_str("CNI_PATH");
  size_t start = 0;
  while (start < e.args.size()) {
    size_t end = e.args.find(';', start);
    if (end == std::string::npos) end = e.args.size();
    std::string kv = e.args.substr(start, end - start);
    start = end + 1;
    if (kv.empty()) continue;
    auto eq = kv.find('=');
    if (eq == std::string::npos || eq == 0)
      throw CniError(kInvalidEnvironment, "CNI_ARGS: '" + kv + "' is not KEY=VALUE");
    e.cni_args[kv.substr(0, eq)] = kv.substr(eq + 1);
  }
  return e;
}

void require_env(const Env &e) {
  std::vector<std::string> bad;
  const bool attach = e.command == "ADD" || e.command == "DEL" || e.command == "CHECK";
  if (attach) {
    if (!valid_identifier(e.container_id)) bad.push_back("CNI_CONTAINERID");
    if (!valid_ifname(e.ifname)) bad.push_back("CNI_IFNAME");
    if (e.command != "DEL" && e.netns.empty()) bad.push_back("CNI_NETNS");
  }
  if ((attach || e.command == "GC") && e.path.empty()) bad.push_back("CNI_PATH");
  if (bad.empty()) return;
  std::string names;
  for (const auto &b : bad) names += (names.empty() ? "" : ", ") + b;
  throw CniError(kInvalidEnvironment, "missing or invalid environment variables: " + names);
}

NetConf parse_conf(const std::string &text, const std::string &command) {
  NetConf c;
  c.raw = nlohmann::json::parse(text, nullptr, false);
  if (c.raw.is_discarded() || !c.raw.is_object())
    throw CniError(kDecodeFailure, "the network configuration on stdin is not a JSON object");
  auto str = [&](const char *k, bool required) -> std::string {
    auto it = c.raw.find(k);
    if (it == c.raw.end() || it->is_null()) {
      if (required) throw CniError(kInvalidConfig, std::string("network configuration: '") + k + "' is missing");
      return "";
    }
    if (!it->is_string()) throw CniError(kInvalidConfig, std::string("network configuration: '") + k + "' must be a string");
    return it->get<std::string>();
  };
  c.cni_version = str("cniVersion", true);
  if (!is_supported(c.cni_version)) {
    std::string list;
    for (const auto &v : supported_versions()) list += (list.empty() ? "" : ", ") + v;
    throw CniError(kIncompatibleVersion, "incompatible CNI version " + c.cni_version, "supported: " + list);
  }
  if ((command == "STATUS" || command == "GC") && compare_versions(c.cni_version, "1.1.0") < 0)
    throw CniError(kIncompatibleVersion, command + " needs cniVersion 1.1.0 or later, got " + c.cni_version);
  if (command == "CHECK" && compare_versions(c.cni_version, "0.4.0") < 0)
    throw CniError(kIncompatibleVersion, "CHECK needs cniVersion 0.4.0 or later, got " + c.cni_version);
  c.name = str("name", true);
  if (!valid_identifier(c.name) || c.name.size() > kMaxNetworkName)
    throw CniError(kInvalidConfig, "network name '" + c.name + "': letters, digits, '_', '.', '-', starting with a letter or digit, at most " +
                                       std::to_string(kMaxNetworkName) + " characters");
  if (auto d = str("polycubed", false); !d.empty()) c.daemon = d;
  c.token = str("token", false);
  if (c.raw.contains("mtu")) {
    const auto &m = c.raw["mtu"];
    if (!m.is_number_integer() || m.get<long>() < 68 || m.get<long>() > 65535)
      throw CniError(kInvalidConfig, "network configuration: 'mtu' must be an integer 68..65535");
    c.mtu = m.get<unsigned>();
  }
  if (!c.raw.contains("ipam") || !c.raw["ipam"].is_object() || !c.raw["ipam"].contains("type") ||
      !c.raw["ipam"]["type"].is_string() || c.raw["ipam"]["type"].get<std::string>().empty())
    throw CniError(kInvalidConfig, "network configuration: 'ipam' with a 'type' (e.g. host-local) is required");
  c.ipam_type = c.raw["ipam"]["type"].get<std::string>();
  if (c.ipam_type.find('/') != std::string::npos)
    throw CniError(kInvalidConfig, "network configuration: ipam 'type' is a plugin name, not a path");
  if (auto l = str("nodeLink", false); !l.empty()) {
    auto p = parse_ipv4_prefix(l);
    if (!p || p->len > 30 || p->len < 8 || p->addr != p->network())
      throw CniError(kInvalidConfig, "network configuration: 'nodeLink' must be a network of /8../30 (e.g. 169.254.10.0/30), got '" + l + "'");
    c.node_link = *p;
  } else {
    c.node_link = default_node_link(c.name);
  }
  if (c.raw.contains("prevResult") && !c.raw["prevResult"].is_null()) {
    if (!c.raw["prevResult"].is_object()) throw CniError(kDecodeFailure, "prevResult is not an object");
    c.prev_result = c.raw["prevResult"];
  }
  if (command == "GC") {
    // Required: GC without the list would take every attachment for stale.
    const auto it = c.raw.find("cni.dev/valid-attachments");
    if (it == c.raw.end() || it->is_null())
      throw CniError(kInvalidConfig, "GC needs cni.dev/valid-attachments (an empty list to remove everything)");
    {
      if (!it->is_array()) throw CniError(kInvalidConfig, "cni.dev/valid-attachments must be a list");
      for (const auto &a : *it) {
        if (!a.is_object() || !a.contains("containerID") || !a["containerID"].is_string() || !a.contains("ifname") ||
            !a["ifname"].is_string())
          throw CniError(kInvalidConfig, "cni.dev/valid-attachments: each entry needs containerID and ifname strings");
        c.valid_attachments.push_back({a["containerID"].get<std::string>(), a["ifname"].get<std::string>()});
      }
    }
  }
  return c;
}

}  // namespace pcncni
