// Runs a pinned BPF program once with BPF_PROG_TEST_RUN, as if `frame` had
// arrived on netdev `ifindex` (TC: __sk_buff.ifindex; XDP: ingress_ifindex).
#pragma once

#include <cstdint>
#include <string>

#include "polycube/types.h"

namespace pcntest {

struct RunResult {
  uint32_t verdict = 0;
  std::string out;  // the frame after the program
};

// The same with a program fd (not consumed).
RunResult run_prog(int prog_fd, polycube::Mode mode, uint32_t ifindex, const std::string &frame, uint32_t repeat = 1,
                   uint32_t *duration_ns = nullptr);

RunResult run_pinned(const std::string &pin_path, polycube::Mode mode, uint32_t ifindex, const std::string &frame,
                     uint32_t repeat = 1, uint32_t *duration_ns = nullptr);

// What a program of `mode` returns to send a packet on and to drop it.
uint32_t hook_redirect(polycube::Mode mode);
uint32_t hook_drop(polycube::Mode mode);

// Runs `frame` through the netdev ingress hook `pin_root` pins for `mode`
// (the real entry point of every cube), as if it arrived on netdev `dev`.
RunResult run_hook(const std::string &pin_root, polycube::Mode mode, const std::string &dev,
                   const std::string &frame);

}  // namespace pcntest
