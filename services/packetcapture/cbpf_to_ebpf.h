// Classic BPF (what libpcap compiles a tcpdump expression to) translated
// into an eBPF program of the cube's mode, so a filter needs no compiler at
// run time. The classic machine (A, X, M[16], loads relative to the frame,
// "return k bytes") maps onto eBPF registers and the stack; packet loads go
// through bpf_skb_load_bytes / bpf_xdp_load_bytes, so the same translation
// serves TC and XDP, and a load past the end rejects the packet as libpcap's
// interpreter does.
#pragma once

#include <linux/bpf.h>

#include <cstdint>
#include <vector>

#include "cbpf.h"
#include "polycube/types.h"

namespace polycube::services {

// What the translated program does with the classic program's return value.
struct FilterExit {
  // kReturn: return it (for BPF_PROG_TEST_RUN against libpcap's verdict).
  // kTailCall: store it in the `verdict` field of the per-CPU one-entry
  // map `scratch_map_fd` (struct pc_scratch) and tail call slot `slot` of
  // the program array `prog_array_fd`.
  enum Kind { kReturn, kTailCall } kind = kReturn;
  int scratch_map_fd = -1;
  int prog_array_fd = -1;
  uint32_t slot = 0;
};

// Throws polycube::Error(kInvalid) for an instruction it does not know, a
// jump out of the program or a program larger than eBPF jumps can span.
std::vector<bpf_insn> cbpf_to_ebpf(const std::vector<CbpfInsn> &prog, Mode mode, const FilterExit &exit);

}  // namespace polycube::services
