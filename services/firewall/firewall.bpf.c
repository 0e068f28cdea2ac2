/* firewall: a transparent cube whose pipeline is the set of matcher blocks
 * its rules need. Entry blocks (one per chain) parse the packet once into a
 * per-CPU scratch and read the active generation; then run, in order, the
 * conntrack block (if some rule or accept-established needs state), one
 * matcher block per field in use, and the action block. Every block reads
 * the generation saved by the entry block, so a packet uses one rule set
 * from start to end while the control plane builds the next one. */
#include <polycube/pcn.bpf.h>
#include <polycube/conntrack.bpf.h>
#include <polycube/parse.bpf.h>
#include "firewall_shared.h"

/* The packet as parsed by the entry block, plus its match vector. */
struct fw_pkt {
  struct pcn_pkt pk;  /* parse.bpf.h: addresses, protocol, ports, TCP flags, quoted tuple */
  __u32 gen, chain;
  __u32 stage;        /* index of the next stage to run */
  __u32 len;
  __u8 ip, ctstate, ct_reply, ct_found;
  struct pcn_tuple ct_key; /* orig-direction key of the session */
  struct fw_chain_cfg cfg;
  __u8 alive[FW_MAX_CHUNKS]; /* chunk has a set bit: later matchers skip dead chunks */
  __u64 bits[FW_WORDS];
};

/* Per-CPU scratch of the packet being classified. */
struct {
  __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
  __uint(max_entries, 1);
  __type(key, __u32);
  __type(value, struct fw_pkt);
} fw_scratch SEC(".maps");

/* Index 0: the generation in use (struct fw_active). */
struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, 1);
  __type(key, __u32);
  __type(value, struct fw_active);
} fw_active SEC(".maps");

/* Chain configuration per generation and chain (gen * 2 + chain). */
struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, 4);
  __type(key, __u32);
  __type(value, struct fw_chain_cfg);
} fw_chains SEC(".maps");

/* Action and counter slot per generation, chain and rule position. */
struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, 4 * FW_MAX_RULES);
  __type(key, __u32);
  __type(value, struct fw_rule_info);
} fw_rules SEC(".maps");

/* Packets and bytes per rule counter slot. */
struct {
  __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
  __uint(max_entries, FW_COUNTERS);
  __type(key, __u32);
  __type(value, struct fw_counter);
} fw_counters SEC(".maps");

/* Default-action hits per chain (index = chain). */
struct {
  __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
  __uint(max_entries, 2);
  __type(key, __u32);
  __type(value, struct fw_counter);
} fw_default_counters SEC(".maps");

/* Tracked sessions (conntrack.bpf.h), keyed in the direction of their
 * first packet. */
struct {
  __uint(type, BPF_MAP_TYPE_LRU_HASH);
  __uint(max_entries, FW_CT_ENTRIES);
  __type(key, struct pcn_tuple);
  __type(value, struct pcn_ct_entry);
} fw_sessions SEC(".maps");

/* LOG rate limit per CPU. */
struct {
  __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
  __uint(max_entries, 1);
  __type(key, __u32);
  __type(value, struct fw_log_bucket);
} fw_log_rate SEC(".maps");

/* Wildcard vector per generation, chain, field and chunk (FW_WILD_INDEX). */
struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, FW_WILD_ENTRIES);
  __type(key, __u32);
  __type(value, struct fw_bits);
} fw_wild SEC(".maps");

#define FW_FIELD_MAP(name)                  \
  struct {                                  \
    __uint(type, BPF_MAP_TYPE_LPM_TRIE);    \
    __uint(max_entries, FW_LPM_ENTRIES);    \
    __uint(map_flags, BPF_F_NO_PREALLOC);   \
    __type(key, struct fw_lpm_key);         \
    __type(value, struct fw_bits);          \
  } name SEC(".maps")

