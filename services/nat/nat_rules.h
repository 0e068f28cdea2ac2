// The NAT's configuration as values, read from its YANG instance (the RFC
// 7951 object the daemon validated) and checked for what the schema cannot
// say: prefixes with host bits, overlapping SNAT networks, a DNAT address
// or a forwarded port given twice, an empty port range. Pure C++: the
// control plane and the tests share it.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace polycube::services::nat {

struct SnatRule {
  uint32_t id = 0;
  uint32_t net = 0;  // host order, host bits zero
  uint8_t len = 0;
  uint32_t external = 0;
  bool operator==(const SnatRule &) const = default;
};

struct DnatRule {
  uint32_t id = 0;
  uint32_t external = 0, internal = 0;
  bool operator==(const DnatRule &) const = default;
};

struct PortForward {
  uint32_t id = 0;
  uint32_t external = 0;
  uint16_t external_port = 0;
  uint32_t internal = 0;
  uint16_t internal_port = 0;
  uint8_t proto = 6;  // 6 TCP, 17 UDP
  bool operator==(const PortForward &) const = default;
};

struct Config {
  std::vector<SnatRule> snat;
  std::vector<DnatRule> dnat;
  std::vector<PortForward> forwards;
  bool masquerade = false;
  uint16_t port_min = 1024, port_max = 65535;
  std::string attached_to;  // where the cube sits ("" when detached)
  bool operator==(const Config &) const = default;
};

// The configuration of a `nat` list instance; throws polycube::Error
// (kInvalid) naming the offending rule.
Config parse_config(const nlohmann::json &cube);

// "10.0.1.0/24" (or an address: /32) -> network, length; kInvalid if not
// a prefix or host bits are set.
std::pair<uint32_t, uint8_t> parse_prefix(const std::string &s, const std::string &what);
uint32_t parse_address(const std::string &s, const std::string &what);
std::string address_string(uint32_t host_order);

}  // namespace polycube::services::nat
