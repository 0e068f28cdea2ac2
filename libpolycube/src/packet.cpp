#include "polycube/packet.h"

#include <arpa/inet.h>

#include <cstdio>
#include <stdexcept>

#include "polycube/checksum.h"
#include "polycube/mac.h"

namespace polycube::packet {

namespace cs = polycube::checksum;

Mac mac(const std::string &s) {
  Mac m{};
  unsigned v[6];
  char extra;
  if (std::sscanf(s.c_str(), "%x:%x:%x:%x:%x:%x%c", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &extra) != 6)
    throw std::invalid_argument("bad mac " + s);
  for (int i = 0; i < 6; i++) m.b[i] = static_cast<uint8_t>(v[i]);
  return m;
}

Mac mac(uint64_t value) {
  Mac m{};
  mac_to_bytes(value, m.b);
  return m;
}

std::string to_string(const Mac &m) {
  char buf[18];
  std::snprintf(buf, sizeof(buf), "%02x:%02x:%02x:%02x:%02x:%02x", m.b[0], m.b[1], m.b[2], m.b[3], m.b[4], m.b[5]);
  return buf;
}

uint32_t ip(const std::string &dotted) {
  in_addr a{};
  if (inet_pton(AF_INET, dotted.c_str(), &a) != 1) throw std::invalid_argument("bad ip " + dotted);
  return ntohl(a.s_addr);
}

std::string ip_string(uint32_t v) {
  in_addr a{htonl(v)};
  char buf[INET_ADDRSTRLEN];
  inet_ntop(AF_INET, &a, buf, sizeof(buf));
  return buf;
}

Ip6 ip6(const std::string &text) {
  Ip6 a{};
  if (inet_pton(AF_INET6, text.c_str(), a.data()) != 1) throw std::invalid_argument("bad ipv6 " + text);
  return a;
}

Packet &Packet::eth(const Mac &d, const Mac &s) {
  dst = d;
  src = s;
  return *this;
}
Packet &Packet::vlan(uint16_t vid, uint16_t tpid) {
  vlans.push_back({tpid, vid, 0});
  return *this;
}
Packet &Packet::ipv4(uint32_t s, uint32_t d, uint8_t ttl) {
  ip4 = Ipv4{};
  ip4->src = s;
  ip4->dst = d;
  ip4->ttl = ttl;
  return *this;
}
Packet &Packet::ipv6(const Ip6 &s, const Ip6 &d, uint8_t hop_limit) {
  ip6 = Ipv6{};
  ip6->src = s;
  ip6->dst = d;
  ip6->hop_limit = hop_limit;
  return *this;
}
Packet &Packet::with_tcp(uint16_t sport, uint16_t dport, uint8_t flags) {
  tcp = Tcp{};
  tcp->sport = sport;
  tcp->dport = dport;
  tcp->flags = flags;
  return *this;
}
Packet &Packet::with_udp(uint16_t sport, uint16_t dport) {
  udp = Udp{};
  udp->sport = sport;
  udp->dport = dport;
  return *this;
}
Packet &Packet::with_icmp(uint8_t type, uint8_t code, uint16_t id, uint16_t seq) {
  icmp = Icmp{type, code, id, seq, std::nullopt};
  return *this;
}
Packet &Packet::with_payload(const std::string &bytes) {
  payload = bytes;
  return *this;
}

Packet &Packet::fresh_checksums() {
  if (ip4) ip4->checksum.reset();
  if (tcp) tcp->checksum.reset();
  if (udp) udp->checksum.reset();
  if (icmp) icmp->checksum.reset();
  return *this;
}

namespace {

constexpr uint8_t kTcp = 6, kUdp = 17, kIcmp = 1, kIcmp6 = 58;

void put8(std::string &f, uint8_t v) { f.push_back(static_cast<char>(v)); }
void put16(std::string &f, uint16_t v) {
  f.push_back(static_cast<char>(v >> 8));
  f.push_back(static_cast<char>(v));
}
void put32(std::string &f, uint32_t v) {
  put16(f, static_cast<uint16_t>(v >> 16));
  put16(f, static_cast<uint16_t>(v));
}
void set16(std::string &f, size_t at, uint16_t v) {
  f[at] = static_cast<char>(v >> 8);
  f[at + 1] = static_cast<char>(v);
}
uint8_t u8(const std::string &f, size_t at) { return static_cast<uint8_t>(f[at]); }
uint16_t u16(const std::string &f, size_t at) { return static_cast<uint16_t>((u8(f, at) << 8) | u8(f, at + 1)); }
uint32_t u32(const std::string &f, size_t at) { return (uint32_t(u16(f, at)) << 16) | u16(f, at + 2); }
std::string padded(std::string s, size_t unit) {
  while (s.size() % unit) s.push_back('\0');
  return s;
}

uint8_t l4_proto(const Packet &p) {
  if (p.tcp) return kTcp;
  if (p.udp) return kUdp;
  if (p.icmp) return p.ip6 ? kIcmp6 : kIcmp;
  return 59;  // no next header
}

// The L4 header + payload, checksum 0 (filled by the caller).
std::string l4_bytes(const Packet &p) {
  std::string s;
  if (p.tcp) {
    std::string opts = padded(p.tcp->options, 4);
    put16(s, p.tcp->sport);
    put16(s, p.tcp->dport);
    put32(s, p.tcp->seq);
    put32(s, p.tcp->ack);
    put8(s, static_cast<uint8_t>(((20 + opts.size()) / 4) << 4));
    put8(s, p.tcp->flags);
    put16(s, p.tcp->window);
    put16(s, 0);
    put16(s, 0);  // urgent pointer
    s += opts;
  } else if (p.udp) {
    put16(s, p.udp->sport);
    put16(s, p.udp->dport);
    put16(s, static_cast<uint16_t>(8 + p.payload.size()));
    put16(s, 0);
  } else if (p.icmp) {
    put8(s, p.icmp->type);
    put8(s, p.icmp->code);
    put16(s, 0);
    put16(s, p.icmp->id);
    put16(s, p.icmp->seq);
  }
  return s + p.payload;
}

// Offset of the checksum inside the L4 bytes.
size_t l4_csum_at(const Packet &p) { return p.tcp ? 16 : p.udp ? 6 : 2; }
std::optional<uint16_t> l4_forced(const Packet &p) {
  return p.tcp ? p.tcp->checksum : p.udp ? p.udp->checksum : p.icmp ? p.icmp->checksum : std::nullopt;
}

void fill_l4_checksum(const Packet &p, std::string &l4, uint32_t pseudo) {
  if (!p.tcp && !p.udp && !p.icmp) return;
  size_t at = l4_csum_at(p);
  uint16_t c;
  if (auto forced = l4_forced(p)) {
    c = *forced;
  } else if (p.udp && p.udp->no_checksum) {
    c = 0;
  } else {
    bool with_pseudo = p.tcp || p.udp || p.ip6;  // ICMPv4 has none
    c = cs::finish(cs::add(l4.data(), l4.size(), with_pseudo ? pseudo : 0));
    if (p.udp && c == 0) c = 0xffff;  // 0 means "no checksum"
  }
  set16(l4, at, c);
}

std::string ipv4_bytes(const Packet &p) {
  const Ipv4 &h = *p.ip4;
  std::string opts = padded(h.options, 4);
  std::string l4 = l4_bytes(p);
  uint8_t proto = h.proto ? *h.proto : l4_proto(p);
  bool later_fragment = h.frag_offset != 0;
  if (!later_fragment) fill_l4_checksum(p, l4, cs::pseudo_ipv4(h.src, h.dst, proto, static_cast<uint16_t>(l4.size())));
  std::string s;
  put8(s, static_cast<uint8_t>(0x40 | ((20 + opts.size()) / 4)));
  put8(s, h.tos);
  put16(s, static_cast<uint16_t>(20 + opts.size() + l4.size()));
  put16(s, h.id);
  put16(s, static_cast<uint16_t>((h.df ? 0x4000 : 0) | (h.mf ? 0x2000 : 0) | (h.frag_offset & 0x1fff)));
  put8(s, h.ttl);
  put8(s, proto);
  put16(s, 0);
  put32(s, h.src);
  put32(s, h.dst);
  s += opts;
  set16(s, 10, h.checksum ? *h.checksum : cs::of(s.data(), s.size()));
  return s + l4;
}

std::string ipv6_bytes(const Packet &p) {
  const Ipv6 &h = *p.ip6;
  uint8_t upper = h.next ? *h.next : l4_proto(p);
  std::string exts;
  bool later_fragment = false;
  for (size_t i = 0; i < h.ext.size(); i++) {
    const Ipv6Ext &e = h.ext[i];
    uint8_t next = i + 1 < h.ext.size() ? h.ext[i + 1].type : upper;
    std::string hdr;
    put8(hdr, next);
    if (e.type == 44) {
      put8(hdr, 0);
      hdr += e.body;
      hdr.resize(8, '\0');
      later_fragment = later_fragment || (u16(hdr, 2) & 0xfff8) != 0;
    } else if (e.type == 51) {
      std::string body = e.body;
      while ((2 + body.size()) % 4 || 2 + body.size() < 8) body.push_back('\0');
      put8(hdr, static_cast<uint8_t>((2 + body.size()) / 4 - 2));
      hdr += body;
    } else {
      std::string body = e.body;
      while ((2 + body.size()) % 8) body.push_back('\0');
      put8(hdr, static_cast<uint8_t>((2 + body.size()) / 8 - 1));
      hdr += body;
    }
    exts += hdr;
  }
  std::string l4 = l4_bytes(p);
  if (!later_fragment)
    fill_l4_checksum(p, l4, cs::pseudo_ipv6(h.src.data(), h.dst.data(), upper, static_cast<uint32_t>(l4.size())));
  std::string s;
  put32(s, 0x60000000);
  put16(s, static_cast<uint16_t>(exts.size() + l4.size()));
  put8(s, h.ext.empty() ? upper : h.ext[0].type);
  put8(s, h.hop_limit);
  s.append(reinterpret_cast<const char *>(h.src.data()), 16);
  s.append(reinterpret_cast<const char *>(h.dst.data()), 16);
  return s + exts + l4;
}

}  // namespace

namespace {

std::string arp_bytes(const Arp &a) {
  std::string s;
  put16(s, 1);       // Ethernet
  put16(s, 0x0800);  // IPv4
  put8(s, 6);
  put8(s, 4);
  put16(s, a.op);
  s.append(reinterpret_cast<const char *>(a.sha.b), 6);
  put32(s, a.spa);
  s.append(reinterpret_cast<const char *>(a.tha.b), 6);
  put32(s, a.tpa);
  return s;
}

}  // namespace

std::string build_ip(const Packet &p) {
  if (p.ip4) return ipv4_bytes(p);
  if (p.ip6) return ipv6_bytes(p);
  return p.payload;
}

std::string build(const Packet &p) {
  std::string f(reinterpret_cast<const char *>(p.dst.b), 6);
  f.append(reinterpret_cast<const char *>(p.src.b), 6);
  for (const Vlan &v : p.vlans) {
    put16(f, v.tpid);
    put16(f, static_cast<uint16_t>((v.pcp << 13) | (v.vid & 0xfff)));
  }
  uint16_t type = p.ethertype ? *p.ethertype : p.arp ? 0x0806 : p.ip4 ? 0x0800 : p.ip6 ? 0x86dd : 0;
  if (!type) throw std::invalid_argument("packet without L3 needs an ethertype");
  put16(f, type);
  f += p.arp ? arp_bytes(*p.arp) + p.payload : build_ip(p);
  if (f.size() < p.min_size) f.resize(p.min_size, '\0');
  return f;
}

namespace {

// L4 header at `at` of `b` (protocol `proto`, segment ends at `end`);
// fills p and returns the payload offset, or `end` when truncated.
size_t parse_l4(const std::string &b, size_t at, size_t end, uint8_t proto, bool v6, Packet &p) {
  if (proto == kTcp) {
    if (end < at + 4) return p.truncated = true, end;
    Tcp t;
    t.sport = u16(b, at);
    t.dport = u16(b, at + 2);
    if (end < at + 20) {
      p.tcp = t;
      p.truncated = true;
      return end;
    }
    t.seq = u32(b, at + 4);
    t.ack = u32(b, at + 8);
    size_t doff = size_t(u8(b, at + 12) >> 4) * 4;
    t.flags = u8(b, at + 13);
    t.window = u16(b, at + 14);
    t.checksum = u16(b, at + 16);
    if (doff < 20 || end < at + doff) {
      p.tcp = t;
      p.truncated = true;
      return end;
    }
    t.options = b.substr(at + 20, doff - 20);
    p.tcp = t;
    return at + doff;
  }
  if (proto == kUdp) {
    if (end < at + 4) return p.truncated = true, end;
    Udp u;
    u.sport = u16(b, at);
    u.dport = u16(b, at + 2);
    if (end < at + 8) {
      p.udp = u;
      p.truncated = true;
      return end;
    }
    u.checksum = u16(b, at + 6);
    u.no_checksum = !v6 && *u.checksum == 0;
    p.udp = u;
    return at + 8;
  }
  if (proto == kIcmp || proto == kIcmp6) {
    if (end < at + 8) return p.truncated = true, end;
    p.icmp = Icmp{u8(b, at), u8(b, at + 1), u16(b, at + 4), u16(b, at + 6), u16(b, at + 2)};
    return at + 8;
  }
  return at;
}

Packet parse_from(const std::string &b, size_t at, Packet p) {
  if (b.size() < at + 1) return p.truncated = true, p;
  uint8_t version = u8(b, at) >> 4;
  if (version == 4) {
    if (b.size() < at + 20) return p.truncated = true, p;
    Ipv4 h;
    size_t ihl = size_t(u8(b, at) & 0x0f) * 4;
    h.tos = u8(b, at + 1);
    size_t total = u16(b, at + 2);
    h.id = u16(b, at + 4);
    uint16_t fo = u16(b, at + 6);
    h.df = fo & 0x4000;
    h.mf = fo & 0x2000;
    h.frag_offset = fo & 0x1fff;
    h.ttl = u8(b, at + 8);
    h.proto = u8(b, at + 9);
    h.checksum = u16(b, at + 10);
    h.src = u32(b, at + 12);
    h.dst = u32(b, at + 16);
    if (ihl < 20 || b.size() < at + ihl) {
      p.ip4 = h;
      return p.truncated = true, p;
    }
    h.options = b.substr(at + 20, ihl - 20);
    p.ip4 = h;
    p.ip_checksum_ok = cs::of(b.data() + at, ihl) == 0;
    size_t end = std::min(b.size(), at + std::max(total, ihl));  // beyond: Ethernet padding
    size_t l4 = at + ihl;
    if (h.frag_offset) {
      p.payload = b.substr(l4, end - l4);
      return p;
    }
    size_t pay = parse_l4(b, l4, end, *h.proto, false, p);
    p.payload = b.substr(pay, end - pay);
    bool complete = !p.truncated && total <= b.size() - at && !h.mf;
    if (complete && (p.tcp || p.udp || p.icmp) && !(p.udp && p.udp->no_checksum)) {
      uint32_t pseudo = p.icmp ? 0 : cs::pseudo_ipv4(h.src, h.dst, *h.proto, static_cast<uint16_t>(end - l4));
      p.l4_checksum_ok = cs::finish(cs::add(b.data() + l4, end - l4, pseudo)) == 0;
    }
    return p;
  }
  if (version == 6) {
    if (b.size() < at + 40) return p.truncated = true, p;
    Ipv6 h;
    size_t plen = u16(b, at + 4);
    uint8_t next = u8(b, at + 6);
    h.hop_limit = u8(b, at + 7);
    std::copy(b.begin() + at + 8, b.begin() + at + 24, h.src.begin());
    std::copy(b.begin() + at + 24, b.begin() + at + 40, h.dst.begin());
    size_t end = std::min(b.size(), at + 40 + plen);
    size_t off = at + 40;
    bool later_fragment = false, more = false;
    while (next == 0 || next == 43 || next == 44 || next == 51 || next == 60) {
      if (end < off + 8) {
        p.ip6 = h;
        return p.truncated = true, p;
      }
      size_t len = next == 44 ? 8 : next == 51 ? (size_t(u8(b, off + 1)) + 2) * 4 : (size_t(u8(b, off + 1)) + 1) * 8;
      if (end < off + len) {
        p.ip6 = h;
        return p.truncated = true, p;
      }
      Ipv6Ext e{next, b.substr(off + 2, next == 44 ? 6 : len - 2)};
      if (next == 44) {
        later_fragment = (u16(b, off + 2) & 0xfff8) != 0;
        more = u16(b, off + 2) & 1;
      }
      h.ext.push_back(e);
      next = u8(b, off);
      off += len;
    }
    h.next = next;
    p.ip6 = h;
    if (later_fragment) {
      p.payload = b.substr(off, end - off);
      return p;
    }
    size_t pay = parse_l4(b, off, end, next, true, p);
    p.payload = b.substr(pay, end - pay);
    if (!p.truncated && !more && (p.tcp || p.udp || p.icmp) && at + 40 + plen <= b.size()) {
      uint32_t pseudo = cs::pseudo_ipv6(h.src.data(), h.dst.data(), next, static_cast<uint32_t>(end - off));
      p.l4_checksum_ok = cs::finish(cs::add(b.data() + off, end - off, pseudo)) == 0;
    }
    return p;
  }
  p.payload = b.substr(at);
  return p;
}

}  // namespace

std::optional<Arp> arp_of(const Packet &p) {
  const std::string &b = p.payload;
  if (p.ethertype != 0x0806 || b.size() < 28 || u16(b, 0) != 1 || u16(b, 2) != 0x0800 || u8(b, 4) != 6 || u8(b, 5) != 4)
    return std::nullopt;
  Arp a;
  a.op = u16(b, 6);
  std::copy(b.begin() + 8, b.begin() + 14, a.sha.b);
  a.spa = u32(b, 14);
  std::copy(b.begin() + 18, b.begin() + 24, a.tha.b);
  a.tpa = u32(b, 24);
  return a;
}

Packet parse_ip(const std::string &bytes) { return parse_from(bytes, 0, Packet{}); }

Packet parse(const std::string &f) {
  Packet p;
  if (f.size() < 14) {
    p.truncated = true;
    return p;
  }
  std::copy(f.begin(), f.begin() + 6, p.dst.b);
  std::copy(f.begin() + 6, f.begin() + 12, p.src.b);
  size_t at = 12;
  uint16_t type = u16(f, at);
  while ((type == 0x8100 || type == 0x88a8) && f.size() >= at + 6) {
    uint16_t tci = u16(f, at + 2);
    p.vlans.push_back({type, static_cast<uint16_t>(tci & 0xfff), static_cast<uint8_t>(tci >> 13)});
    at += 4;
    type = u16(f, at);
  }
  p.ethertype = type;
  at += 2;
  if (type != 0x0800 && type != 0x86dd) {
    p.payload = f.substr(at);
    return p;
  }
  return parse_from(f, at, p);
}

}  // namespace polycube::packet