/* Field value -> chunk bit vector, one map per field. */
FW_FIELD_MAP(fw_m_src);
FW_FIELD_MAP(fw_m_dst);
FW_FIELD_MAP(fw_m_proto);
FW_FIELD_MAP(fw_m_sport);
FW_FIELD_MAP(fw_m_dport);
FW_FIELD_MAP(fw_m_flags);
FW_FIELD_MAP(fw_m_ctstate);

static __always_inline struct fw_pkt *fw_pkt_get(void) {
  __u32 zero = 0;
  return bpf_map_lookup_elem(&fw_scratch, &zero);
}

/* ---- stages ---- */

static __always_inline int fw_accept(pcn_ctx_t *ctx, struct pcn_md *md, struct fw_pkt *p);

/* Tail call the next stage: a matcher, or the action block. */
static __always_inline int fw_next(pcn_ctx_t *ctx, struct fw_pkt *p) {
  __u32 i = p->stage;
  __u32 slot = FW_SLOT_ACTION;
  if (i < p->cfg.nstages && i < FW_MAX_STAGES) {
    __u32 j = i;
    asm volatile("%0 &= 7" : "+r"(j)); /* a bound the verifier sees */
    slot = p->cfg.stages[j];
  }
  p->stage = i + 1;
  bpf_tail_call(ctx, &pcn_blocks, slot);
  return PCN_DROP; /* the block is missing: never half-classify */
}

/* Parses what the stages of the chain need (parse.bpf.h) into p->pk: the
 * IPv4 header always, the L4 header (ports, TCP flags, ICMP and the packet
 * an ICMP error quotes) only if `want_l4`. Frames with a VLAN tag in the
 * data are not taken for IPv4 (they never were). */
static __always_inline void fw_parse(pcn_ctx_t *ctx, struct fw_pkt *p, __u32 want_l4) {
  int err = pcn_parse(ctx, &p->pk, (want_l4 ? PCN_PARSE_L4 : PCN_PARSE_L3) | PCN_PARSE_IPV4_ONLY);
  p->ip = !err && p->pk.family == 4 && !p->pk.nvlan;
}

/* The packet's TCP or UDP header is there: it has ports. */
static __always_inline __u8 fw_has_ports(struct fw_pkt *p) {
  return p->pk.l4_off && (p->pk.tuple.proto == PCN_IPPROTO_TCP || p->pk.tuple.proto == PCN_IPPROTO_UDP);
}

/* The packet's TCP header is there: it has flags. */
static __always_inline __u8 fw_is_tcp(struct fw_pkt *p) {
  return p->pk.l4_off && p->pk.tuple.proto == PCN_IPPROTO_TCP;
}

static __always_inline int fw_entry(pcn_ctx_t *ctx, __u32 chain) {
  struct pcn_md *md = pcn_md_get();
  struct fw_pkt *p = fw_pkt_get();
  __u32 zero = 0;
  struct fw_active *act = bpf_map_lookup_elem(&fw_active, &zero);
  if (!md || !p || !act)
    return PCN_DROP;
  __u32 gen = act->gen & 1;
  __u32 idx = gen * 2 + chain;
  struct fw_chain_cfg *cfg = bpf_map_lookup_elem(&fw_chains, &idx);
  if (!cfg)
    return PCN_DROP;
  fw_parse(ctx, p, cfg->parse_l4);
  if (!p->ip) /* ARP and everything not IPv4 is not filtered */
    return pcn_transparent_next(ctx, md, chain);
  p->gen = gen;
  p->chain = chain;
  p->stage = 0;
  p->len = pcn_pkt_len(ctx);
  p->cfg = *cfg;
  if (cfg->conntrack)
    bpf_tail_call(ctx, &pcn_blocks, FW_SLOT_CONNTRACK);
  return fw_next(ctx, p);
}

PCN_BLOCK(fw_ingress) { return fw_entry(ctx, FW_INGRESS); }
PCN_BLOCK(fw_egress) { return fw_entry(ctx, FW_EGRESS); }

