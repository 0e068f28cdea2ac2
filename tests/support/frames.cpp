#include "frames.h"

#include <stdexcept>

namespace pcntest {

std::string udp_frame(const Mac &dst, const Mac &src, uint32_t src_ip, uint32_t dst_ip, uint16_t sport,
                      uint16_t dport, size_t total_len) {
  const size_t hdrs = 14 + 20 + 8;
  if (total_len < hdrs) throw std::invalid_argument("frame too short");
  std::string payload(total_len - hdrs, '\0');
  for (size_t i = 0; i < payload.size(); i++) payload[i] = static_cast<char>((hdrs + i) & 0xff);
  return build(Packet{}.eth(dst, src).ipv4(src_ip, dst_ip).with_udp(sport, dport).with_payload(payload));
}

}  // namespace pcntest
