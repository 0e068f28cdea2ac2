// The clock control planes age data-plane table entries with.
#pragma once

#include <cstdint>
#include <ctime>

namespace polycube {

// Whole seconds of `clock`: services age table entries written by the data
// plane with bpf_ktime_get_ns (CLOCK_MONOTONIC) or bpf_ktime_get_coarse_ns
// (CLOCK_MONOTONIC_COARSE) divided by 1e9.
inline uint64_t monotonic_seconds(clockid_t clock = CLOCK_MONOTONIC) {
  timespec ts{};
  clock_gettime(clock, &ts);
  return static_cast<uint64_t>(ts.tv_sec);
}

}  // namespace polycube
