/* nat: a transparent cube translating IPv4 addresses and ports. Egress
 * (leaving the attachment point, towards outside): SNAT rules and
 * masquerade give a new flow's source an external address and port.
 * Ingress (arriving from outside): port forwarding, then DNAT rules, give a
 * new flow's destination an internal address (and port). Every later packet
 * of the flow, both ways, follows its session (nat_shared.h); ICMP errors
 * about a translated flow are translated too, the packet they quote
 * included, so traceroute and path-MTU discovery work through the NAT.
 * Parsing, checksums, the TCP/UDP/ICMP state machine, claims of reply
 * tuples and the translation of ICMP errors are the shared packet
 * library's (polycube/parse.bpf.h, rewrite.bpf.h, conntrack.bpf.h,
 * xlate.bpf.h). */
#include <polycube/pcn.bpf.h>
#include <polycube/conntrack.bpf.h>
#include <polycube/parse.bpf.h>
#include <polycube/rewrite.bpf.h>
#include <polycube/xlate.bpf.h>
#include "nat_shared.h"

/* Translated flows, keyed by their first packet's tuple (before translation). */
struct {
  __uint(type, BPF_MAP_TYPE_HASH);
  __uint(max_entries, NAT_MAX_SESSIONS);
  __type(key, struct pcn_tuple);
  __type(value, struct nat_session);
} nat_sessions SEC(".maps");

/* Reply tuple (the reverse of a translated first packet) -> that first
 * packet's tuple: the claim on an external port. */
struct {
  __uint(type, BPF_MAP_TYPE_HASH);
  __uint(max_entries, NAT_MAX_SESSIONS);
  __type(key, struct pcn_tuple);
  __type(value, struct pcn_tuple);
} nat_reverse SEC(".maps");

/* Masquerade address and the external port range (one entry). */
struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, 1);
  __type(key, __u32);
  __type(value, struct nat_config);
} nat_config SEC(".maps");

/* SNAT rules: internal network -> external address. */
struct {
  __uint(type, BPF_MAP_TYPE_LPM_TRIE);
  __uint(max_entries, NAT_MAX_RULES);
  __uint(map_flags, BPF_F_NO_PREALLOC);
  __type(key, struct nat_lpm_key);
  __type(value, struct nat_snat_rule);
} nat_snat SEC(".maps");

/* DNAT rules: external address -> internal address. */
struct {
  __uint(type, BPF_MAP_TYPE_HASH);
  __uint(max_entries, NAT_MAX_RULES);
  __type(key, __be32);
  __type(value, struct nat_dnat_rule);
} nat_dnat SEC(".maps");

/* Port forwarding: external address, port, protocol -> internal address, port. */
struct {
  __uint(type, BPF_MAP_TYPE_HASH);
  __uint(max_entries, NAT_MAX_RULES);
  __type(key, struct nat_pf_key);
  __type(value, struct nat_pf_rule);
} nat_pf SEC(".maps");

/* Drops and sessions created (per CPU). */
struct {
  __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
  __uint(max_entries, 1);
  __type(key, __u32);
  __type(value, struct nat_stats);
} nat_stats SEC(".maps");

static __always_inline struct nat_stats *nat_stats_get(void) {
  __u32 zero = 0;
  return bpf_map_lookup_elem(&nat_stats, &zero);
}

/* The session a packet with tuple `t` seen in direction `dir` belongs to:
 * its first packet's direction (`*reply` 0, translated to s->xlated) or a
 * reply (`*reply` 1, translated to the reverse of the first packet). */
static __always_inline struct nat_session *nat_find(const struct pcn_tuple *t, __u32 dir, __u64 now,
                                                    struct pcn_tuple *to, __u8 *reply) {
  struct nat_session *s = bpf_map_lookup_elem(&nat_sessions, t);
  if (s && s->dir == dir && pcn_ct_live(&s->ct, t->proto, now)) {
    *to = s->xlated;
    *reply = 0;
    return s;
  }
  struct pcn_tuple *o = bpf_map_lookup_elem(&nat_reverse, t);
  if (!o)
    return 0;
  struct pcn_tuple orig = *o;
  s = bpf_map_lookup_elem(&nat_sessions, &orig);
  if (!s || s->dir == dir || !pcn_ct_live(&s->ct, t->proto, now))
    return 0;
  pcn_ct_reverse(&orig, to);
  *reply = 1;
  return s;
}

/* One try of the external port search (a bpf_loop body). */
struct nat_alloc {
  struct pcn_tuple rev;  /* reply tuple, its port filled per try */
  struct pcn_tuple orig;
  __u64 now;
  __u32 min, size, start;
  __u8 icmp, found, full, pad;
};

static __always_inline void nat_set_reply_port(struct nat_alloc *a, __be16 port) {
  a->rev.dport = port; /* the reply goes to the external port */
  if (a->icmp)
    a->rev.sport = port; /* an echo identifier is both "ports" */
}

