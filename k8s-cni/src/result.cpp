#include "result.h"

#include "cni_error.h"
#include "versions.h"

namespace pcncni {

namespace {

std::string str(const nlohmann::json &o, const char *key) {
  auto it = o.find(key);
  if (it == o.end() || it->is_null()) return "";
  if (!it->is_string()) throw CniError(kDecodeFailure, std::string("result: '") + key + "' is not a string");
  return it->get<std::string>();
}

const char *kRouteExtras[] = {"mtu", "advmss", "priority", "table", "scope"};

}  // namespace

Result parse_result(const nlohmann::json &j) {
  if (!j.is_object()) throw CniError(kDecodeFailure, "result is not a JSON object");
  if (j.contains("ip4") || j.contains("ip6"))
    throw CniError(kIncompatibleVersion, "result in the 0.1/0.2 format (ip4/ip6) is not supported");
  Result r;
  for (const auto &i : j.value("interfaces", nlohmann::json::array())) {
    if (!i.is_object()) throw CniError(kDecodeFailure, "result: an interface is not an object");
    Interface x{str(i, "name"), str(i, "mac"), str(i, "sandbox"), 0};
    if (i.contains("mtu") && i["mtu"].is_number_integer()) x.mtu = i["mtu"].get<int>();
    r.interfaces.push_back(x);
  }
  for (const auto &i : j.value("ips", nlohmann::json::array())) {
    if (!i.is_object()) throw CniError(kDecodeFailure, "result: an ips entry is not an object");
    IpConfig x{str(i, "address"), str(i, "gateway"), -1};
    if (x.address.empty()) throw CniError(kDecodeFailure, "result: an ips entry has no address");
    if (i.contains("interface") && i["interface"].is_number_integer()) x.interface = i["interface"].get<int>();
    r.ips.push_back(x);
  }
  for (const auto &i : j.value("routes", nlohmann::json::array())) {
    if (!i.is_object()) throw CniError(kDecodeFailure, "result: a route is not an object");
    Route x{str(i, "dst"), str(i, "gw"), nlohmann::json::object()};
    if (x.dst.empty()) throw CniError(kDecodeFailure, "result: a route has no dst");
    for (const char *k : kRouteExtras)
      if (i.contains(k)) x.extra[k] = i[k];
    r.routes.push_back(x);
  }
  if (j.contains("dns") && j["dns"].is_object()) r.dns = j["dns"];
  return r;
}

nlohmann::json to_json(const Result &r, const std::string &version) {
  const bool v1 = compare_versions(version, "1.0.0") >= 0, v11 = compare_versions(version, "1.1.0") >= 0;
  nlohmann::json j{{"cniVersion", version}};
  auto ifs = nlohmann::json::array();
  for (const auto &i : r.interfaces) {
    nlohmann::json x{{"name", i.name}};
    if (!i.mac.empty()) x["mac"] = i.mac;
    if (!i.sandbox.empty()) x["sandbox"] = i.sandbox;
    if (v11 && i.mtu > 0) x["mtu"] = i.mtu;
    ifs.push_back(x);
  }
  if (!ifs.empty()) j["interfaces"] = ifs;
  auto ips = nlohmann::json::array();
  for (const auto &i : r.ips) {
    nlohmann::json x{{"address", i.address}};
    if (!v1) x["version"] = i.address.find(':') == std::string::npos ? "4" : "6";  // dropped in 1.0.0
    if (!i.gateway.empty()) x["gateway"] = i.gateway;
    if (i.interface >= 0) x["interface"] = i.interface;
    ips.push_back(x);
  }
  if (!ips.empty()) j["ips"] = ips;
  auto routes = nlohmann::json::array();
  for (const auto &rt : r.routes) {
    nlohmann::json x{{"dst", rt.dst}};
    if (!rt.gw.empty()) x["gw"] = rt.gw;
    if (v11)
      for (auto &[k, v] : rt.extra.items()) x[k] = v;
    routes.push_back(x);
  }
  if (!routes.empty()) j["routes"] = routes;
  if (!r.dns.empty()) j["dns"] = r.dns;
  return j;
}

}  // namespace pcncni
