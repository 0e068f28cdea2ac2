// Frames for the firewall tests: Ethernet + IPv4 + TCP / UDP / ICMP, and
// the classifier's view of the same packet.
#pragma once

#include <arpa/inet.h>

#include <cstdint>
#include <cstring>
#include <string>

#include "firewall_rules.h"

namespace fwtest {

struct Pkt {
  uint32_t src = 0, dst = 0;  // host order
  uint8_t proto = 17;         // 6 TCP, 17 UDP, 1 ICMP, other: bare IP
  uint16_t sport = 0, dport = 0;
  uint8_t flags = 0;          // TCP
  uint8_t icmp_type = 8;      // ICMP; echo id = sport
  size_t len = 64;

  polycube::services::fw::Packet view(uint8_t ct = FW_CT_NEW) const {
    polycube::services::fw::Packet p;
    p.src = src;
    p.dst = dst;
    p.proto = proto;
    p.has_ports = proto == 6 || proto == 17;
    p.sport = sport;
    p.dport = dport;
    p.is_tcp = proto == 6;
    p.flags = flags;
    p.ct = ct;
    return p;
  }
};

inline void put16(std::string &f, size_t o, uint16_t v) {
  f[o] = static_cast<char>(v >> 8);
  f[o + 1] = static_cast<char>(v & 0xff);
}
inline void put32(std::string &f, size_t o, uint32_t v) {
  put16(f, o, static_cast<uint16_t>(v >> 16));
  put16(f, o + 2, static_cast<uint16_t>(v & 0xffff));
}

// IPv4 header at offset 14 of `f` (no options), payload of `l4len` bytes.
inline void ip_header(std::string &f, size_t o, uint32_t src, uint32_t dst, uint8_t proto, size_t total) {
  f[o] = 0x45;
  put16(f, o + 2, static_cast<uint16_t>(total));
  f[o + 8] = 64;
  f[o + 9] = static_cast<char>(proto);
  put32(f, o + 12, src);
  put32(f, o + 16, dst);
  uint32_t sum = 0;
  for (size_t i = 0; i < 20; i += 2) sum += (uint8_t(f[o + i]) << 8) | uint8_t(f[o + i + 1]);
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  put16(f, o + 10, static_cast<uint16_t>(~sum));
}

inline std::string frame(const Pkt &p) {
  std::string f(std::max<size_t>(p.len, 14 + 20 + 28), '\0');
  const char hdr[14] = {2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1, 0x08, 0x00};
  std::memcpy(f.data(), hdr, 14);
  ip_header(f, 14, p.src, p.dst, p.proto, f.size() - 14);
  size_t l4 = 34;
  if (p.proto == 6) {
    put16(f, l4, p.sport);
    put16(f, l4 + 2, p.dport);
    f[l4 + 12] = 0x50;
    f[l4 + 13] = static_cast<char>(p.flags);
  } else if (p.proto == 17) {
    put16(f, l4, p.sport);
    put16(f, l4 + 2, p.dport);
    put16(f, l4 + 4, static_cast<uint16_t>(f.size() - l4));
  } else if (p.proto == 1) {
    f[l4] = static_cast<char>(p.icmp_type);
    put16(f, l4 + 4, p.sport);
  }
  return f;
}

// An ICMP error (type 3 code 3) from `from` to `to` quoting `quoted`.
inline std::string icmp_error(uint32_t from, uint32_t to, const Pkt &quoted) {
  std::string q = frame(quoted).substr(14, 28);
  std::string f(14 + 20 + 8 + 28, '\0');
  const char hdr[14] = {2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1, 0x08, 0x00};
  std::memcpy(f.data(), hdr, 14);
  ip_header(f, 14, from, to, 1, f.size() - 14);
  f[34] = 3;
  f[35] = 3;
  std::memcpy(f.data() + 42, q.data(), q.size());
  return f;
}

}  // namespace fwtest