static long nat_try_port(__u32 i, void *data) {
  struct nat_alloc *a = data;
  if (!a->size)
    return 1;
  __u32 port = a->min + (a->start + i) % a->size;
  nat_set_reply_port(a, bpf_htons((__u16)port));
  long err = pcn_xlate_claim(&nat_sessions, &nat_reverse, &a->rev, &a->orig, a->now);
  if (!err) {
    a->found = 1;
    return 1;
  }
  if (err != -PCN_XLATE_EEXIST) {
    a->full = 1;
    return 1;
  }
  return 0;
}

/* SNAT: gives `to` (the packet's tuple with the external source address)
 * an external port, or ICMP identifier, whose reply tuple no live session
 * holds, and claims it: the original one if it is in the range and free,
 * else the first free one from a random point of the range. Protocols
 * without ports keep their tuple (claimed as is). 0, or -1 when the range
 * is exhausted, -2 when the table is full. */
static __always_inline int nat_alloc_port(struct pcn_tuple *to, const struct pcn_tuple *orig, __u8 icmp_echo,
                                          const struct nat_config *cfg, __u64 now) {
  struct nat_alloc a = {.orig = *orig, .now = now, .icmp = icmp_echo};
  pcn_ct_reverse(to, &a.rev);
  __u8 proto = to->proto;
  if (proto != PCN_IPPROTO_TCP && proto != PCN_IPPROTO_UDP && !icmp_echo) {
    long err = pcn_xlate_claim(&nat_sessions, &nat_reverse, &a.rev, orig, now);
    return !err ? 0 : err == -PCN_XLATE_EEXIST ? -1 : -2;
  }
  __u32 min = cfg->port_min, max = cfg->port_max;
  if (!min || max < min)
    return -1;
  a.min = min;
  a.size = max - min + 1;
  __u32 own = bpf_ntohs(to->sport);
  if (own >= min && own <= max) {
    long err = pcn_xlate_claim(&nat_sessions, &nat_reverse, &a.rev, orig, now);
    if (!err)
      return 0;
    if (err != -PCN_XLATE_EEXIST)
      return -2;
  }
  a.start = bpf_get_prandom_u32() % a.size;
  bpf_loop(a.size, nat_try_port, &a, 0);
  if (a.full)
    return -2;
  if (!a.found)
    return -1;
  to->sport = a.rev.dport;
  if (icmp_echo)
    to->dport = a.rev.dport;
  return 0;
}

#define NAT_PASS 0 /* no rule: the packet goes on untranslated */
#define NAT_OK 1
#define NAT_DROP 2

/* The translation of a new flow's first packet (tuple `t`, direction
 * `dir`) by the rules, or NAT_PASS when none applies. */
static __always_inline int nat_rule_for(const struct pcn_pkt *p, __u32 dir, const struct nat_config *cfg,
                                        struct pcn_tuple *to, struct nat_session *s) {
  const struct pcn_tuple *t = &p->tuple;
  *to = *t;
  if (dir == NAT_EGRESS) {
    if (cfg->has_snat) {
      struct nat_lpm_key k = {.prefixlen = 32, .addr = t->saddr};
      struct nat_snat_rule *r = bpf_map_lookup_elem(&nat_snat, &k);
      if (r) {
        to->saddr = r->external;
        s->kind = NAT_K_SNAT;
        s->rule = r->id;
        return NAT_OK;
      }
    }
    if (cfg->masq_addr) {
      to->saddr = cfg->masq_addr;
      s->kind = NAT_K_MASQUERADE;
      s->rule = 0;
      return NAT_OK;
    }
    return NAT_PASS;
  }
  if (cfg->has_pf && p->l4_off && (t->proto == PCN_IPPROTO_TCP || t->proto == PCN_IPPROTO_UDP)) {
    struct nat_pf_key k = {.external = t->daddr, .port = t->dport, .proto = t->proto};
    struct nat_pf_rule *r = bpf_map_lookup_elem(&nat_pf, &k);
    if (r) {
      to->daddr = r->internal;
      to->dport = r->port;
      s->kind = NAT_K_PORTFORWARD;
      s->rule = r->id;
      return NAT_OK;
    }
  }
  if (cfg->has_dnat) {
    __be32 ext = t->daddr;
    struct nat_dnat_rule *r = bpf_map_lookup_elem(&nat_dnat, &ext);
    if (r) {
      to->daddr = r->internal;
      s->kind = NAT_K_DNAT;
      s->rule = r->id;
      return NAT_OK;
    }
  }
  return NAT_PASS;
}

/* A new flow: the rule that applies, an external port for SNAT, the claim
 * of its reply tuple, the session. NAT_OK with the session in `*out` and
 * the translation in `to`; NAT_PASS without a rule; NAT_DROP (counted) when
 * no port, no room, or a clash. */
