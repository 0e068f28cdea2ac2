// The CNI result (interfaces, IPs, routes, DNS) independent of the spec
// version, read from any version's JSON (0.3.0 to 1.1.0: an IPAM plugin's
// answer, a prevResult) and written in the version the runtime asked for.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace pcncni {

struct Interface {
  std::string name, mac, sandbox;  // sandbox empty: a host interface
  int mtu = 0;                     // written from 1.1.0 on; 0 = not reported
};

struct IpConfig {
  std::string address;  // CIDR, e.g. 10.244.1.5/24
  std::string gateway;  // may be empty
  int interface = -1;   // index into interfaces, -1 = none
};

struct Route {
  std::string dst, gw;     // gw may be empty
  nlohmann::json extra;    // 1.1.0 fields (mtu, advmss, priority, table, scope), kept as given
};

struct Result {
  std::vector<Interface> interfaces;
  std::vector<IpConfig> ips;
  std::vector<Route> routes;
  nlohmann::json dns = nlohmann::json::object();
};

// Throws CniError(kDecodeFailure) when `j` is not a result of 0.3.0 or later.
Result parse_result(const nlohmann::json &j);
nlohmann::json to_json(const Result &r, const std::string &version);

}  // namespace pcncni
