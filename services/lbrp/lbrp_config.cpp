#include "lbrp_config.h"

#include <set>

#include "polycube/error.h"
#include "polycube/ipv4.h"

namespace polycube::services::lbrp {

using nlohmann::json;

namespace {

[[noreturn]] void invalid(const std::string &msg) { throw Error(ErrorCode::kInvalid, msg); }

uint32_t address(const json &v, const std::string &what) {
  auto a = v.is_string() ? parse_ipv4(v.get<std::string>()) : std::nullopt;
  if (!a) invalid(what + ": '" + (v.is_string() ? v.get<std::string>() : v.dump()) + "' is not an IPv4 address");
  return *a;
}

Proto proto_of(const std::string &s) {
  if (s == "TCP") return Proto::kTcp;
  if (s == "UDP") return Proto::kUdp;
  if (s == "ALL") return Proto::kAll;
  invalid("unknown protocol '" + s + "' (TCP, UDP or ALL)");
}

}  // namespace

std::string proto_name(Proto p) { return p == Proto::kTcp ? "TCP" : p == Proto::kUdp ? "UDP" : "ALL"; }

std::vector<uint8_t> protocols(Proto p) {
  if (p == Proto::kAll) return {6, 17};
  return {uint8_t(p)};
}

std::string ServiceKey::to_string() const {
  return ipv4_string(vip) + " " + std::to_string(vport) + " " + proto_name(proto);
}

Config parse_config(const json &cube) {
  Config c;
  c.multi = cube.value("port_mode", "SINGLE") == "MULTI";
  size_t frontends = 0, backends = 0;
  if (cube.contains("ports"))
    for (const auto &p : cube["ports"]) {
      std::string name = p.at("name").get<std::string>();
      std::string type = p.value("type", "");
      if (type != "FRONTEND" && type != "BACKEND") invalid("port " + name + ": type FRONTEND or BACKEND is required");
      bool front = type == "FRONTEND";
      c.frontend[name] = front;
      (front ? frontends : backends)++;
      if (p.contains("ip")) {
        if (!front || !c.multi) invalid("port " + name + ": ip is for the FRONTEND ports of port_mode MULTI");
        c.port_ip[name] = address(p["ip"], "port " + name);
      }
    }
  if (backends > 1) invalid("an lbrp has one BACKEND port (" + std::to_string(backends) + " given)");
  if (!c.multi && frontends > 1)
    invalid("port_mode SINGLE has one FRONTEND port (" + std::to_string(frontends) + " given; use port_mode=MULTI)");
  std::set<uint32_t> ips;
  for (const auto &[name, ip] : c.port_ip)
    if (!ips.insert(ip).second) invalid("port " + name + ": ip " + ipv4_string(ip) + " is another port's");

  if (cube.contains("service"))
    for (const auto &s : cube["service"]) {
      ServiceKey k;
      k.vip = address(s.at("vip"), "service vip");
      k.vport = s.at("vport").get<uint16_t>();
      k.proto = proto_of(s.at("proto").get<std::string>());
      std::string what = "service " + k.to_string();
      Service svc;
      svc.reset = s.value("backend-removal", "DRAIN") == "RESET";
      if (s.contains("backend"))
        for (const auto &b : s["backend"]) {
          Backend be;
          be.ip = address(b.at("ip"), what + " backend");
          be.weight = b.value("weight", uint16_t(1));
          if (be.weight < 1 || be.weight > 256) invalid(what + " backend " + ipv4_string(be.ip) + ": weight is 1..256");
          if (b.contains("port")) {
            be.port = b["port"].get<uint16_t>();
            if (!be.port) invalid(what + " backend " + ipv4_string(be.ip) + ": port 0 (a port is 1..65535)");
            if (!k.vport)
              invalid(what + " backend " + ipv4_string(be.ip) +
                      ": an every-port service (vport 0) keeps the packet's port; give no backend port");
          }
          svc.backends[be.ip] = be;
        }
      c.services[k] = std::move(svc);
    }
  // An ALL service and a TCP or UDP one at the same address and port would
  // be two services for the same packets.
  for (const auto &[k, s] : c.services)
    if (k.proto == Proto::kAll)
      for (Proto p : {Proto::kTcp, Proto::kUdp})
        if (c.services.count({k.vip, k.vport, p}))
          invalid("service " + ServiceKey{k.vip, k.vport, p}.to_string() + " overlaps service " + k.to_string());
  return c;
}

}  // namespace polycube::services::lbrp
