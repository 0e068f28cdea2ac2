// tcpdump expressions compiled by libpcap (for Ethernet frames) into
// classic BPF. libpcap's headers stay in pcap_filter.cpp: its struct
// bpf_insn is not the kernel's.
#pragma once

#include <string>
#include <vector>

#include "cbpf.h"

namespace polycube::services {

// The snap length the expression is compiled with: a matching packet gets
// this verdict (the cube's snaplen applies after).
inline constexpr uint32_t kFilterSnaplen = 262144;

// Throws polycube::Error(kInvalid) with libpcap's message for an expression
// it cannot compile. "" compiles to "accept everything".
std::vector<CbpfInsn> compile_filter(const std::string &expression);

}  // namespace polycube::services
