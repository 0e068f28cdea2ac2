// Captured packets as files tcpdump, tshark and Wireshark read: pcap with
// nanosecond timestamps, or pcapng, which also records each packet's
// direction and the cube's drop counters.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace polycube::services {

struct CapturedPacket {
  uint64_t tstamp_ns;  // UTC, since the epoch
  uint32_t len;        // on the wire
  bool egress;
  std::string_view data;  // the captured bytes (at most snaplen)
};

// Interface statistics for pcapng's statistics block.
struct CaptureTotals {
  uint64_t received = 0;  // packets that crossed the cube in a captured direction
  uint64_t dropped = 0;   // matched the filter but lost (ring or buffer full)
  uint64_t end_ns = 0;    // when the totals were read
};

inline constexpr const char *kPcapMediaType = "application/vnd.tcpdump.pcap";
inline constexpr const char *kPcapngMediaType = "application/x-pcapng";

// Ethernet (LINKTYPE_ETHERNET), host byte order as libpcap writes it.
std::string pcap_file(const std::vector<CapturedPacket> &packets, uint32_t snaplen);
std::string pcapng_file(const std::vector<CapturedPacket> &packets, uint32_t snaplen, const std::string &if_name,
                        const CaptureTotals &totals);

}  // namespace polycube::services
