// POLYCUBE_CNI_TRACE=1: each step of a run and the milliseconds since the
// plugin started, on stderr (which runtimes log), to see where an ADD or a
// DEL spends its time.
#pragma once

#include <chrono>
#include <cstdio>
#include <cstdlib>

namespace pcncni {

inline void trace(const char *step) {
  static const bool on = std::getenv("POLYCUBE_CNI_TRACE") != nullptr;
  static const auto start = std::chrono::steady_clock::now();
  if (!on) return;
  double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  std::fprintf(stderr, "polycube-cni: %8.2f ms  %s\n", ms, step);
}

}  // namespace pcncni
