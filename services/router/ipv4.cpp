#include "ipv4.h"

#include <cstdio>

#include "polycube/error.h"

namespace polycube::services::ipv4 {

namespace {
// Reads a decimal number of at most `max` at s[i...]; advances i.
bool read_number(const std::string &s, size_t &i, uint32_t max, uint32_t &out) {
  size_t start = i;
  uint64_t v = 0;
  while (i < s.size() && s[i] >= '0' && s[i] <= '9' && i - start < 4) v = v * 10 + uint32_t(s[i++] - '0');
  if (i == start || v > max || (i - start > 1 && s[start] == '0')) return false;
  out = static_cast<uint32_t>(v);
  return true;
}

bool read_addr(const std::string &s, size_t &i, uint32_t &out) {
  out = 0;
  for (int octet = 0; octet < 4; octet++) {
    uint32_t v;
    if (octet > 0 && (i >= s.size() || s[i++] != '.')) return false;
    if (!read_number(s, i, 255, v)) return false;
    out = (out << 8) | v;
  }
  return true;
}
}  // namespace

uint32_t parse_addr(const std::string &s) {
  size_t i = 0;
  uint32_t a;
  if (!read_addr(s, i, a) || i != s.size()) throw Error(ErrorCode::kInvalid, "'" + s + "' is not an IPv4 address");
  return a;
}

std::string addr_str(uint32_t a) {
  char buf[16];
  std::snprintf(buf, sizeof(buf), "%u.%u.%u.%u", a >> 24, (a >> 16) & 0xff, (a >> 8) & 0xff, a & 0xff);
  return buf;
}

Cidr parse_cidr(const std::string &s) {
  size_t i = 0;
  Cidr c;
  uint32_t len;
  if (!read_addr(s, i, c.addr) || i >= s.size() || s[i++] != '/' || !read_number(s, i, 32, len) || i != s.size())
    throw Error(ErrorCode::kInvalid, "'" + s + "' is not an IPv4 prefix (a.b.c.d/0..32)");
  c.len = static_cast<uint8_t>(len);
  return c;
}

std::string Cidr::str() const { return addr_str(addr) + "/" + std::to_string(len); }
std::string Cidr::network_str() const { return addr_str(network()) + "/" + std::to_string(len); }

}  // namespace polycube::services::ipv4