/* ---- conntrack (conntrack.bpf.h) ---- */

PCN_BLOCK(fw_conntrack) {
  struct pcn_md *md = pcn_md_get();
  struct fw_pkt *p = fw_pkt_get();
  if (!md || !p)
    return PCN_DROP;
  __u64 now = bpf_ktime_get_ns();
  p->ct_found = 0;
  p->ct_reply = 0;
  if (p->pk.quoted_l4_off) {
    /* ICMP error: RELATED if it quotes a packet of a tracked session. */
    p->ctstate = pcn_ct_related(&fw_sessions, &p->pk.quoted, now);
  } else {
    struct pcn_ct_result r;
    pcn_ct_track(&fw_sessions, &p->pk.tuple, p->pk.tcp_flags, now, &r);
    p->ct_key = r.key;
    p->ct_reply = r.reply;
    p->ct_found = r.found;
    p->ctstate = r.state;
  }
  if (p->cfg.accept_established && (p->ctstate == FW_CT_ESTABLISHED || p->ctstate == FW_CT_RELATED))
    return fw_accept(ctx, md, p);
  return fw_next(ctx, p);
}

/* ---- matchers ---- */

struct fw_match_ctx {
  struct fw_pkt *p;
  struct fw_lpm_key key;
  __u32 first;
  __u32 wild_base; /* FW_WILD_INDEX(gen, chain, field, 0) */
  __u64 lookup[2]; /* chunks that need an LPM lookup for this value */
};

/* AND (or set, for the first matcher) chunk c's vector into the packet's. */
static __always_inline void fw_combine(struct fw_match_ctx *m, __u32 c, struct fw_bits *b) {
  struct fw_pkt *p = m->p;
  __u32 chunk = c & (FW_MAX_CHUNKS - 1);
  __u32 base = chunk * FW_CHUNK_WORDS;
  __u64 any = 0;
#pragma unroll
  for (int i = 0; i < FW_CHUNK_WORDS; i++) {
    __u64 v = b ? b->w[i] : 0;
    if (m->first)
      p->bits[base + i] = v;
    else
      p->bits[base + i] &= v;
    any |= p->bits[base + i];
  }
  p->alive[chunk] = any != 0;
}

/* A chunk no rule of which is left needs no lookup. */
static __always_inline int fw_chunk_dead(struct fw_match_ctx *m, __u32 c) {
  return !m->first && !m->p->alive[c & (FW_MAX_CHUNKS - 1)];
}

