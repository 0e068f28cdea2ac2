/* Maglev lookup on the BPF side (maglev_shared.h). A service declares its
 * tables with PCN_MAGLEV_TABLES(name, max_tables): an array of maps whose
 * element i is table i, each a one-element array holding a whole
 * struct pcn_maglev_table. The control plane creates one inner map per
 * distinct table and writes its index where the service keeps it (e.g. in
 * a service entry), so switching a service to another backend set is one
 * atomic write, and services with equal tables share one.
 *
 *   PCN_MAGLEV_TABLES(my_tables, 4096);
 *   int v = pcn_maglev_pick(&my_tables, svc->table, pcn_maglev_flow_hash(&p.tuple));
 *   v < 0: no such table; otherwise the backend value stored at the flow's position. */
#pragma once

#include "pcn.bpf.h"
#include "maglev_shared.h"

/* The inner map: one table. Sizes rather than types: the value's type is
 * only used through a pointer, so clang's BTF holds a forward declaration
 * of it, whose size libbpf cannot tell. */
struct pcn_maglev_inner {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, 1);
  __uint(key_size, sizeof(__u32));
  __uint(value_size, sizeof(struct pcn_maglev_table));
};

/* Declares `name`, an array of up to `max` Maglev tables (one pointer
 * each until the control plane fills it). */
#define PCN_MAGLEV_TABLES(name, max)                  \
  struct {                                            \
    __uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);         \
    __uint(max_entries, max);                         \
    __type(key, __u32);                               \
    __array(values, struct pcn_maglev_inner);         \
  } name SEC(".maps")

/* The backend value at the position of `hash` in table `table` of
 * `tables`, or -1 when that table does not exist. */
static __always_inline int pcn_maglev_pick(void *tables, __u32 table, __u32 hash) {
  void *inner = bpf_map_lookup_elem(tables, &table);
  if (!inner)
    return -1;
  __u32 zero = 0;
  struct pcn_maglev_table *t = bpf_map_lookup_elem(inner, &zero);
  if (!t)
    return -1;
  __u32 pos = pcn_maglev_position(hash, PCN_MAGLEV_SIZE);
  /* The bound cannot fail, but the verifier wants it checked on the very
   * register used as the index: the barrier keeps clang from folding the
   * check into the multiply and shift. */
  asm volatile("" : "+r"(pos));
  if (pos >= PCN_MAGLEV_SIZE)
    return -1;
  return t->backend[pos];
}
