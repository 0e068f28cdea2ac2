// One classic BPF instruction: the layout of the kernel's struct sock_filter
// and of libpcap's struct bpf_insn, under a name that clashes with neither
// (the kernel's struct bpf_insn is eBPF's).
#pragma once

#include <cstdint>

namespace polycube::services {

struct CbpfInsn {
  uint16_t code;
  uint8_t jt, jf;
  uint32_t k;
};

}  // namespace polycube::services
