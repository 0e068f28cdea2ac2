// IPv4 addresses as text and numbers, for control planes reading their
// configuration (the YANG types have checked the form already; these
// still refuse what is not an address).
#pragma once

#include <arpa/inet.h>

#include <cstdint>
#include <optional>
#include <string>

namespace polycube {

// "10.0.1.2" -> 0x0a000102 (host order); nullopt if not an IPv4 address.
inline std::optional<uint32_t> parse_ipv4(const std::string &s) {
  in_addr a{};
  if (inet_pton(AF_INET, s.c_str(), &a) != 1) return std::nullopt;
  return ntohl(a.s_addr);
}

// 0x0a000102 (host order) -> "10.0.1.2".
inline std::string ipv4_string(uint32_t host_order) {
  in_addr a{htonl(host_order)};
  char buf[INET_ADDRSTRLEN];
  inet_ntop(AF_INET, &a, buf, sizeof buf);
  return buf;
}

}  // namespace polycube
