// Small helpers shared by the benchmark programs.
#pragma once

#include <sched.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

namespace pcnbench {

inline void pin_to_cpu(int cpu) {
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpu, &set);
  sched_setaffinity(0, sizeof(set), &set);
}

struct Summary {
  double median, p99, mean;
};

inline Summary summarize(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  double sum = 0;
  for (double x : v) sum += x;
  return {v[v.size() / 2], v[std::min(v.size() - 1, v.size() * 99 / 100)], sum / v.size()};
}

template <class F>
double time_us(F &&f) {
  auto t0 = std::chrono::steady_clock::now();
  f();
  return std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0).count();
}

// Bytes the kernel charges for a map (its fdinfo "memlock": what the map
// uses, preallocated elements included).
inline uint64_t map_memlock(int fd) {
  std::ifstream f("/proc/self/fdinfo/" + std::to_string(fd));
  std::string k;
  uint64_t v = 0;
  while (f >> k)
    if (k == "memlock:" && f >> v) return v;
  return 0;
}

}  // namespace pcnbench
