// Layered packets. A `Packet` describes a frame: Ethernet, VLAN tags, ARP,
// IPv4 (with options, fragments) or IPv6 (with extension headers), TCP,
// UDP, ICMP or ICMPv6, and a payload. build() serializes it with every
// length and checksum right (or a checksum forced to a given value);
// parse() reads a frame back into the same description and says which
// checksums hold. One builder for the control planes that write frames
// (the router's ARP requests and ICMP errors) and for the tests, which
// build their input and assert on the frames a program or a namespace put
// out in the same vocabulary (tests/support/packet.h). Checksums come from
// polycube/checksum.h.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace polycube::packet {

struct Mac {
  uint8_t b[6];
  bool operator==(const Mac &) const = default;
};
Mac mac(const std::string &colon_form);  // throws std::invalid_argument
Mac mac(uint64_t value);                 // 0x0200000000aa -> 02:00:00:00:00:aa
std::string to_string(const Mac &m);

uint32_t ip(const std::string &dotted);  // host order; throws std::invalid_argument
std::string ip_string(uint32_t host_order);

using Ip6 = std::array<uint8_t, 16>;
Ip6 ip6(const std::string &text);  // throws std::invalid_argument

struct Vlan {
  uint16_t tpid = 0x8100;  // 0x88a8 for an 802.1ad outer tag
  uint16_t vid = 0;
  uint8_t pcp = 0;
};

struct Ipv4 {
  uint32_t src = 0, dst = 0;  // host order
  uint8_t ttl = 64, tos = 0;
  uint16_t id = 0;
  bool df = false, mf = false;
  uint16_t frag_offset = 0;          // 8-byte units
  std::string options;               // raw bytes; build() pads them to a multiple of 4
  std::optional<uint8_t> proto;      // default: the L4 layer's
  std::optional<uint16_t> checksum;  // build: use this value; parse: the value found
};

// An IPv6 extension header: `type` is its protocol number (0 hop-by-hop,
// 43 routing, 44 fragment, 51 AH, 60 destination options); `body` the bytes
// after its next-header and length bytes (build() pads to the header's
// unit; a fragment header's body is its 6 bytes: offset/flags, id).
struct Ipv6Ext {
  uint8_t type = 0;
  std::string body;
};

struct Ipv6 {
  Ip6 src{}, dst{};
  uint8_t hop_limit = 64;
  std::vector<Ipv6Ext> ext;
  std::optional<uint8_t> next;  // upper-layer protocol; default: the L4 layer's
};

struct Tcp {
  uint16_t sport = 0, dport = 0;
  uint8_t flags = 0x02;  // SYN
  uint32_t seq = 1, ack = 0;
  uint16_t window = 65535;
  std::string options;  // padded to a multiple of 4
  std::optional<uint16_t> checksum;
};

struct Udp {
  uint16_t sport = 0, dport = 0;
  bool no_checksum = false;  // IPv4: send 0 (no checksum)
  std::optional<uint16_t> checksum;
};

// ARP for IPv4 over Ethernet (RFC 826): `op` 1 request, 2 reply; addresses
// in host order.
struct Arp {
  uint16_t op = 1;
  Mac sha{}, tha{};
  uint32_t spa = 0, tpa = 0;
};

// ICMP, or ICMPv6 when the packet is IPv6. `id` and `seq` form the second
// word of the header (echo identifier and sequence; 0 for most errors).
struct Icmp {
  uint8_t type = 8, code = 0;
  uint16_t id = 0, seq = 0;
  std::optional<uint16_t> checksum;
};

struct Packet {
  Mac dst{}, src{};
  std::vector<Vlan> vlans;            // outermost first
  std::optional<uint16_t> ethertype;  // default: from the L3 layer (required without one)
  std::optional<Arp> arp;  // build: instead of an IP layer (ethertype 0x0806); parse() leaves it to arp_of()
  std::optional<Ipv4> ip4;
  std::optional<Ipv6> ip6;
  std::optional<Tcp> tcp;
  std::optional<Udp> udp;
  std::optional<Icmp> icmp;
  std::string payload;  // after L4 (or L3); an ICMP error's quoted packet
  size_t min_size = 0;  // build: pad the frame with zeros (not counted by IP) to this size

  // parse(): what the checksums say (nullopt: nothing to check, e.g. a
  // later fragment, a truncated L4 header, UDP without a checksum).
  std::optional<bool> ip_checksum_ok, l4_checksum_ok;
  bool truncated = false;  // parse(): the frame ended inside a header

  // Builders of the common layers.
  Packet &eth(const Mac &d, const Mac &s);
  Packet &vlan(uint16_t vid, uint16_t tpid = 0x8100);
  Packet &ipv4(uint32_t s, uint32_t d, uint8_t ttl = 64);
  Packet &ipv6(const Ip6 &s, const Ip6 &d, uint8_t hop_limit = 64);
  Packet &with_tcp(uint16_t sport, uint16_t dport, uint8_t flags = 0x02);
  Packet &with_udp(uint16_t sport, uint16_t dport);
  Packet &with_icmp(uint8_t type, uint8_t code = 0, uint16_t id = 0, uint16_t seq = 0);
  Packet &with_payload(const std::string &bytes);
  // Forget the checksums parse() read, so build() computes them again
  // (after a test changed a field of a parsed packet).
  Packet &fresh_checksums();
};

// The frame `p` describes.
std::string build(const Packet &p);
// The IP packet (no Ethernet header) `p` describes: an ICMP error's quote.
std::string build_ip(const Packet &p);
// Reads a frame; never throws (`truncated` says where it stopped).
Packet parse(const std::string &frame);
// The ARP message of a parsed frame (parse() keeps it as the payload, so
// that build(parse(f)) is f), if it is ARP for IPv4 over Ethernet.
std::optional<Arp> arp_of(const Packet &p);
// Reads an IP packet without an Ethernet header (IPv4 or IPv6 by version),
// e.g. the quote of an ICMP error.
Packet parse_ip(const std::string &bytes);

}  // namespace polycube::packet
