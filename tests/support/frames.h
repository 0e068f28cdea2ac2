// Builders for test frames (Ethernet / IPv4 / UDP) as byte strings.
#pragma once

#include <cstdint>
#include <string>

namespace pcntest {

struct Mac {
  uint8_t b[6];
};
Mac mac(const std::string &colon_form);

// An Ethernet + IPv4 + UDP frame of `total_len` bytes (>= 42), checksummed.
std::string udp_frame(const Mac &dst, const Mac &src, uint32_t src_ip, uint32_t dst_ip, uint16_t sport,
                      uint16_t dport, size_t total_len = 64);
uint32_t ip(const std::string &dotted);  // host order

}  // namespace pcntest
