// lbrp's configuration as values, read from its YANG instance (the RFC 7951
// object the daemon validated) and checked for what the schema cannot say:
// the port types of the port mode, a backend port on an every-port
// service, an ALL service beside a TCP or UDP one of the same address and
// port. Pure C++: the control plane and the tests share it.
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <tuple>
#include <vector>

namespace polycube::services::lbrp {

enum class Proto : uint8_t { kTcp = 6, kUdp = 17, kAll = 0 };

struct Backend {
  uint32_t ip = 0;    // host order
  uint16_t port = 0;  // 0: the service's port (every-port service: the packet's)
  uint16_t weight = 1;
  bool operator==(const Backend &) const = default;
};

struct ServiceKey {
  uint32_t vip = 0;  // host order
  uint16_t vport = 0;
  Proto proto = Proto::kTcp;
  auto operator<=>(const ServiceKey &) const = default;
  std::string to_string() const;  // "10.96.0.10 80 TCP"
};

struct Service {
  bool reset = false;  // backend-removal RESET
  std::map<uint32_t, Backend> backends;  // by address
  bool operator==(const Service &) const = default;
};

struct Config {
  bool multi = false;
  std::map<std::string, bool> frontend;      // port name -> true FRONTEND, false BACKEND
  std::map<std::string, uint32_t> port_ip;   // MULTI frontend port -> client address
  std::map<ServiceKey, Service> services;
};

// The configuration of an `lbrp` list instance; throws polycube::Error
// (kInvalid) saying what is wrong.
Config parse_config(const nlohmann::json &cube);

// The protocols a service is in the data plane (ALL: TCP and UDP).
std::vector<uint8_t> protocols(Proto p);
std::string proto_name(Proto p);

}  // namespace polycube::services::lbrp
