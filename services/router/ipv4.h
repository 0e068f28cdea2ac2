// IPv4 addresses, prefixes and MACs as the router's control plane handles
// them: parsed from and printed to their text forms, host byte order inside.
#pragma once

#include <cstdint>
#include <string>

namespace polycube::services::ipv4 {

// "10.2.0.254" -> host-order address; throws kInvalid.
uint32_t parse_addr(const std::string &s);
std::string addr_str(uint32_t addr);

// An address with a prefix length: a port address (10.1.0.1/24) or a
// network (10.1.0.0/24).
struct Cidr {
  uint32_t addr = 0;
  uint8_t len = 0;
  uint32_t mask() const { return len == 0 ? 0 : ~uint32_t(0) << (32 - len); }
  uint32_t network() const { return addr & mask(); }
  bool contains(uint32_t a) const { return (a & mask()) == network(); }
  // Two prefixes overlap when one contains the other's network.
  bool overlaps(const Cidr &o) const { return contains(o.network()) || o.contains(network()); }
  std::string str() const;          // "10.1.0.1/24"
  std::string network_str() const;  // "10.1.0.0/24"
  bool operator==(const Cidr &) const = default;
  auto operator<=>(const Cidr &) const = default;
};
Cidr parse_cidr(const std::string &s);  // throws kInvalid

// MAC addresses: polycube/mac.h (mac_to_string, mac_from_string, ...).

}  // namespace polycube::services::ipv4
