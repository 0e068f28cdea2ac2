#include "firewall_tables.h"

#include <algorithm>
#include <cstring>
#include <unordered_set>

#include "polycube/error.h"

namespace polycube::services::fw {

namespace {

// Chunks are filled to 7/8 when rules are spread, so that the next ~128
// inserts into one of them rewrite that chunk only.
constexpr size_t kFill = FW_CHUNK_BITS * 7 / 8;

size_t nchunks_in_use(const std::vector<std::vector<PlacedRule>> &chunks) {
  for (size_t c = chunks.size(); c > 0; c--)
    if (!chunks[c - 1].empty()) return c;
  return 0;
}

uint64_t prefix_key(uint32_t v, uint8_t l) { return (uint64_t(v) << 8) | l; }
uint32_t key_value(uint64_t k) { return static_cast<uint32_t>(k >> 8); }
uint8_t key_len(uint64_t k) { return static_cast<uint8_t>(k & 0xff); }
uint32_t mask_of(uint8_t len) { return len == 0 ? 0 : ~uint32_t(0) << (32 - len); }

}  // namespace

uint32_t ChainTables::nchunks() const {
  for (size_t c = chunks_.size(); c > 0; c--)
    if (!chunks_[c - 1].empty()) return static_cast<uint32_t>(c);
  return 0;
}

uint32_t ChainTables::first_pos() const {
  for (size_t c = 0; c < chunks_.size(); c++)
    if (!chunks_[c].empty()) return static_cast<uint32_t>(c * FW_CHUNK_BITS);
  return 0;
}

std::vector<PlacedRule> ChainTables::range(size_t pos, size_t count) const {
  std::vector<PlacedRule> out;
  out.reserve(count);
  size_t start = 0;
  for (const auto &chunk : chunks_) {
    if (out.size() == count) break;
    if (pos < start + chunk.size())
      for (size_t i = pos > start ? pos - start : 0; i < chunk.size() && out.size() < count; i++) out.push_back(chunk[i]);
    start += chunk.size();
  }
  return out;
}

long ChainTables::find(const Rule &r, size_t from, size_t to) const {
  size_t start = 0;
  for (const auto &chunk : chunks_) {
    if (start >= to) break;
    if (from < start + chunk.size())
      for (size_t i = from > start ? from - start : 0; i < chunk.size() && start + i < to; i++)
        if (chunk[i].rule == r) return static_cast<long>(start + i);
    start += chunk.size();
  }
  return -1;
}

long ChainTables::position_of(uint32_t phys) const {
  size_t c = phys / FW_CHUNK_BITS, i = phys % FW_CHUNK_BITS;
  if (c >= chunks_.size() || i >= chunks_[c].size()) return -1;
  size_t before = 0;
  for (size_t k = 0; k < c; k++) before += chunks_[k].size();
  return static_cast<long>(before + i);
}

void ChainTables::splice(size_t pos, size_t remove, std::vector<PlacedRule> insert, WriteSet &out,
                         std::vector<uint32_t> &released) {
  if (pos > size_ || remove > size_ - pos)
    throw Error(ErrorCode::kInvalid, "rule " + std::to_string(pos) + " out of range: the chain has " +
                                         std::to_string(size_) + " rules");
  size_t after = size_ - remove + insert.size();
  if (after > FW_MAX_RULES)
    throw Error(ErrorCode::kInvalid, "more than " + std::to_string(FW_MAX_RULES) + " rules in a chain");
  const size_t inserted = insert.size();
  std::array<bool, FW_NFIELDS> used_before{};
  for (int f = 0; f < FW_NFIELDS; f++) used_before[f] = uses_[f] > 0;

  // The window of chunks the edit touches: a holds position `pos` (an
  // append goes to the last non-empty chunk), b the last removed rule.
  if (chunks_.empty()) chunks_.emplace_back();
  auto locate = [&](size_t p, size_t &offset) -> size_t {
    size_t start = 0;
    for (size_t c = 0; c < chunks_.size(); c++) {
      if (p < start + chunks_[c].size()) {
        offset = p - start;
        return c;
      }
      start += chunks_[c].size();
    }
    size_t last = std::max<size_t>(nchunks(), 1) - 1;  // the end: after the last rule
    offset = chunks_[last].size();
    return last;
  };
  size_t off_a = 0, off_b = 0;
  size_t a = locate(pos, off_a);
  size_t b = remove ? locate(pos + remove - 1, off_b) : a;
  // The window's rules after the edit: what the chunks a..b keep, with
  // the new rules at `pos` (after the off_a rules of chunk a before it).
  std::vector<PlacedRule> seq;
  seq.reserve(off_a + insert.size() + (b - a + 1) * FW_CHUNK_BITS);
  size_t removed = 0;
  for (size_t c = a; c <= b; c++)
    for (size_t i = 0; i < chunks_[c].size(); i++) {
      PlacedRule &r = chunks_[c][i];
      if ((c > a || i >= off_a) && removed < remove) {
        removed++;
        for (int f = 0; f < FW_NFIELDS; f++) uses_[f] -= r.rule.uses(f);
        released.push_back(r.counter);
        continue;
      }
      seq.push_back(std::move(r));
    }
  for (const auto &r : insert)
    for (int f = 0; f < FW_NFIELDS; f++) uses_[f] += r.rule.uses(f);
  seq.insert(seq.begin() + off_a, std::make_move_iterator(insert.begin()), std::make_move_iterator(insert.end()));
  std::vector<uint32_t> changed;
  size_t n_chunks = chunks_.size();
  auto spread = [&](size_t lo, size_t hi, std::vector<PlacedRule> &rules) {
    // Evenly over chunks lo..hi-1 (rules in order).
    size_t m = hi - lo, total = rules.size(), next = 0;
    if (chunks_.size() < hi) chunks_.resize(hi);
    for (size_t k = 0; k < m; k++) {
      size_t take = total / m + (k < total % m ? 1 : 0);
      chunks_[lo + k].assign(std::make_move_iterator(rules.begin() + next),
                             std::make_move_iterator(rules.begin() + next + take));
      next += take;
      changed.push_back(static_cast<uint32_t>(lo + k));
    }
  };
  if (a == b && seq.size() <= FW_CHUNK_BITS) {
    // The common case: the chunk has room.
    chunks_[a] = std::move(seq);
    changed.push_back(static_cast<uint32_t>(a));
  } else if (a == b && pos == size_ && remove == 0 && inserted < kFill &&
             seq.size() <= FW_CHUNK_BITS * (FW_MAX_CHUNKS - a)) {
    // A few rules appended past a full last chunk: new chunks at the end.
    size_t k = a;
    for (size_t i = 0; i < seq.size(); i += FW_CHUNK_BITS, k++) {
      if (chunks_.size() <= k) chunks_.emplace_back();
      size_t end = std::min(seq.size(), i + FW_CHUNK_BITS);
      chunks_[k].assign(std::make_move_iterator(seq.begin() + i), std::make_move_iterator(seq.begin() + end));
      changed.push_back(static_cast<uint32_t>(k));
    }
  } else {
    // A packed-memory array over the chunks: the smallest aligned window
    // of 2^k chunks around the edit whose density stays under its
    // threshold (1 for one chunk, down to 7/8 for all of them) is spread
    // evenly; each level's spread leaves the levels below it slack, so an
    // insert moves O(log^2) chunks amortised, never the whole chain until
    // the chain itself is that dense (then it grows by a quarter).
    size_t levels = 0;
    while ((size_t(1) << levels) < n_chunks) levels++;
    size_t count_ab = seq.size();  // rules of chunks a..b after the edit
    bool done = false;
    for (size_t k = 0; k <= levels && !done; k++) {
      size_t lo = (a >> k) << k, hi = std::min(n_chunks, lo + (size_t(1) << k));
      if ((b >> k) != (a >> k)) continue;
      size_t count = count_ab;
      for (size_t c = lo; c < hi; c++)
        if (c < a || c > b) count += chunks_[c].size();
      double tau = levels ? 1.0 - (1.0 - double(kFill) / FW_CHUNK_BITS) * double(k) / double(levels) : 1.0;
      if (double(count) > tau * double(hi - lo) * FW_CHUNK_BITS) continue;
      std::vector<PlacedRule> window;
      window.reserve(count);
      for (size_t c = lo; c < a; c++)
        for (auto &r : chunks_[c]) window.push_back(std::move(r));
      for (auto &r : seq) window.push_back(std::move(r));
      for (size_t c = b + 1; c < hi; c++)
        for (auto &r : chunks_[c]) window.push_back(std::move(r));
      spread(lo, hi, window);
      done = true;
    }
    if (!done) {
      // The whole chain is too dense (or one edit outgrew it): spread it
      // over more chunks at 7/8, or all of them.
      std::vector<PlacedRule> all;
      all.reserve(after);
      for (size_t c = 0; c < a; c++)
        for (auto &r : chunks_[c]) all.push_back(std::move(r));
      for (auto &r : seq) all.push_back(std::move(r));
      for (size_t c = b + 1; c < n_chunks; c++)
        for (auto &r : chunks_[c]) all.push_back(std::move(r));
      size_t want = std::max<size_t>({1, (after + kFill - 1) / kFill, n_chunks + n_chunks / 4});
      want = std::min<size_t>(want, FW_MAX_CHUNKS);
      for (size_t c = 0; c < n_chunks; c++) chunks_[c].clear();
      spread(0, want, all);
      for (size_t c = want; c < n_chunks; c++) changed.push_back(static_cast<uint32_t>(c));
    }
  }
  // Far fewer rules than chunks hold (a flush, many deletes): spread over
  // fewer chunks, so that packets walk fewer.
  if (after > 0 && after * 4 < nchunks_in_use(chunks_) * FW_CHUNK_BITS && nchunks_in_use(chunks_) > 1) {
    std::vector<PlacedRule> all;
    all.reserve(after);
    size_t used = chunks_.size();
    for (auto &c : chunks_)
      for (auto &r : c) all.push_back(std::move(r));
    for (auto &c : chunks_) c.clear();
    size_t want = std::max<size_t>(1, (after + kFill - 1) / kFill);
    spread(0, want, all);
    for (size_t c = want; c < used; c++) changed.push_back(static_cast<uint32_t>(c));
  }
  std::sort(changed.begin(), changed.end());
  changed.erase(std::unique(changed.begin(), changed.end()), changed.end());
  size_ = after;
  // Compiled for every field in use after the edit; a field that came
  // into use needs every chunk, one that went out of use loses its entries.
  std::array<bool, FW_NFIELDS> fields{};
  for (int f = 0; f < FW_NFIELDS; f++) fields[f] = uses_[f] > 0;
  for (uint32_t c : changed) recompile(c, fields, out);
  for (int f = 0; f < FW_NFIELDS; f++) {
    if (fields[f] && !used_before[f]) {
      std::array<bool, FW_NFIELDS> only{};
      only[f] = true;
      for (uint32_t c = 0; c < chunks_.size(); c++)
        if (std::find(changed.begin(), changed.end(), c) == changed.end()) recompile(c, only, out);
    }
    if (!fields[f] && used_before[f]) {
      for (auto &keys : keys_[f]) {
        for (uint64_t k : keys) out.lpm.push_back({uint8_t(f), true, key_len(k), 0, key_value(k), {}});
        keys.clear();
      }
      for (auto &[k, _] : chunks_of_[f]) out.lpm.push_back({uint8_t(f), true, key_len(k), FW_SUMMARY_CHUNK, key_value(k), {}});
      chunks_of_[f].clear();
      lengths_[f] = {};
    }
  }
  // Trailing empty chunks go (their entries were deleted above).
  while (!chunks_.empty() && chunks_.back().empty()) chunks_.pop_back();
}

void ChainTables::recompile(uint32_t c, const std::array<bool, FW_NFIELDS> &fields, WriteSet &out) {
  std::vector<const Rule *> rules;
  if (c < chunks_.size()) {
    rules.reserve(chunks_[c].size());
    for (const auto &r : chunks_[c]) rules.push_back(&r.rule);
    for (uint32_t i = 0; i < chunks_[c].size(); i++)
      out.rules.push_back({c * FW_CHUNK_BITS + i, fw_rule_info{chunks_[c][i].rule.action, chunks_[c][i].counter}});
  }
  for (int f = 0; f < FW_NFIELDS; f++) {
    if (keys_[f].size() <= c) keys_[f].resize(c + 1);
    std::vector<uint64_t> &old = keys_[f][c];
    if (!fields[f]) continue;
    ChunkTables t = compile_chunk(rules, f);
    std::vector<uint64_t> now;
    now.reserve(t.entries.size());
    for (const auto &e : t.entries) {
      now.push_back(prefix_key(e.value, e.len));
      out.lpm.push_back({uint8_t(f), false, e.len, c, e.value, e.bits});
    }
    out.wild.push_back({uint8_t(f), c, t.wild});
    // Entries the chunk no longer has, and the summary of the prefixes it
    // gained or lost (the wildcard, length 0, has no summary).
    std::unordered_set<uint64_t> was(old.begin(), old.end()), is(now.begin(), now.end());
    std::vector<uint64_t> affected;
    for (uint64_t k : old)
      if (!is.count(k)) {
        out.lpm.push_back({uint8_t(f), true, key_len(k), c, key_value(k), {}});
        if (key_len(k)) summary_toggle(f, c, key_value(k), key_len(k), false, affected);
      }
    for (uint64_t k : now)
      if (!was.count(k) && key_len(k)) summary_toggle(f, c, key_value(k), key_len(k), true, affected);
    write_summaries(f, affected, out);
    old = std::move(now);
  }
}

void ChainTables::summary_toggle(int f, uint32_t chunk, uint32_t value, uint8_t len, bool add,
                                 std::vector<uint64_t> &affected) {
  auto &m = chunks_of_[f];
  uint64_t k = prefix_key(value, len);
  if (add) {
    auto [it, fresh] = m.try_emplace(k, std::array<uint64_t, 2>{0, 0});
    if (fresh) lengths_[f][len]++;
    it->second[chunk / 64] |= uint64_t(1) << (chunk % 64);
  } else if (auto it = m.find(k); it != m.end()) {
    it->second[chunk / 64] &= ~(uint64_t(1) << (chunk % 64));
  }
  // Every prefix under this one folds it into its summary.
  uint32_t hi = value | ~mask_of(len);
  for (auto it = m.lower_bound(prefix_key(value, 0)); it != m.end() && key_value(it->first) <= hi; ++it)
    if (key_len(it->first) >= len) affected.push_back(it->first);
  affected.push_back(k);
}

void ChainTables::write_summaries(int f, std::vector<uint64_t> &affected, WriteSet &out) {
  auto &m = chunks_of_[f];
  std::sort(affected.begin(), affected.end());
  affected.erase(std::unique(affected.begin(), affected.end()), affected.end());
  for (uint64_t k : affected) {
    auto it = m.find(k);
    if (it != m.end() && it->second[0] == 0 && it->second[1] == 0) {
      lengths_[f][key_len(k)]--;
      m.erase(it);
      it = m.end();
    }
    uint32_t v = key_value(k);
    uint8_t l = key_len(k);
    if (it == m.end()) {
      out.lpm.push_back({uint8_t(f), true, l, FW_SUMMARY_CHUNK, v, {}});
      continue;
    }
    WriteSet::Lpm e{uint8_t(f), false, l, FW_SUMMARY_CHUNK, v, {}};
    std::memset(&e.bits, 0, sizeof e.bits);
    for (int len = 1; len <= l; len++) {
      if (!lengths_[f][len]) continue;
      auto c = m.find(prefix_key(v & mask_of(static_cast<uint8_t>(len)), static_cast<uint8_t>(len)));
      if (c == m.end()) continue;
      e.bits.w[0] |= c->second[0];
      e.bits.w[1] |= c->second[1];
    }
    out.lpm.push_back(e);
  }
}

void ChainTables::rewrite_all(WriteSet &out) const {
  ChainTables copy;  // recompiles into a fresh state, so every entry is written
  copy.chunks_.resize(chunks_.size());
  for (size_t c = 0; c < chunks_.size(); c++) copy.chunks_[c] = chunks_[c];
  copy.size_ = size_;
  copy.uses_ = uses_;
  std::array<bool, FW_NFIELDS> fields{};
  for (int f = 0; f < FW_NFIELDS; f++) fields[f] = uses_[f] > 0;
  for (uint32_t c = 0; c < copy.chunks_.size(); c++) copy.recompile(c, fields, out);
  // Only writes: a fresh state has nothing to delete.
  out.lpm.erase(std::remove_if(out.lpm.begin(), out.lpm.end(), [](const WriteSet::Lpm &l) { return l.erase; }), out.lpm.end());
}

}  // namespace polycube::services::fw
