#include "polycube/mac.h"

#include <cstdio>

#include "polycube/error.h"

namespace polycube {

std::string mac_to_string(uint64_t m) {
  char buf[18];
  std::snprintf(buf, sizeof(buf), "%02x:%02x:%02x:%02x:%02x:%02x", unsigned(m >> 40) & 0xff, unsigned(m >> 32) & 0xff,
                unsigned(m >> 24) & 0xff, unsigned(m >> 16) & 0xff, unsigned(m >> 8) & 0xff, unsigned(m) & 0xff);
  return buf;
}

uint64_t mac_from_string(const std::string &s) {
  unsigned b[6];
  char extra;
  if (s.size() != 17 ||
      std::sscanf(s.c_str(), "%2x:%2x:%2x:%2x:%2x:%2x%c", &b[0], &b[1], &b[2], &b[3], &b[4], &b[5], &extra) != 6)
    throw Error(ErrorCode::kInvalid, "'" + s + "' is not a MAC address");
  uint64_t m = 0;
  for (unsigned v : b) m = (m << 8) | v;
  return m;
}

uint64_t mac_from_bytes(const uint8_t b[6]) {
  uint64_t m = 0;
  for (int i = 0; i < 6; i++) m = (m << 8) | b[i];
  return m;
}

void mac_to_bytes(uint64_t m, uint8_t out[6]) {
  for (int i = 0; i < 6; i++) out[i] = static_cast<uint8_t>(m >> (40 - 8 * i));
}

}  // namespace polycube
