// Reads of a table the data plane learns into (a bridge's FDB, an ARP
// cache) at a cost in proportion to its entries, not to its capacity.
//
// Walking a BPF hash map visits every bucket (65,536 for a 64k FDB), even
// when it holds three entries: that walk was 40% of a bridge GET. The data
// plane therefore counts the keys it adds in a per-CPU "generation"
// (PCN_LEARNED_GENERATION / pcn_learned_added in learned.bpf.h, bumped
// after the insert). While the generation is unchanged since the last full
// walk, no key has been added, and entries only ever vanish (LRU eviction,
// deletion), so the keys that walk found are a superset of the table: a read
// looks them up one by one. A changed generation, a table too full for
// lookups to be cheaper than the walk, or a snapshot older than a second
// (bounding the effect of any insert the generation missed) makes the next
// read walk again. Keys the control plane adds itself: call forget().
#pragma once

#include <chrono>
#include <cstdint>
#include <vector>

#include "polycube/map.h"

namespace polycube {

template <class K, class V>
class LearnedTable {
 public:
  // `capacity`: the map's max_entries (its bucket count, rounded up).
  LearnedTable(int table_fd, int generation_fd, uint32_t capacity)
      : table_(table_fd), generation_(generation_fd), capacity_(capacity) {}

  // Calls fn for every entry, like Map::for_each. Not thread-safe: the
  // owner serialises reads (the cube's lock).
  template <class F>
  void for_each(F &&fn) {
    uint64_t gen = generation();
    auto now = std::chrono::steady_clock::now();
    if (snapshot_ && gen == gen_ && now - walked_at_ < std::chrono::seconds(1)) {
      std::vector<K> alive;
      alive.reserve(keys_.size());
      for (const K &k : keys_)
        if (auto v = table_.get(k)) {
          alive.push_back(k);
          fn(k, *v);
        }
      keys_ = std::move(alive);
      return;
    }
    keys_.clear();
    table_.for_each([&](const K &k, const V &v) {
      keys_.push_back(k);
      fn(k, v);
    });
    // One lookup (a syscall) per key against one walk over every bucket:
    // keep the keys only while lookups are the cheaper read.
    snapshot_ = keys_.size() <= capacity_ / kBucketsPerLookup;
    if (!snapshot_) keys_ = {};
    gen_ = gen;
    walked_at_ = now;
  }
  void forget() { snapshot_ = false; }

 private:
  // Empty buckets the kernel skips in the time of one lookup syscall
  // (measured: ~0.6 ns a bucket, ~0.3 us a lookup).
  static constexpr uint32_t kBucketsPerLookup = 512;

  uint64_t generation() const {
    uint64_t sum = 0;
    for (uint64_t v : generation_.get(0)) sum += v;
    return sum;
  }

  Map<K, V> table_;
  PercpuMap<uint32_t, uint64_t> generation_;
  uint32_t capacity_;
  bool snapshot_ = false;
  uint64_t gen_ = 0;
  std::chrono::steady_clock::time_point walked_at_{};
  std::vector<K> keys_;
};

}  // namespace polycube
