/* Maglev consistent hashing (Eisenbud et al., NSDI 2016): what the BPF
 * lookup (maglev.bpf.h) and the C++ table builder (maglev.h) share. A
 * table maps a flow's hash to one backend: every backend walks its own
 * permutation of the table's positions and takes the first free one in
 * turn, so each backend holds a share of the positions proportional to its
 * weight, and a change of the backend set moves few positions (about the
 * share of the backend that came or went).
 *
 * A table holds backend *values* (16 bits: a service's slot or index of
 * the backend); the permutations come from each backend's *key*, its
 * identity. Tables live in a service's array-of-maps, one inner map per
 * distinct table (polycube/maglev_tables.h shares equal tables). */
#pragma once

#include <linux/types.h>

#include "tuple.h"

/* Positions of a table in the data plane: a prime (permutations need it)
 * well above the backends of a service, so each one's share is close to
 * its weight: 65,537 positions give a backend of 1,000 its 65 or 66. */
#define PCN_MAGLEV_SIZE 65537

/* The most backends (distinct values) one table can name. */
#define PCN_MAGLEV_MAX_BACKENDS 4096

/* One table as the data plane reads it: position -> backend value. */
struct pcn_maglev_table {
  __u16 backend[PCN_MAGLEV_SIZE];
};

/* A 64-bit finaliser (the avalanche step of MurmurHash3): every input bit
 * flips about half of the output bits. */
static inline __u64 pcn_maglev_mix(__u64 x) {
  x ^= x >> 33;
  x *= 0xff51afd7ed558ccdULL;
  x ^= x >> 33;
  x *= 0xc4ceb9fe1a85ec53ULL;
  x ^= x >> 33;
  return x;
}

/* The hash of a flow, from its 5-tuple (addresses and ports as they are
 * on the wire, so the C++ side computes the same value from the same
 * bytes). */
static inline __u32 pcn_maglev_flow_hash(const struct pcn_tuple *t) {
  __u64 addrs = ((__u64)t->saddr << 32) | t->daddr;
  __u64 rest = ((__u64)t->sport << 32) | ((__u64)t->dport << 16) | t->proto;
  return (__u32)pcn_maglev_mix(addrs ^ pcn_maglev_mix(rest + 0x9e3779b97f4a7c15ULL));
}

/* The position of a hash in a table of `size` positions: a multiply and a
 * shift (Lemire's range reduction) rather than a division. */
static inline __u32 pcn_maglev_position(__u32 hash, __u32 size) { return (__u32)(((__u64)hash * size) >> 32); }
