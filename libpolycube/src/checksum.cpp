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

bool complete_partial(std::string &f) {
  auto *d = reinterpret_cast<uint8_t *>(f.data());
  if (f.size() < 14 + 20 || d[12] != 0x08 || d[13] != 0x00 || (d[14] >> 4) != 4) return false;
  size_t ihl = size_t(d[14] & 0x0f) * 4, total = (size_t(d[16]) << 8) | d[17];
  uint16_t frag = uint16_t((d[20] << 8) | d[21]);
  uint8_t proto = d[23];
  if (ihl < 20 || total < ihl || 14 + total > f.size() || (frag & 0x3fff)) return false;
  size_t l4 = 14 + ihl, len = total - ihl, at = proto == 6 ? 16 : proto == 17 ? 6 : 0;
  if (!at || len < at + 2) return false;
  auto be32 = [&](size_t o) { return (uint32_t(d[o]) << 24) | (uint32_t(d[o + 1]) << 16) | (uint32_t(d[o + 2]) << 8) | d[o + 3]; };
  uint32_t pseudo = pseudo_ipv4(be32(26), be32(30), proto, uint16_t(len));
  uint16_t seed = static_cast<uint16_t>(~finish(pseudo));
  uint16_t field = uint16_t((d[l4 + at] << 8) | d[l4 + at + 1]);
  if (field != seed || finish(add(d + l4, len, pseudo)) == 0) return false;
  d[l4 + at] = d[l4 + at + 1] = 0;
  uint16_t c = finish(add(d + l4, len, pseudo));
  if (proto == 17 && c == 0) c = 0xffff;
  d[l4 + at] = uint8_t(c >> 8);
  d[l4 + at + 1] = uint8_t(c);
  return true;
}

}  // namespace polycube::checksum
