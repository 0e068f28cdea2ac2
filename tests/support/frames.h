// The frame most tests and benchmarks send: Ethernet + IPv4 + UDP, built
// with the layered builder of packet.h (which also has mac() and ip()).
#pragma once

#include <cstdint>
#include <string>

#include "packet.h"

namespace pcntest {

// An Ethernet + IPv4 + UDP frame of `total_len` bytes (>= 42), checksummed;
// the payload bytes are their offsets in the frame (mod 256).
std::string udp_frame(const Mac &dst, const Mac &src, uint32_t src_ip, uint32_t dst_ip, uint16_t sport,
                      uint16_t dport, size_t total_len = 64);

}  // namespace pcntest
