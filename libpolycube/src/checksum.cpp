#include "polycube/checksum.h"

namespace polycube::checksum {

uint32_t add(const void *data, size_t len, uint32_t sum) {
  const auto *p = static_cast<const uint8_t *>(data);
  uint64_t s = sum;
  for (size_t i = 0; i + 1 < len; i += 2) s += (uint32_t(p[i]) << 8) | p[i + 1];
  if (len & 1) s += uint32_t(p[len - 1]) << 8;
  while (s >> 32) s = (s & 0xffffffff) + (s >> 32);
  return static_cast<uint32_t>(s);
}

uint16_t finish(uint32_t sum) {
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return static_cast<uint16_t>(~sum);
}

uint16_t of(const void *data, size_t len) { return finish(add(data, len)); }

uint32_t pseudo_ipv4(uint32_t src, uint32_t dst, uint8_t proto, uint16_t l4_len) {
  uint64_t s = (src >> 16) + (src & 0xffff) + (dst >> 16) + (dst & 0xffff) + proto + l4_len;
  return static_cast<uint32_t>(s);
}

uint32_t pseudo_ipv6(const uint8_t src[16], const uint8_t dst[16], uint8_t next, uint32_t l4_len) {
  uint32_t s = add(src, 16);
  s = add(dst, 16, s);
  uint64_t t = uint64_t(s) + (l4_len >> 16) + (l4_len & 0xffff) + next;
  while (t >> 32) t = (t & 0xffffffff) + (t >> 32);
  return static_cast<uint32_t>(t);
}

}  // namespace polycube::checksum
