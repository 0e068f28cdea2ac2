#include "ipv4.h"

#include <arpa/inet.h>

#include <cstdlib>

namespace pcncni {

std::optional<uint32_t> parse_ipv4(const std::string &s) {
  in_addr a{};
  if (inet_pton(AF_INET, s.c_str(), &a) != 1) return std::nullopt;
  return ntohl(a.s_addr);
}

std::optional<Ipv4Prefix> parse_ipv4_prefix(const std::string &s, bool allow_bare) {
  auto slash = s.find('/');
  if (slash == std::string::npos) {
    if (!allow_bare) return std::nullopt;
    auto a = parse_ipv4(s);
    if (!a) return std::nullopt;
    return Ipv4Prefix{*a, 32};
  }
  auto a = parse_ipv4(s.substr(0, slash));
  std::string l = s.substr(slash + 1);
  if (!a || l.empty() || l.size() > 2 || l.find_first_not_of("0123456789") != std::string::npos) return std::nullopt;
  int len = std::atoi(l.c_str());
  if (len > 32) return std::nullopt;
  return Ipv4Prefix{*a, len};
}

std::string format_ipv4(uint32_t a) {
  in_addr x{htonl(a)};
  char buf[INET_ADDRSTRLEN];
  inet_ntop(AF_INET, &x, buf, sizeof(buf));
  return buf;
}

std::string format_prefix(uint32_t a, int len) { return format_ipv4(a) + "/" + std::to_string(len); }

}  // namespace pcncni
