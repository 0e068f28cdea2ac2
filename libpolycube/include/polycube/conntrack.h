// Connection tracking on the control-plane side: reading and expiring the
// sessions the data plane keeps (polycube/conntrack.bpf.h) in a service's
// own session map, keyed by struct pcn_tuple, whose value starts with
// struct pcn_ct_entry. Timeouts are the ones both sides share
// (polycube/conntrack_shared.h).
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <thread>

#include "polycube/conntrack_shared.h"

namespace polycube::conntrack {

// CLOCK_MONOTONIC in ns: what bpf_ktime_get_ns() reads.
uint64_t now_ns();

// Calls `fn(key, value)` for every entry of the session map `map_fd`
// (values of `value_size` bytes). Entries added or removed meanwhile may or
// may not be seen; none is seen twice.
void for_each(int map_fd, size_t value_size, const std::function<void(const pcn_tuple &, const void *)> &fn);

// Deletes the sessions of `map_fd` expired at `now`; `on_expired(key,
// value)`, if given, sees each one before it goes (a NAT frees its port
// there). Returns how many were deleted.
size_t collect_expired(int map_fd, size_t value_size, uint64_t now,
                       const std::function<void(const pcn_tuple &, const void *)> &on_expired = {});

// Runs `collect` every `period` on its own thread until destroyed (the
// destructor waits for a run in progress).
class Collector {
 public:
  Collector(std::chrono::milliseconds period, std::function<void()> collect);
  ~Collector();
  Collector(const Collector &) = delete;
  Collector &operator=(const Collector &) = delete;
  // Runs `collect` now rather than at the end of the period.
  void wake();

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false, woken_ = false;
  std::thread thread_;
};

}  // namespace polycube::conntrack
