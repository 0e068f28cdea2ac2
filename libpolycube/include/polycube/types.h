// Small value types of the cube/port model.
#pragma once

#include <cstdint>
#include <string>

#include "polycube/pcn_shared.h"

namespace polycube {

// Hook a cube runs at. TC works everywhere; XDP_SKB is generic XDP; XDP_DRV
// is native XDP (needs driver support; on veth the peer must run XDP too).
enum class Mode { kTc, kXdpSkb, kXdpDrv };

const char *to_string(Mode m);
Mode mode_from_string(const std::string &s);  // "TC" | "XDP_SKB" | "XDP_DRV"
inline bool is_xdp(Mode m) { return m != Mode::kTc; }

// Sum over CPUs of one port's counters.
struct PortStats {
  uint64_t rx_pkts = 0, rx_bytes = 0, tx_pkts = 0, tx_bytes = 0, drops = 0;
};

// Where a transparent cube goes in the stack of a port.
struct Position {
  enum Kind { kFirst, kLast, kBefore, kAfter } kind = kLast;
  std::string other;  // cube name for kBefore / kAfter
  static Position parse(const std::string &s);  // first|last|before:<c>|after:<c>
};

// A packet delivered to the control plane through the slow path.
struct PacketIn {
  uint32_t port_index;
  std::string port_name;
  uint32_t reason;
  uint32_t len;  // original length (data may be truncated)
  uint32_t user[3];
  std::string data;
};

}  // namespace polycube
