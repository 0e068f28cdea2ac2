#include "polycube/maglev.h"

#include <algorithm>
#include <set>
#include <string>

#include "polycube/error.h"

namespace polycube::maglev {

bool is_prime(uint32_t n) {
  if (n < 2) return false;
  if (n % 2 == 0) return n == 2;
  for (uint32_t d = 3; uint64_t(d) * d <= n; d += 2)
    if (n % d == 0) return false;
  return true;
}

std::vector<uint16_t> build(const std::vector<Endpoint> &endpoints, uint32_t size) {
  if (size < PCN_MAGLEV_SIZE || !is_prime(size))
    throw Error(ErrorCode::kInvalid, "maglev: table size " + std::to_string(size) + " is not a prime >= 65537");
  if (endpoints.size() > PCN_MAGLEV_MAX_BACKENDS)
    throw Error(ErrorCode::kInvalid, "maglev: " + std::to_string(endpoints.size()) + " backends, at most " +
                                         std::to_string(PCN_MAGLEV_MAX_BACKENDS));
  std::set<uint64_t> keys;
  for (const auto &e : endpoints)
    if (!keys.insert(e.key).second)
      throw Error(ErrorCode::kInvalid, "maglev: backend key " + std::to_string(e.key) + " given twice");

  // Each endpoint's permutation of the positions: offset + j * skip (mod
  // size), skip in 1..size-1, both from its key. A prime size makes every
  // such sequence visit every position.
  struct Walker {
    uint32_t pos, skip, weight;
    uint16_t value;
    uint64_t credit = 0;
  };
  // Endpoints in key order: the table depends on who they are, not on the
  // order they were given in (rounds take positions in this order).
  std::vector<const Endpoint *> by_key;
  for (const auto &e : endpoints) by_key.push_back(&e);
  std::sort(by_key.begin(), by_key.end(), [](const Endpoint *a, const Endpoint *b) { return a->key < b->key; });
  std::vector<Walker> walkers;
  uint32_t max_weight = 0;
  for (const Endpoint *ep : by_key) {
    const Endpoint &e = *ep;
    if (!e.weight) continue;
    uint64_t h1 = pcn_maglev_mix(e.key ^ 0x5851f42d4c957f2dULL), h2 = pcn_maglev_mix(e.key + 0x14057b7ef767814fULL);
    walkers.push_back({uint32_t(h1 % size), uint32_t(h2 % (size - 1)) + 1, e.weight, e.value});
    max_weight = std::max(max_weight, e.weight);
  }
  if (walkers.empty()) return {};

  // Rounds: each endpoint earns its weight in credit and takes one position
  // per max_weight of credit (with equal weights: one each per round, the
  // paper's algorithm). A taken position sends it on along its permutation.
  std::vector<uint16_t> table(size);
  std::vector<bool> taken(size, false);
  uint32_t filled = 0;
  while (true) {
    for (auto &w : walkers) {
      w.credit += w.weight;
      while (w.credit >= max_weight) {
        w.credit -= max_weight;
        while (taken[w.pos]) {
          w.pos += w.skip;
          if (w.pos >= size) w.pos -= size;
        }
        taken[w.pos] = true;
        table[w.pos] = w.value;
        if (++filled == size) return table;
        w.pos += w.skip;
        if (w.pos >= size) w.pos -= size;
      }
    }
  }
}

}  // namespace polycube::maglev
