// Maglev consistent hashing, the C++ side: builds the lookup table the data
// plane reads (polycube/maglev_shared.h, maglev.bpf.h). Any service that
// spreads flows over backends uses it; polycube/maglev_tables.h keeps the
// built tables in a service's maps and shares equal ones.
#pragma once

#include <cstdint>
#include <vector>

#include "polycube/maglev_shared.h"

namespace polycube::maglev {

// A backend as the table builder sees it.
struct Endpoint {
  uint64_t key = 0;    // identity: its permutation of the table comes from it
  uint32_t weight = 1; // share of the positions, relative to the others (0: none)
  uint16_t value = 0;  // what the table stores for it (a slot, an index)
  bool operator==(const Endpoint &) const = default;
  auto operator<=>(const Endpoint &) const = default;
};

// The lookup table of `size` positions (a prime, at least 65,537) for
// `endpoints` (distinct keys): position -> value. Each endpoint holds
// about size * weight / (sum of weights) positions (within one position
// for equal weights). Empty when no endpoint has a weight. Throws
// polycube::Error (invalid) for a size that is not such a prime, repeated
// keys, or more than PCN_MAGLEV_MAX_BACKENDS endpoints.
std::vector<uint16_t> build(const std::vector<Endpoint> &endpoints, uint32_t size = PCN_MAGLEV_SIZE);

bool is_prime(uint32_t n);

// The value a flow with hash `hash` gets from `table` (what the BPF lookup
// does).
inline uint16_t pick(const std::vector<uint16_t> &table, uint32_t hash) {
  return table[pcn_maglev_position(hash, static_cast<uint32_t>(table.size()))];
}

}  // namespace polycube::maglev