#define FW_MATCHER(block, map, field, FIELD)                                     \
  static long block##_chunk(__u32 c, void *data) {                               \
    struct fw_match_ctx *m = data;                                               \
    if (fw_chunk_dead(m, c))                                                     \
      return 0;                                                                  \
    __u32 chunk = c & (FW_MAX_CHUNKS - 1);                                       \
    struct fw_bits *b;                                                           \
    if (m->lookup[chunk >> 6] & (1ull << (chunk & 63))) {                        \
      m->key.sel = (m->p->gen << 24) | (m->p->chain << 16) | chunk;              \
      b = bpf_map_lookup_elem(&map, &m->key);                                    \
    } else {                                                                     \
      __u32 wi = m->wild_base + chunk;                                           \
      b = bpf_map_lookup_elem(&fw_wild, &wi);                                    \
    }                                                                            \
    fw_combine(m, c, b);                                                         \
    return 0;                                                                    \
  }                                                                              \
  PCN_BLOCK(block) {                                                             \
    struct fw_pkt *p = fw_pkt_get();                                             \
    if (!p)                                                                      \
      return PCN_DROP;                                                           \
    struct fw_match_ctx m = {.p = p, .first = p->stage == 1};                    \
    m.key.prefixlen = 64;                                                        \
    fw_key_of_##field(p, &m.key);                                                \
    m.key.sel = (p->gen << 24) | (p->chain << 16) | FW_SUMMARY_CHUNK;            \
    struct fw_bits *sum = bpf_map_lookup_elem(&map, &m.key);                     \
    if (sum) {                                                                   \
      m.lookup[0] = sum->w[0];                                                   \
      m.lookup[1] = sum->w[1];                                                   \
    }                                                                            \
    m.wild_base = FW_WILD_INDEX(p->gen & 1, p->chain & 1, FIELD, 0);             \
    bpf_loop(p->cfg.nchunks & (FW_MAX_CHUNKS * 2 - 1), block##_chunk, &m, 0);    \
    return fw_next(ctx, p);                                                      \
  }

static __always_inline void fw_key_of_addr(__u32 a, struct fw_lpm_key *k) { __builtin_memcpy(k->val, &a, 4); }
static __always_inline void fw_key_of_src(struct fw_pkt *p, struct fw_lpm_key *k) { fw_key_of_addr(p->pk.tuple.saddr, k); }
static __always_inline void fw_key_of_dst(struct fw_pkt *p, struct fw_lpm_key *k) { fw_key_of_addr(p->pk.tuple.daddr, k); }
static __always_inline void fw_key_of_proto(struct fw_pkt *p, struct fw_lpm_key *k) {
  k->val[0] = 1;
  k->val[1] = p->pk.tuple.proto;
  k->val[2] = k->val[3] = 0;
}
static __always_inline void fw_key_of_port(__u8 present, __u16 port, struct fw_lpm_key *k) {
  k->val[0] = present;
  __builtin_memcpy(&k->val[1], &port, 2); /* network order: high byte first */
  k->val[3] = 0;
}
static __always_inline void fw_key_of_sport(struct fw_pkt *p, struct fw_lpm_key *k) {
  fw_key_of_port(fw_has_ports(p), p->pk.tuple.sport, k);
}
static __always_inline void fw_key_of_dport(struct fw_pkt *p, struct fw_lpm_key *k) {
  fw_key_of_port(fw_has_ports(p), p->pk.tuple.dport, k);
}
static __always_inline void fw_key_of_flags(struct fw_pkt *p, struct fw_lpm_key *k) {
  k->val[0] = fw_is_tcp(p);
  k->val[1] = p->pk.tcp_flags;
  k->val[2] = k->val[3] = 0;
}
static __always_inline void fw_key_of_ctstate(struct fw_pkt *p, struct fw_lpm_key *k) {
  k->val[0] = 1;
  k->val[1] = p->ctstate;
  k->val[2] = k->val[3] = 0;
}

FW_MATCHER(fw_match_src, fw_m_src, src, FW_F_SRC)
FW_MATCHER(fw_match_dst, fw_m_dst, dst, FW_F_DST)
FW_MATCHER(fw_match_proto, fw_m_proto, proto, FW_F_PROTO)
FW_MATCHER(fw_match_sport, fw_m_sport, sport, FW_F_SPORT)
FW_MATCHER(fw_match_dport, fw_m_dport, dport, FW_F_DPORT)
FW_MATCHER(fw_match_flags, fw_m_flags, flags, FW_F_FLAGS)
FW_MATCHER(fw_match_ctstate, fw_m_ctstate, ctstate, FW_F_CTSTATE)

/* ---- action ---- */

struct fw_find_ctx {
  struct fw_pkt *p;
  __s64 found;
  __u32 base;
};

/* Index of the lowest set bit of w != 0 (clang 14's BPF backend cannot
 * lower __builtin_ctzll). */
static __always_inline __u32 fw_ctz64(__u64 w) {
  __u32 n = 0;
  if (!(w & 0xffffffffull)) { n += 32; w >>= 32; }
  if (!(w & 0xffff)) { n += 16; w >>= 16; }
  if (!(w & 0xff)) { n += 8; w >>= 8; }
  if (!(w & 0xf)) { n += 4; w >>= 4; }
  if (!(w & 0x3)) { n += 2; w >>= 2; }
  if (!(w & 0x1)) n += 1;
  return n;
}

static long fw_find_word(__u32 i, void *data) {
  struct fw_find_ctx *f = data;
  __u32 w_idx = (f->base + i) & (FW_WORDS - 1);
  __u64 w = f->p->bits[w_idx];
  if (!w)
    return 0;
  f->found = (__s64)w_idx * 64 + fw_ctz64(w);
  return 1;
}

/* The first chunk with a set bit (the matchers keep `alive` exact). */
static long fw_find_chunk(__u32 c, void *data) {
  struct fw_find_ctx *f = data;
  if (!f->p->alive[c & (FW_MAX_CHUNKS - 1)])
    return 0;
  f->base = (c & (FW_MAX_CHUNKS - 1)) * FW_CHUNK_WORDS;
  f->found = 0;
  return 1;
}

static __always_inline void fw_count(struct fw_counter *c, struct fw_pkt *p) {
  if (c) {
    c->pkts++;
    c->bytes += p->len;
  }
}

/* Accepted: open a session for a new flow, then let the packet go on. */
static __always_inline int fw_accept(pcn_ctx_t *ctx, struct pcn_md *md, struct fw_pkt *p) {
  if (p->cfg.conntrack && !p->ct_found && !p->pk.quoted_l4_off && p->ctstate == FW_CT_NEW)
    pcn_ct_open(&fw_sessions, &p->ct_key, bpf_ktime_get_ns());
  return pcn_transparent_next(ctx, md, p->chain & 1);
}

static __always_inline int fw_log(pcn_ctx_t *ctx, struct pcn_md *md, struct fw_pkt *p, __u32 pos) {
  __u32 zero = 0;
  struct fw_log_bucket *b = bpf_map_lookup_elem(&fw_log_rate, &zero);
  if (!b)
    return 0;
  __u64 now = bpf_ktime_get_ns();
  if (now - b->window_start_ns > FW_NS) {
    b->window_start_ns = now;
    b->sent = 0;
  }
  if (b->sent >= FW_LOG_PER_SEC)
    return 0;
  b->sent++;
  md->user[0] = p->chain;
  md->user[1] = pos;
  return pcn_punt_copy(ctx, md, FW_REASON_LOG);
}

PCN_BLOCK(fw_action) {
  struct pcn_md *md = pcn_md_get();
  struct fw_pkt *p = fw_pkt_get();
  if (!md || !p)
    return PCN_DROP;
  __s64 pos = -1;
  if (p->cfg.nrules) {
    if (p->cfg.nstages == 0) {
      pos = p->cfg.first_pos; /* rules without any field match everything */
    } else {
      struct fw_find_ctx f = {.p = p, .found = -1};
      bpf_loop(p->cfg.nchunks & (FW_MAX_CHUNKS * 2 - 1), fw_find_chunk, &f, 0);
      if (f.found == 0) { /* a chunk with a match: its first set bit */
        f.found = -1;
        bpf_loop(FW_CHUNK_WORDS, fw_find_word, &f, 0);
      }
      if (f.found >= 0 && f.found < FW_MAX_RULES) /* a slot, not a position */
        pos = f.found;
    }
  }
  __u32 action;
  if (pos < 0) {
    __u32 chain = p->chain & 1;
    fw_count(bpf_map_lookup_elem(&fw_default_counters, &chain), p);
    action = p->cfg.default_action;
  } else {
    __u32 idx = (p->gen * 2 + p->chain) * FW_MAX_RULES + (__u32)pos;
    struct fw_rule_info *ri = bpf_map_lookup_elem(&fw_rules, &idx);
    if (!ri)
      return PCN_DROP;
    __u32 slot = ri->counter;
    fw_count(bpf_map_lookup_elem(&fw_counters, &slot), p);
    action = ri->action;
    if (action == FW_A_LOG)
      fw_log(ctx, md, p, (__u32)pos);
  }
  if (action == FW_A_DROP)
    return PCN_DROP;
  return fw_accept(ctx, md, p);
}
