// The classification tables of one chain, kept up to date edit by edit.
//
// Rules sit in chunks of up to FW_CHUNK_BITS, in order: chunk 0's rules come
// first, then chunk 1's, and within a chunk bit i is its i-th rule, so the
// lowest set bit over the chunks in order is still the first match. Chunks
// keep slack (they are filled to 7/8 when rules are spread over them), so
// inserting or deleting a rule rewrites the entries of its chunk only, and
// a full chunk spreads its rules over its neighbours (or a new chunk at the
// end) instead of shifting every rule after it. Each chunk compiles alone
// (fw::compile_chunk); the summary entry of a prefix (which chunks need an
// LPM lookup for values under it) changes only for prefixes a chunk gained
// or lost, and the prefixes they cover.
//
// Pure C++: every change returns the map writes it needs (WriteSet, without
// the generation, which the caller adds), so the data plane applies the same
// writes to both generations and a test can check them against a compile
// from scratch.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <vector>

#include "firewall_rules.h"

namespace polycube::services::fw {

struct PlacedRule {
  Rule rule;
  uint32_t counter;  // slot in fw_counters, kept while the rule exists
};

// Map writes of a change, generation left out.
struct WriteSet {
  struct Lpm {
    uint8_t field;
    bool erase;
    uint8_t len;      // prefix length of `value`
    uint32_t chunk;   // or FW_SUMMARY_CHUNK
    uint32_t value;   // host order, as LpmEntry
    fw_bits bits;     // unused when erasing
  };
  struct Wild {
    uint8_t field;
    uint32_t chunk;
    fw_bits bits;
  };
  struct RuleSlot {
    uint32_t pos;  // physical: chunk * FW_CHUNK_BITS + bit
    fw_rule_info info;
  };
  std::vector<Lpm> lpm;
  std::vector<Wild> wild;
  std::vector<RuleSlot> rules;
  bool empty() const { return lpm.empty() && wild.empty() && rules.empty(); }
};

class ChainTables {
 public:
  size_t size() const { return size_; }
  // Rules in position order (walks the chunks).
  template <class F>
  void for_each(F &&f) const {
    size_t pos = 0;
    for (uint32_t c = 0; c < chunks_.size(); c++)
      for (uint32_t i = 0; i < chunks_[c].size(); i++) f(pos++, c * FW_CHUNK_BITS + i, chunks_[c][i]);
  }
  // Copies of the `count` rules from position `pos`.
  std::vector<PlacedRule> range(size_t pos, size_t count) const;
  // Position of the first rule in [from, to) equal to `r`, or -1.
  long find(const Rule &r, size_t from, size_t to) const;
  // Replaces the `remove` rules at position `pos` by `insert` (each with its
  // counter slot) and appends the map writes to `out`; the counter slots of
  // the removed rules go to `released`. Throws polycube::Error(kInvalid),
  // changing nothing, when the chain would exceed FW_MAX_RULES or the
  // position is out of range.
  void splice(size_t pos, size_t remove, std::vector<PlacedRule> insert, WriteSet &out, std::vector<uint32_t> &released);
  // Every entry of every chunk (a generation written from scratch).
  void rewrite_all(WriteSet &out) const;

  uint32_t uses(int field) const { return uses_[field]; }
  // Physical chunks the data plane walks (the last non-empty one + 1).
  uint32_t nchunks() const;
  // Physical position of the first rule (0 when empty).
  uint32_t first_pos() const;
  // Position of the rule at physical slot `phys`, or -1.
  long position_of(uint32_t phys) const;

 private:
  // Compiles chunk `c` for every field in use and records the writes.
  void recompile(uint32_t c, const std::array<bool, FW_NFIELDS> &fields, WriteSet &out);
  void summary_toggle(int field, uint32_t chunk, uint32_t value, uint8_t len, bool add, std::vector<uint64_t> &affected);
  void write_summaries(int field, std::vector<uint64_t> &affected, WriteSet &out);

  std::vector<std::vector<PlacedRule>> chunks_;
  size_t size_ = 0;
  std::array<uint32_t, FW_NFIELDS> uses_{};
  // Per field and chunk: the exact prefixes written (value << 8 | len).
  std::array<std::vector<std::vector<uint64_t>>, FW_NFIELDS> keys_;
  // Per field: prefix -> chunks that hold it (for the summary entries),
  // ordered so that the prefixes under one are a range.
  std::array<std::map<uint64_t, std::array<uint64_t, 2>>, FW_NFIELDS> chunks_of_;
  // Per field: how many of those prefixes have each length (a fold visits
  // only the lengths present: one for a chain of /32 rules).
  std::array<std::array<uint32_t, 33>, FW_NFIELDS> lengths_{};
};

}  // namespace polycube::services::fw
