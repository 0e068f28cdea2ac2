// The Internet checksum (RFC 1071) as control planes and tests compute it
// from scratch: IPv4 headers, ICMP, and TCP/UDP with their IPv4 or IPv6
// pseudo-header. One definition for the services that build packets (the
// router's ICMP errors) and the test packet builder. The data plane updates
// checksums incrementally instead (polycube/csum.bpf.h).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace polycube::checksum {

// One's-complement sum of `len` bytes taken as big-endian 16-bit words (an
// odd last byte is padded with zero), added to `sum`; not folded.
uint32_t add(const void *data, size_t len, uint32_t sum = 0);
// The checksum field value (host order) of a 32-bit sum: folded, inverted.
uint16_t finish(uint32_t sum);
// The checksum of `len` bytes (IPv4 header, ICMP message), host order.
uint16_t of(const void *data, size_t len);
// The sum of the IPv4 pseudo-header (addresses in host order).
uint32_t pseudo_ipv4(uint32_t src, uint32_t dst, uint8_t proto, uint16_t l4_len);
// The sum of the IPv6 pseudo-header (addresses as 16 bytes each).
uint32_t pseudo_ipv6(const uint8_t src[16], const uint8_t dst[16], uint8_t next, uint32_t l4_len);

// A frame the data plane copied out of a CHECKSUM_PARTIAL skb (sent by a
// local socket with checksum offload on) carries in its TCP/UDP checksum
// only the pseudo-header sum, which transmit would have completed; sending
// those bytes again (packet_out) would not. Completes it in an Ethernet +
// IPv4 + TCP/UDP frame whose checksum is exactly that sum and does not
// hold; returns true if it did.
bool complete_partial(std::string &frame);

}  // namespace polycube::checksum
