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

// `frame` arriving on netdev `dev`, through the runtime's pinned ingress
// hook for `mode` (<pin_root>/hooks/{tc,xdp}_ingress): the real entry point
// every packet takes, dispatch included.
RunResult run_ingress(const std::string &pin_root, polycube::Mode mode, const std::string &dev, const std::string &frame,
                      uint32_t repeat = 1);

// The verdicts a hook returns in `mode`: the frame left through another
// netdev, was dropped, or goes on to the kernel's stack.
uint32_t verdict_redirect(polycube::Mode mode);
uint32_t verdict_drop(polycube::Mode mode);
uint32_t verdict_pass(polycube::Mode mode);

}  // namespace pcntest
