/* ddosmitigator: a transparent cube that drops the packets whose source or
 * destination address falls in a blacklisted prefix, counting drops per
 * entry. Each matcher is its own micro-block and is in the pipeline only
 * while its list has entries (see DD_SLOT_DST in ddosmitigator_shared.h):
 *
 *   no entries      ingress: dd_ingress                 (just passes)
 *   src only        ingress: dd_src
 *   dst only        ingress: dd_dst
 *   src and dst     ingress: dd_src -> slot DD_SLOT_DST: dd_dst
 *
 * The egress direction is never filtered (dd_egress passes): the mitigator
 * protects what lies behind the point it is attached to. How a matcher
 * finds an entry (host hashes, a per-length hash, LPM tries) is described
 * in ddosmitigator_shared.h. */
#include <polycube/pcn.bpf.h>
#include <polycube/parse.bpf.h>
#include "ddosmitigator_shared.h"

/* The blacklist tables, declared below one by one. */
#define DD_TRIE(name, key_t)                       \
  struct {                                         \
    __uint(type, BPF_MAP_TYPE_LPM_TRIE);           \
    __uint(max_entries, DD_MAX_ENTRIES);           \
    __uint(map_flags, BPF_F_NO_PREALLOC);          \
    __type(key, key_t);                            \
    __type(value, struct dd_entry);                \
  } name SEC(".maps")
#define DD_HASH(name, key_t)                       \
  struct {                                         \
    __uint(type, BPF_MAP_TYPE_HASH);               \
    __uint(max_entries, DD_MAX_ENTRIES);           \
    __uint(map_flags, BPF_F_NO_PREALLOC);          \
    __type(key, key_t);                            \
    __type(value, struct dd_entry);                \
  } name SEC(".maps")

/* Blacklisted source prefixes shorter than /32 (IPv4) -> entry. */
DD_TRIE(dd_src_v4, struct dd_lpm_v4);
/* Blacklisted source addresses (IPv4, network order) -> entry. */
DD_HASH(dd_src_host_v4, __u32);
/* The same source prefixes keyed by (length, masked address). */
DD_HASH(dd_src_net_v4, struct dd_lpm_v4);
/* Blacklisted destination prefixes shorter than /32 (IPv4) -> entry. */
DD_TRIE(dd_dst_v4, struct dd_lpm_v4);
/* Blacklisted destination addresses (IPv4) -> entry. */
DD_HASH(dd_dst_host_v4, __u32);
/* The same destination prefixes keyed by (length, masked address). */
DD_HASH(dd_dst_net_v4, struct dd_lpm_v4);
/* Blacklisted source prefixes shorter than /128 (IPv6) -> entry. */
DD_TRIE(dd_src_v6, struct dd_lpm_v6);
/* Blacklisted source addresses (IPv6) -> entry. */
DD_HASH(dd_src_host_v6, struct in6_addr);
/* Blacklisted destination prefixes shorter than /128 (IPv6) -> entry. */
DD_TRIE(dd_dst_v6, struct dd_lpm_v6);
/* Blacklisted destination addresses (IPv6) -> entry. */
DD_HASH(dd_dst_host_v6, struct in6_addr);

/* Per list (DD_LIST_*): which of its tables have entries, how IPv4
 * prefixes are looked up. */
struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, 2);
  __type(key, __u32);
  __type(value, struct dd_shape);
} dd_shape SEC(".maps");

/* Drops per blacklist entry (per CPU), indexed by dd_entry.counter; the
 * control plane zeroes a counter before its entry goes live. */
struct {
  __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
  __uint(max_entries, DD_MAX_ENTRIES);
  __type(key, __u32);
  __type(value, struct dd_drop_count);
} dd_entry_drops SEC(".maps");

/* Totals of this cube (per CPU, one entry). */
struct {
  __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
  __uint(max_entries, 1);
  __type(key, __u32);
  __type(value, struct dd_stats);
} dd_stats SEC(".maps");

/* The address a list matches on: source for DD_LIST_SRC, destination for
 * DD_LIST_DST. */
struct dd_addr {
  __u32 v4;
  __u8 v6[16];
};

/* Fills *a with the packet's address for `list` (parse.bpf.h: up to two
 * VLAN tags looked through; in TC, headers outside the skb's linear part
 * are pulled in first, so no frame passes because of where its bytes sit);
 * returns 4 or 6, or 0 when the packet is not IP (or too short), which is
 * never dropped. */
static __always_inline int dd_addr_of(pcn_ctx_t *ctx, __u32 list, struct dd_addr *a) {
  struct pcn_pkt p;
  if (pcn_parse(ctx, &p, PCN_PARSE_L3) < 0)
    return 0;
  if (p.family == 4) {
    a->v4 = list == DD_LIST_DST ? p.tuple.daddr : p.tuple.saddr;
    return 4;
  }
  if (p.family == 6) {
    __builtin_memcpy(a->v6, list == DD_LIST_DST ? p.daddr6 : p.saddr6, 16);
    return 6;
  }
  return 0;
}

