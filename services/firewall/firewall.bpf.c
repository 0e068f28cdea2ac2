/* firewall: a transparent cube whose pipeline is the set of matcher blocks
 * its rules need. Entry blocks (one per chain) parse the packet once into a
 * per-CPU scratch and read the active generation; then run, in order, the
 * conntrack block (if some rule or accept-established needs state), one
 * matcher block per field in use, and the action block. Every block reads
 * the generation saved by the entry block, so a packet uses one rule set
 * from start to end while the control plane builds the next one. */
#include <polycube/pcn.bpf.h>
#include <linux/ip.h>
#include <linux/tcp.h>
#include <linux/udp.h>
#include "firewall_shared.h"

/* ICMP header (linux/icmp.h pulls in libc headers). */
struct fw_icmp {
  __u8 type, code;
  __u16 csum;
  __u16 id, seq;
};
#define FW_IPPROTO_ICMP 1
#define FW_IPPROTO_TCP 6
#define FW_IPPROTO_UDP 17
#define FW_ICMP_ECHOREPLY 0
#define FW_ICMP_DEST_UNREACH 3
#define FW_ICMP_ECHO 8
#define FW_ICMP_TIME_EXCEEDED 11
#define FW_ICMP_PARAMETERPROB 12

/* The packet as parsed by the entry block, plus its match vector. */
struct fw_pkt {
  __u32 gen, chain;
  __u32 stage;        /* index of the next stage to run */
  __u32 len;
  __u32 saddr, daddr; /* network order */
  __u16 sport, dport; /* network order */
  __u8 proto, has_ports, is_tcp, tcpflags;
  __u8 ip, ctstate, ct_reply, ct_found;
  __u8 ct_related, pad[3];
  struct fw_ct_key ct_key; /* orig-direction key of the session */
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

/* Tracked sessions, keyed in the direction of their first packet. */
struct {
  __uint(type, BPF_MAP_TYPE_LRU_HASH);
  __uint(max_entries, FW_CT_ENTRIES);
  __type(key, struct fw_ct_key);
  __type(value, struct fw_ct_entry);
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

/* Parses what the stages of the chain need: the IPv4 header always, the L4
 * header (ports, TCP flags, ICMP and the header an ICMP error quotes) only
 * if `want_l4`. */
static __always_inline int fw_parse(pcn_ctx_t *ctx, struct fw_pkt *p, __u32 want_l4) {
  void *data = pcn_data(ctx), *end = pcn_data_end(ctx);
  struct ethhdr *eth = data;
  p->ip = 0;
  p->has_ports = 0;
  p->is_tcp = 0;
  p->tcpflags = 0;
  p->sport = p->dport = 0;
  p->ct_related = 0;
  if ((void *)(eth + 1) > end || eth->h_proto != bpf_htons(ETH_P_IP))
    return 0;
  struct iphdr *iph = (void *)(eth + 1);
  if ((void *)(iph + 1) > end || iph->ihl < 5)
    return 0;
  p->ip = 1;
  p->saddr = iph->saddr;
  p->daddr = iph->daddr;
  p->proto = iph->protocol;
  if (!want_l4 || (iph->frag_off & bpf_htons(0x1fff))) /* not needed, or not the first fragment */
    return 0;
  void *l4 = (void *)iph + iph->ihl * 4;
  if (iph->protocol == FW_IPPROTO_TCP) {
    struct tcphdr *th = l4;
    if ((void *)(th + 1) > end)
      return 0;
    p->has_ports = 1;
    p->is_tcp = 1;
    p->sport = th->source;
    p->dport = th->dest;
    p->tcpflags = ((__u8 *)th)[13];
  } else if (iph->protocol == FW_IPPROTO_UDP) {
    struct udphdr *uh = l4;
    if ((void *)(uh + 1) > end)
      return 0;
    p->has_ports = 1;
    p->sport = uh->source;
    p->dport = uh->dest;
  } else if (iph->protocol == FW_IPPROTO_ICMP) {
    struct fw_icmp *ih = l4;
    if ((void *)(ih + 1) > end)
      return 0;
    if (ih->type == FW_ICMP_ECHO || ih->type == FW_ICMP_ECHOREPLY) {
      p->sport = p->dport = ih->id;
    } else if (ih->type == FW_ICMP_DEST_UNREACH || ih->type == FW_ICMP_TIME_EXCEEDED ||
               ih->type == FW_ICMP_PARAMETERPROB) {
      /* An error: the session is the one of the packet it quotes. */
      struct iphdr *in = (void *)(ih + 1);
      if ((void *)(in + 1) > end || in->ihl != 5)
        return 0;
      __u16 *ports = (void *)(in + 1);
      if ((void *)(ports + 4) > end) /* errors quote 8 bytes of L4 */
        return 0;
      p->ct_related = 1;
      p->ct_key.saddr = in->saddr;
      p->ct_key.daddr = in->daddr;
      p->ct_key.proto = in->protocol;
      p->ct_key.sport = ports[0];
      p->ct_key.dport = ports[1];
      if (in->protocol == FW_IPPROTO_ICMP) /* quoted echo: its id at offset 4 */
        p->ct_key.sport = p->ct_key.dport = ports[2];
      p->ct_key.pad[0] = p->ct_key.pad[1] = p->ct_key.pad[2] = 0;
    }
  }
  return 0;
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

/* ---- conntrack ---- */

static __always_inline void fw_ct_key_of(struct fw_pkt *p, struct fw_ct_key *k) {
  k->saddr = p->saddr;
  k->daddr = p->daddr;
  k->sport = p->sport;
  k->dport = p->dport;
  k->proto = p->proto;
  k->pad[0] = k->pad[1] = k->pad[2] = 0;
}

static __always_inline void fw_ct_reverse(const struct fw_ct_key *k, struct fw_ct_key *r) {
  r->saddr = k->daddr;
  r->daddr = k->saddr;
  r->sport = k->dport;
  r->dport = k->sport;
  r->proto = k->proto;
  r->pad[0] = r->pad[1] = r->pad[2] = 0;
}

static __always_inline int fw_ct_live(struct fw_ct_entry *e, __u8 proto, __u64 now) {
  return e && now - e->last_seen_ns <= fw_ct_timeout(e, proto);
}

PCN_BLOCK(fw_conntrack) {
  struct pcn_md *md = pcn_md_get();
  struct fw_pkt *p = fw_pkt_get();
  if (!md || !p)
    return PCN_DROP;
  __u64 now = bpf_ktime_get_ns();
  struct fw_ct_key k = {}, r = {};
  p->ct_found = 0;
  p->ct_reply = 0;
  if (p->ct_related) {
    /* ICMP error: RELATED if it quotes a packet of a tracked session. */
    k = p->ct_key;
    fw_ct_reverse(&k, &r);
    struct fw_ct_entry *e = bpf_map_lookup_elem(&fw_sessions, &k);
    if (!fw_ct_live(e, k.proto, now))
      e = bpf_map_lookup_elem(&fw_sessions, &r);
    p->ctstate = fw_ct_live(e, k.proto, now) ? FW_CT_RELATED : FW_CT_INVALID;
  } else {
    fw_ct_key_of(p, &k);
    fw_ct_reverse(&k, &r);
    struct fw_ct_entry *e = bpf_map_lookup_elem(&fw_sessions, &k);
    if (!fw_ct_live(e, k.proto, now)) {
      e = bpf_map_lookup_elem(&fw_sessions, &r);
      if (fw_ct_live(e, k.proto, now)) {
        p->ct_reply = 1;
        p->ct_key = r;
      } else {
        e = 0;
      }
    } else {
      p->ct_key = k;
    }
    __u8 fl = p->tcpflags;
    if (!e) {
      p->ct_key = k;
      /* A TCP session starts with a SYN; anything else unknown is INVALID. */
      p->ctstate = (p->proto == FW_IPPROTO_TCP && (fl & 0x16) != 0x02) ? FW_CT_INVALID : FW_CT_NEW;
    } else {
      p->ct_found = 1;
      e->last_seen_ns = now;
      e->pkts++;
      if (p->ct_reply)
        e->seen_reply = 1;
      if (p->proto == FW_IPPROTO_TCP) {
        if (fl & 0x04)
          e->tcp_state = FW_TCP_CLOSED;
        else if (fl & 0x01)
          e->tcp_state = FW_TCP_FIN_WAIT;
        else if (e->tcp_state == FW_TCP_SYN_SENT && p->ct_reply && (fl & 0x12) == 0x12)
          e->tcp_state = FW_TCP_SYN_RECV;
        else if (e->tcp_state == FW_TCP_SYN_RECV && !p->ct_reply && (fl & 0x10))
          e->tcp_state = FW_TCP_ESTABLISHED;
      }
      p->ctstate = e->seen_reply ? FW_CT_ESTABLISHED : FW_CT_NEW;
    }
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
static __always_inline void fw_key_of_src(struct fw_pkt *p, struct fw_lpm_key *k) { fw_key_of_addr(p->saddr, k); }
static __always_inline void fw_key_of_dst(struct fw_pkt *p, struct fw_lpm_key *k) { fw_key_of_addr(p->daddr, k); }
static __always_inline void fw_key_of_proto(struct fw_pkt *p, struct fw_lpm_key *k) {
  k->val[0] = 1;
  k->val[1] = p->proto;
  k->val[2] = k->val[3] = 0;
}
static __always_inline void fw_key_of_port(__u8 present, __u16 port, struct fw_lpm_key *k) {
  k->val[0] = present;
  __builtin_memcpy(&k->val[1], &port, 2); /* network order: high byte first */
  k->val[3] = 0;
}
static __always_inline void fw_key_of_sport(struct fw_pkt *p, struct fw_lpm_key *k) {
  fw_key_of_port(p->has_ports, p->sport, k);
}
static __always_inline void fw_key_of_dport(struct fw_pkt *p, struct fw_lpm_key *k) {
  fw_key_of_port(p->has_ports, p->dport, k);
}
static __always_inline void fw_key_of_flags(struct fw_pkt *p, struct fw_lpm_key *k) {
  k->val[0] = p->is_tcp;
  k->val[1] = p->tcpflags;
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
  if (p->cfg.conntrack && !p->ct_found && !p->ct_related && p->ctstate == FW_CT_NEW) {
    struct fw_ct_entry e = {.last_seen_ns = bpf_ktime_get_ns(), .pkts = 1};
    if (p->proto == FW_IPPROTO_TCP)
      e.tcp_state = FW_TCP_SYN_SENT;
    if (p->proto == FW_IPPROTO_TCP || p->proto == FW_IPPROTO_UDP || p->proto == FW_IPPROTO_ICMP)
      bpf_map_update_elem(&fw_sessions, &p->ct_key, &e, BPF_NOEXIST);
  }
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
