// The Maglev tables of one cube, kept in its PCN_MAGLEV_TABLES map
// (maglev.bpf.h): one inner map per distinct table, shared by every user
// that asks for the same endpoints. A load balancer whose services name
// their backends by slot (0, 1, 2 ...) with the same weights gets one
// table for all of them: 100,000 services of 3 backends hold one 128 KiB
// table, not 100,000.
//
// A table released by its last user stays in the map for a grace period,
// so a packet that read its index just before the user switched away
// still finds it; then its index is reused.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <vector>

#include "polycube/maglev.h"

namespace polycube::maglev {

class Tables {
 public:
  static constexpr uint32_t kNone = 0xffffffff;  // "no table": no endpoint has a weight

  // `outer_fd`: the cube's array of tables (not owned; must outlive this).
  explicit Tables(int outer_fd, std::chrono::milliseconds grace = std::chrono::seconds(1));
  ~Tables();
  Tables(const Tables &) = delete;
  Tables &operator=(const Tables &) = delete;

  // The index of the table for `endpoints` (order does not matter), built
  // and written into the map on first use; kNone for no weighted
  // endpoint. Every index other than kNone is released once. Throws
  // polycube::Error when the map is full (kInvalid, saying so) or the
  // kernel refuses.
  uint32_t acquire(std::vector<Endpoint> endpoints);
  void release(uint32_t index);
  // Removes the tables released longer than the grace period ago (also
  // done by acquire); returns how many went.
  size_t collect();

  size_t size() const;              // tables in the map, the released included
  size_t capacity() const { return capacity_; }
  size_t builds() const;            // tables built so far (a reuse builds nothing)
  static constexpr size_t kTableBytes = sizeof(pcn_maglev_table);

 private:
  struct Entry {
    std::vector<Endpoint> key;
    uint32_t users = 0;
    std::chrono::steady_clock::time_point released_at;  // the last time users fell to 0
  };
  size_t collect_locked(bool all);

  int outer_fd_;
  uint32_t capacity_;
  std::chrono::milliseconds grace_;
  mutable std::mutex mu_;
  std::map<std::vector<Endpoint>, uint32_t> by_key_;  // sorted endpoints -> index
  std::map<uint32_t, Entry> entries_;                  // index -> its endpoints and users
  std::deque<std::pair<std::chrono::steady_clock::time_point, uint32_t>> released_;
  std::vector<uint32_t> free_;  // indexes below next_ that are free, reused first
  uint32_t next_ = 0;
  size_t builds_ = 0;
};

}  // namespace polycube::maglev
