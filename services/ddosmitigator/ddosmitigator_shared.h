/* Structs and constants shared by ddosmitigator's BPF code and its control
 * plane. */
#pragma once
#include <linux/types.h>

/* Blacklist entries of one cube, both lists and families together: the
 * capacity of each table (trie or hash) and the number of drop counters (a per-CPU
 * array, DD_MAX_ENTRIES * 16 bytes per CPU, so that counting a drop is an
 * inlined array access rather than a hash lookup). */
#define DD_MAX_ENTRIES 65536

/* Micro-block slots. 0 and 1 are the transparent entries (ingress, egress).
 * Ingress slot 0 holds the first matcher in use (dd_src, else dd_dst, else
 * the bare dd_ingress); when both lists are in use dd_dst also sits in
 * DD_SLOT_DST, where dd_src continues. */
#define DD_SLOT_DST 2

/* Each list keeps host entries (/32, /128) in exact-match hashes and
 * shorter prefixes in LPM tries: a host entry is always the longest match,
 * so the hash answers first, and a hash lookup costs the same whatever the
 * number of entries, unlike a trie walk. IPv4 prefixes are also kept in a
 * hash keyed by (length, masked address): while a list uses at most
 * DD_LEN_SLOTS distinct IPv4 prefix lengths, the matcher probes that hash
 * once per length, longest first, instead of walking the trie. Map
 * dd_shape, indexed by DD_LIST_*, says which tables have entries and how
 * IPv4 prefixes are looked up, so a matcher skips what is empty. */
#define DD_LIST_SRC 0
#define DD_LIST_DST 1
#define DD_HAS_HOST4 1u
#define DD_HAS_NET4 2u
#define DD_HAS_HOST6 4u
#define DD_HAS_NET6 8u
#define DD_NET4_BY_LENGTH 16u /* probe the (length, address) hash, not the trie */
#define DD_LEN_SLOTS 4

/* Value of map dd_shape. */
struct dd_shape {
  __u32 has;                 /* DD_HAS_* | DD_NET4_BY_LENGTH */
  __u32 nlen4;               /* valid entries of len4 (DD_NET4_BY_LENGTH) */
  __u8 len4[DD_LEN_SLOTS];   /* IPv4 prefix lengths in use, longest first */
};

/* Key of the IPv4 tries dd_src_v4 / dd_dst_v4 and of the (length, masked
 * address) hashes dd_src_net_v4 / dd_dst_net_v4 (address in network order). */
struct dd_lpm_v4 {
  __u32 prefixlen;
  __u32 addr;
};

/* Key of the IPv6 tries dd_src_v6 / dd_dst_v6. */
struct dd_lpm_v6 {
  __u32 prefixlen;
  __u8 addr[16];
};

/* Value of every trie and hash: the entry's index in dd_entry_drops. */
struct dd_entry {
  __u32 counter;
};

/* Per-CPU value of dd_entry_drops (one per blacklist entry). */
struct dd_drop_count {
  __u64 pkts;
  __u64 bytes;
};

/* Per-CPU single entry of dd_stats: everything this cube dropped, and the
 * drops of the current and of the previous second (drop rate). */
struct dd_stats {
  __u64 pkts;
  __u64 bytes;
  __u64 second;     /* CLOCK_MONOTONIC second `cur` counts */
  __u64 cur;        /* drops during `second` */
  __u64 prev;       /* drops during `second - 1` */
};
