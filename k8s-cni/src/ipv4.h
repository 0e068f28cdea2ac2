// IPv4 addresses and prefixes as the plugin handles them (host byte order).
// The pod network is IPv4 because the router is.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace pcncni {

struct Ipv4Prefix {
  uint32_t addr = 0;  // the address as written (host bits kept: "10.0.0.5/24")
  int len = 32;
  uint32_t mask() const { return len == 0 ? 0 : ~uint32_t{0} << (32 - len); }
  uint32_t network() const { return addr & mask(); }
  bool contains(uint32_t a) const { return (a & mask()) == network(); }
};

std::optional<uint32_t> parse_ipv4(const std::string &s);
// "a.b.c.d/len"; a bare address is /32 only if `allow_bare`.
std::optional<Ipv4Prefix> parse_ipv4_prefix(const std::string &s, bool allow_bare = false);
std::string format_ipv4(uint32_t a);
std::string format_prefix(uint32_t a, int len);

}  // namespace pcncni
