// Frames for the firewall tests: Ethernet + IPv4 + TCP / UDP / ICMP, and
// the classifier's view of the same packet.
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <string>

#include "firewall_rules.h"
#include "packet.h"

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

// The frame of `p` (at least p.len bytes, the payload padding it out).
inline std::string frame(const Pkt &p) {
  using namespace pcntest;
  Packet f;
  f.eth(mac("02:00:00:00:00:02"), mac("02:00:00:00:00:01")).ipv4(p.src, p.dst);
  f.ip4->proto = p.proto;
  size_t l4 = 0;
  if (p.proto == 6) {
    f.with_tcp(p.sport, p.dport, p.flags);
    l4 = 20;
  } else if (p.proto == 17) {
    f.with_udp(p.sport, p.dport);
    l4 = 8;
  } else if (p.proto == 1) {
    f.with_icmp(p.icmp_type, 0, p.sport);
    l4 = 8;
  }
  size_t hdrs = 14 + 20 + l4, len = std::max<size_t>(p.len, 14 + 20 + 28);
  f.payload.assign(len > hdrs ? len - hdrs : 0, '\0');
  return build(f);
}

// An ICMP error (type 3 code 3) from `from` to `to` quoting `quoted` (its
// IP header and the first 8 bytes after it).
inline std::string icmp_error(uint32_t from, uint32_t to, const Pkt &quoted) {
  using namespace pcntest;
  std::string q = frame(quoted).substr(14, 28);
  return build(Packet{}
                   .eth(mac("02:00:00:00:00:02"), mac("02:00:00:00:00:01"))
                   .ipv4(from, to)
                   .with_icmp(3, 3)
                   .with_payload(q));
}

}  // namespace fwtest
