/* The data-plane half of polycube/learned_table.h: a table's generation, a
 * per-CPU count of the keys the data plane added to it. Bump it AFTER the
 * insert, so that a reader that sees the old count also sees every key
 * added before it; only for new keys (a refreshed timestamp or a moved
 * port changes a value, and readers look values up anyway). */
#pragma once

#include <bpf/bpf_helpers.h>
#include <linux/bpf.h>

#define PCN_LEARNED_GENERATION(name)              \
  struct {                                        \
    __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);      \
    __uint(max_entries, 1);                       \
    __type(key, __u32);                           \
    __type(value, __u64);                         \
  } name SEC(".maps")

static __always_inline void pcn_learned_added(void *generation) {
  __u32 zero = 0;
  __u64 *g = bpf_map_lookup_elem(generation, &zero);
  if (g)
    (*g)++;
}