/* The IPv4 prefix entry covering `addr`, probing the (length, address) hash
 * once per length in use, longest first. */
static __always_inline struct dd_entry *dd_by_length(void *net4, const struct dd_shape *shape, __u32 addr) {
  struct dd_entry *e = 0;
#pragma unroll
  for (int i = 0; i < DD_LEN_SLOTS; i++) {
    if (i >= shape->nlen4)
      break;
    __u32 len = shape->len4[i] & 31; /* 0..31: /32 entries are hosts */
    struct dd_lpm_v4 key = {.prefixlen = len, .addr = len ? addr & bpf_htonl(~0u << (32 - len)) : 0};
    e = bpf_map_lookup_elem(net4, &key);
    if (e)
      break;
  }
  return e;
}

/* The blacklist entry of `list` covering the packet, or NULL. A host entry
 * is the longest match, so its hash is asked first; empty tables are
 * skipped. */
static __always_inline struct dd_entry *dd_lookup(pcn_ctx_t *ctx, __u32 list, void *host4, void *net4, void *trie4,
                                                  void *host6, void *trie6) {
  struct dd_shape *shape = bpf_map_lookup_elem(&dd_shape, &list);
  if (!shape)
    return 0;
  __u32 has = shape->has;
  struct dd_addr a;
  int family = dd_addr_of(ctx, list, &a);
  struct dd_entry *e = 0;
  if (family == 4) {
    if (has & DD_HAS_HOST4)
      e = bpf_map_lookup_elem(host4, &a.v4);
    if (!e && (has & DD_HAS_NET4)) {
      if (has & DD_NET4_BY_LENGTH) {
        e = dd_by_length(net4, shape, a.v4);
      } else {
        struct dd_lpm_v4 key = {.prefixlen = 32, .addr = a.v4};
        e = bpf_map_lookup_elem(trie4, &key);
      }
    }
  } else if (family == 6) {
    if (has & DD_HAS_HOST6)
      e = bpf_map_lookup_elem(host6, a.v6);
    if (!e && (has & DD_HAS_NET6)) {
      struct dd_lpm_v6 key = {.prefixlen = 128};
      __builtin_memcpy(key.addr, a.v6, 16);
      e = bpf_map_lookup_elem(trie6, &key);
    }
  }
  return e;
}

/* Counts the drop on the entry and in the cube's totals, then drops. */
static __always_inline int dd_drop(pcn_ctx_t *ctx, const struct dd_entry *e) {
  __u64 len = pcn_pkt_len(ctx);
  __u32 counter = e->counter, zero = 0;
  struct dd_drop_count *c = bpf_map_lookup_elem(&dd_entry_drops, &counter);
  if (c) {
    c->pkts++;
    c->bytes += len;
  }
  struct dd_stats *s = bpf_map_lookup_elem(&dd_stats, &zero);
  if (s) {
    /* The coarse clock (last tick) costs a load, not a clock read. */
    __u64 now = bpf_ktime_get_coarse_ns() / 1000000000ull;
    if (s->second != now) {
      s->prev = s->second + 1 == now ? s->cur : 0;
      s->cur = 0;
      s->second = now;
    }
    s->cur++;
    s->pkts++;
    s->bytes += len;
  }
  return PCN_DROP;
}

static __always_inline int dd_next(pcn_ctx_t *ctx, __u32 dir) {
  struct pcn_md *md = pcn_md_get();
  if (!md)
    return PCN_DROP;
  return pcn_transparent_next(ctx, md, dir);
}

/* Ingress with no list in use. */
PCN_BLOCK(dd_ingress) { return dd_next(ctx, PCN_SLOT_INGRESS); }

/* Egress: never filtered. */
PCN_BLOCK(dd_egress) { return dd_next(ctx, PCN_SLOT_EGRESS); }

/* Source matcher; continues with the destination matcher when it is in the
 * pipeline (slot DD_SLOT_DST), else with what follows the cube. */
PCN_BLOCK(dd_src) {
  struct dd_entry *e = dd_lookup(ctx, DD_LIST_SRC, &dd_src_host_v4, &dd_src_net_v4, &dd_src_v4, &dd_src_host_v6, &dd_src_v6);
  if (e)
    return dd_drop(ctx, e);
  pcn_next_block(ctx, DD_SLOT_DST);
  return dd_next(ctx, PCN_SLOT_INGRESS);
}

/* Destination matcher; always the last one. */
PCN_BLOCK(dd_dst) {
  struct dd_entry *e = dd_lookup(ctx, DD_LIST_DST, &dd_dst_host_v4, &dd_dst_net_v4, &dd_dst_v4, &dd_dst_host_v6, &dd_dst_v6);
  if (e)
    return dd_drop(ctx, e);
  return dd_next(ctx, PCN_SLOT_INGRESS);
}