static __always_inline int nat_create(struct pcn_pkt *p, __u32 dir, __u64 now, struct pcn_tuple *to,
                                      struct nat_session **out) {
  __u32 zero = 0;
  struct nat_config *cfg = bpf_map_lookup_elem(&nat_config, &zero);
  struct nat_stats *st = nat_stats_get();
  if (!cfg || !st)
    return NAT_PASS;
  struct nat_session s = {};
  int r = nat_rule_for(p, dir, cfg, to, &s);
  if (r != NAT_OK)
    return r;
  const struct pcn_tuple *orig = &p->tuple;
  __u8 proto = orig->proto;
  __u8 echo = proto == PCN_IPPROTO_ICMP && p->l4_off &&
              (p->icmp_type == PCN_ICMP_ECHO || p->icmp_type == PCN_ICMP_ECHOREPLY);
  /* A timed-out session of the same flow not collected yet makes room. */
  struct nat_session *old = bpf_map_lookup_elem(&nat_sessions, orig);
  if (old) {
    if (pcn_ct_live(&old->ct, proto, now)) { /* the other direction's: leave both alone */
      st->clashes++;
      return NAT_DROP;
    }
    pcn_xlate_forget(&nat_sessions, &nat_reverse, orig, (struct pcn_xlate_entry *)old);
  }
  if (dir == NAT_EGRESS) {
    int a = nat_alloc_port(to, orig, echo, cfg, now);
    if (a == -1) {
      st->ports_exhausted++;
      return NAT_DROP;
    }
    if (a < 0) {
      st->table_full++;
      return NAT_DROP;
    }
  } else {
    struct pcn_tuple rev;
    pcn_ct_reverse(to, &rev);
    long err = pcn_xlate_claim(&nat_sessions, &nat_reverse, &rev, orig, now);
    if (err) {
      if (err == -PCN_XLATE_EEXIST)
        st->clashes++;
      else
        st->table_full++;
      return NAT_DROP;
    }
  }
  pcn_ct_init(&s.ct, proto, now);
  s.xlated = *to;
  s.dir = dir;
  long err = bpf_map_update_elem(&nat_sessions, orig, &s, BPF_NOEXIST);
  struct pcn_tuple rev;
  pcn_ct_reverse(to, &rev);
  if (err) {
    bpf_map_delete_elem(&nat_reverse, &rev); /* our claim */
    struct nat_session *won = err == -PCN_XLATE_EEXIST ? bpf_map_lookup_elem(&nat_sessions, orig) : 0;
    if (won && won->dir == dir && pcn_ct_live(&won->ct, proto, now)) { /* another CPU was first */
      *to = won->xlated;
      pcn_ct_advance(&won->ct, proto, 0, p->tcp_flags, now);
      *out = won;
      return NAT_OK;
    }
    st->table_full++;
    return NAT_DROP;
  }
  struct nat_session *mine = bpf_map_lookup_elem(&nat_sessions, orig);
  if (!mine)
    return NAT_DROP;
  st->sessions_created++;
  *out = mine;
  return NAT_OK;
}

static __always_inline int nat_main(pcn_ctx_t *ctx, __u32 dir) {
  struct pcn_md *md = pcn_md_get();
  if (!md)
    return PCN_DROP;
  struct pcn_pkt p;
  if (pcn_parse(ctx, &p, PCN_PARSE_L4 | PCN_PARSE_IPV4_ONLY | PCN_PARSE_CSUM_STATE) < 0 || p.family != 4)
    return pcn_transparent_next(ctx, md, dir); /* ARP, IPv6 (no NAT66), ... */
  if (p.frag & PCN_FRAG_LATER) { /* no ports to find its session by: no reassembly here */
    struct nat_stats *st = nat_stats_get();
    if (st)
      st->fragments++;
    return pcn_transparent_next(ctx, md, dir);
  }
  __u64 now = bpf_ktime_get_coarse_ns();
  if (p.quoted_l4_off) {
    if (pcn_xlate_icmp_error(ctx, &p, &nat_sessions, &nat_reverse, now, 0) < 0)
      return PCN_DROP;
    return pcn_transparent_next(ctx, md, dir);
  }
  if (!p.l4_off && (p.tuple.proto == PCN_IPPROTO_TCP || p.tuple.proto == PCN_IPPROTO_UDP))
    return pcn_transparent_next(ctx, md, dir); /* a truncated header: nothing to translate it by */
  struct pcn_tuple to;
  __u8 reply = 0;
  struct nat_session *s = nat_find(&p.tuple, dir, now, &to, &reply);
  if (s) {
    pcn_ct_advance(&s->ct, p.tuple.proto, reply, p.tcp_flags, now);
  } else {
    int r = nat_create(&p, dir, now, &to, &s);
    if (r == NAT_PASS)
      return pcn_transparent_next(ctx, md, dir);
    if (r != NAT_OK || !s)
      return PCN_DROP;
  }
  s->bytes += pcn_pkt_len(ctx);
  if (pcn_rewrite_tuple(ctx, &p, &to))
    return PCN_DROP;
  return pcn_transparent_next(ctx, md, dir);
}

/* Traffic arriving from outside. */
PCN_BLOCK(nat_ingress) { return nat_main(ctx, NAT_INGRESS); }

/* Traffic leaving towards outside. */
PCN_BLOCK(nat_egress) { return nat_main(ctx, NAT_EGRESS); }
