/* lbrp: load balancer, reverse proxy. From a frontend port, a new flow to
 * a service (virtual IP, port, protocol) gets a backend by Maglev over its
 * 5-tuple and a session, and leaves through the backend port with its
 * destination translated; its later packets and its replies follow the
 * session (lbrp_shared.h), the replies leaving through the frontend port
 * the flow came from with the virtual address and port back. ICMP echo
 * requests to a virtual IP are answered here; ICMP errors about a
 * balanced flow are translated. Everything else crosses unchanged (ARP,
 * IPv6, traffic to other addresses), so the cube sits on a link like a
 * wire that balances. Parsing, checksums, connection tracking and the
 * translation helpers are the packet library's; Maglev is libpolycube's. */
/* TC: skb->data read through one load from ctx each time (pcn.bpf.h):
 * this program is large enough for clang to spill ctx + offsetof(data). */
#define PCN_CTX_DATA_ASM 1
#include <polycube/pcn.bpf.h>
#include <polycube/conntrack.bpf.h>
#include <polycube/eth.bpf.h>
#include <polycube/maglev.bpf.h>
#include <polycube/parse.bpf.h>
#include <polycube/rewrite.bpf.h>
#include <polycube/xlate.bpf.h>
#include "lbrp_shared.h"

/* Balanced flows, keyed by their first packet's tuple (client -> vip:vport). */
struct {
  __uint(type, BPF_MAP_TYPE_HASH);
  __uint(max_entries, LBRP_MAX_SESSIONS);
  __uint(map_flags, BPF_F_NO_PREALLOC);
  __type(key, struct pcn_tuple);
  __type(value, struct lbrp_session);
} lbrp_sessions SEC(".maps");

/* Reply tuple (backend:port -> client) -> the first packet's tuple. */
struct {
  __uint(type, BPF_MAP_TYPE_HASH);
  __uint(max_entries, LBRP_MAX_SESSIONS);
  __uint(map_flags, BPF_F_NO_PREALLOC);
  __type(key, struct pcn_tuple);
  __type(value, struct pcn_tuple);
} lbrp_reverse SEC(".maps");

/* Services: (vip, vport, proto) -> Maglev table and flags. */
struct {
  __uint(type, BPF_MAP_TYPE_HASH);
  __uint(max_entries, LBRP_MAX_SERVICES);
  __uint(map_flags, BPF_F_NO_PREALLOC);
  __type(key, struct lbrp_service_key);
  __type(value, struct lbrp_service);
} lbrp_services SEC(".maps");

/* Backends: (service, slot) -> address and port. */
struct {
  __uint(type, BPF_MAP_TYPE_HASH);
  __uint(max_entries, LBRP_MAX_BACKENDS);
  __uint(map_flags, BPF_F_NO_PREALLOC);
  __type(key, struct lbrp_backend_key);
  __type(value, struct lbrp_backend);
} lbrp_backends SEC(".maps");

/* Maglev tables: index -> table (one per distinct slots-and-weights). */
PCN_MAGLEV_TABLES(lbrp_tables, LBRP_MAX_TABLES);

/* Virtual IPs -> number of services on them: ICMP echo is answered for these. */
struct {
  __uint(type, BPF_MAP_TYPE_HASH);
  __uint(max_entries, LBRP_MAX_SERVICES);
  __uint(map_flags, BPF_F_NO_PREALLOC);
  __type(key, __be32);
  __type(value, __u32);
} lbrp_vips SEC(".maps");

/* Port index -> LBRP_PORT_FRONTEND / LBRP_PORT_BACKEND. */
struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, LBRP_MAX_PORTS);
  __type(key, __u32);
  __type(value, __u32);
} lbrp_ports SEC(".maps");

/* Port index -> a hash of the port's name (0: none). Read by the control
 * plane only, and kept across a daemon restart: the restarted daemon may
 * give the ports other indexes, and a session names the frontend port of
 * its flow by index (lbrp_session.in_port), so the first configuration
 * after a restart moves the adopted sessions to the new indexes. */
struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, LBRP_MAX_PORTS);
  __type(key, __u32);
  __type(value, __u64);
} lbrp_port_names SEC(".maps");

/* port_mode MULTI: client address -> the frontend port it is behind. */
struct {
  __uint(type, BPF_MAP_TYPE_HASH);
  __uint(max_entries, LBRP_MAX_PORTS);
  __type(key, __be32);
  __type(value, __u32);
} lbrp_frontends SEC(".maps");

/* Backend and default frontend port, lookup switches (one entry). */
struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, 1);
  __type(key, __u32);
  __type(value, struct lbrp_config);
} lbrp_config SEC(".maps");

/* Sessions created and drops (per CPU). */
struct {
  __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
  __uint(max_entries, 1);
  __type(key, __u32);
  __type(value, struct lbrp_stats);
} lbrp_stats SEC(".maps");

static __always_inline struct lbrp_stats *lbrp_stats_get(void) {
  __u32 zero = 0;
  return bpf_map_lookup_elem(&lbrp_stats, &zero);
}

static __always_inline int lbrp_out(pcn_ctx_t *ctx, struct pcn_md *md, __u32 port) {
  if (port == LBRP_NO_PORT)
    return pcn_drop_counted(md->gport_in);
  return pcn_redirect_port(ctx, md, port);
}

/* Where traffic from the backends that belongs to no session goes: the
 * frontend port of its destination (MULTI), else the first one. */
static __always_inline __u32 lbrp_frontend_for(const struct lbrp_config *cfg, __be32 daddr) {
  if (cfg->multi) {
    __u32 *port = bpf_map_lookup_elem(&lbrp_frontends, &daddr);
    if (port)
      return *port;
  }
  return cfg->frontend_port;
}

/* An ICMP echo request to a virtual IP: turned into the reply in place
 * (addresses and MACs swapped, type 0) and sent back where it came from. */
static __always_inline int lbrp_answer_echo(pcn_ctx_t *ctx, struct pcn_md *md, struct pcn_pkt *p) {
  struct ethhdr *eth = pcn_eth(ctx);
  if (!eth)
    return PCN_DROP;
  __u8 mac[ETH_ALEN];
  pcn_mac_copy(mac, eth->h_source);
  pcn_mac_copy(eth->h_source, eth->h_dest);
  pcn_mac_copy(eth->h_dest, mac);
  struct iphdr *ip = pcn_pkt_ptr(ctx, p->l3_off, sizeof(*ip));
  if (!ip)
    return PCN_DROP;
  __be32 a = ip->saddr; /* swapping the two leaves the header checksum as it is */
  ip->saddr = ip->daddr;
  ip->daddr = a;
  if (pcn_set_ipv4_ttl(ctx, p, 64))
    return PCN_DROP;
  __be16 *type = pcn_pkt_ptr(ctx, p->l4_off, sizeof(*type)); /* type and code: one checksum word */
  if (!type)
    return PCN_DROP;
  __be16 old = *type;
  ((__u8 *)type)[0] = PCN_ICMP_ECHOREPLY;
  if (pcn_l4_csum_diff(ctx, p->l4_off + 2, pcn_csum_diff2(old, *type), 0))
    return PCN_DROP;
  struct lbrp_stats *st = lbrp_stats_get();
  if (st)
    st->echo_answered++;
  return pcn_redirect_port(ctx, md, md->in_port);
}

/* The service a new flow is for: its exact port first, then the
 * every-port service of the address. Fills `key` with the one found. */
static __always_inline struct lbrp_service *lbrp_service_of(const struct lbrp_config *cfg, const struct pcn_tuple *t,
                                                            struct lbrp_service_key *key) {
  key->vip = t->daddr;
  key->vport = t->dport;
  key->proto = t->proto;
  key->pad = 0;
  struct lbrp_service *svc = bpf_map_lookup_elem(&lbrp_services, key);
  if (svc || !cfg->any_port)
    return svc;
  key->vport = 0;
  return bpf_map_lookup_elem(&lbrp_services, key);
}

/* A new flow of service `svc`: Maglev picks the backend slot, the session
 * claims its reply tuple and is created. Returns the session (its
 * translation in `to`), or NULL when the packet is to be dropped (counted). */
static __always_inline struct lbrp_session *lbrp_open(struct pcn_pkt *p, const struct lbrp_service_key *key,
                                                      const struct lbrp_service *svc, __u32 in_port, __u64 now,
                                                      struct pcn_tuple *to) {
  struct lbrp_stats *st = lbrp_stats_get();
  if (!st)
    return 0;
  const struct pcn_tuple *orig = &p->tuple;
  int slot = svc->table == LBRP_NO_TABLE ? -1 : pcn_maglev_pick(&lbrp_tables, svc->table, pcn_maglev_flow_hash(orig));
  struct lbrp_backend_key bk = {.svc = *key, .slot = (__u16)slot};
  struct lbrp_backend *be = slot < 0 ? 0 : bpf_map_lookup_elem(&lbrp_backends, &bk);
  if (!be) {
    st->no_backend++;
    return 0;
  }
  *to = *orig;
  to->daddr = be->ip;
  if (be->port)
    to->dport = be->port;
  /* A timed-out session of the same flow not collected yet makes room. */
  struct lbrp_session *old = bpf_map_lookup_elem(&lbrp_sessions, orig);
  if (old)
    pcn_xlate_forget(&lbrp_sessions, &lbrp_reverse, orig, (struct pcn_xlate_entry *)old);
  struct pcn_tuple rev;
  pcn_ct_reverse(to, &rev);
  long err = pcn_xlate_claim(&lbrp_sessions, &lbrp_reverse, &rev, orig, now);
  if (err) {
    if (err == -PCN_XLATE_EEXIST)
      st->clashes++;
    else
      st->table_full++;
    return 0;
  }
  struct lbrp_session s = {.xlated = *to, .in_port = in_port, .slot = (__u16)slot};
  pcn_ct_init(&s.ct, orig->proto, now);
  err = bpf_map_update_elem(&lbrp_sessions, orig, &s, BPF_NOEXIST);
  if (err) {
    bpf_map_delete_elem(&lbrp_reverse, &rev); /* our claim */
    struct lbrp_session *won = err == -PCN_XLATE_EEXIST ? bpf_map_lookup_elem(&lbrp_sessions, orig) : 0;
    if (won && pcn_ct_live(&won->ct, orig->proto, now)) { /* another CPU was first */
      *to = won->xlated;
      pcn_ct_advance(&won->ct, orig->proto, 0, p->tcp_flags, now);
      return won;
    }
    st->table_full++;
    return 0;
  }
  st->sessions_created++;
  return bpf_map_lookup_elem(&lbrp_sessions, orig);
}

static __always_inline int lbrp_from_frontend(pcn_ctx_t *ctx, struct pcn_md *md, const struct lbrp_config *cfg,
                                              struct pcn_pkt *p) {
  __u32 out = cfg->backend_port;
  if (p->family != 4 || (p->frag & PCN_FRAG_LATER))
    return lbrp_out(ctx, md, out); /* ARP, IPv6, later fragments: not ours to translate */
  __u64 now = bpf_ktime_get_coarse_ns();
  __u8 proto = p->tuple.proto;
  if (proto == PCN_IPPROTO_ICMP && p->l4_off && p->icmp_type == PCN_ICMP_ECHO &&
      bpf_map_lookup_elem(&lbrp_vips, &p->tuple.daddr))
    return lbrp_answer_echo(ctx, md, p);
  if (!p->l4_off || (proto != PCN_IPPROTO_TCP && proto != PCN_IPPROTO_UDP))
    return lbrp_out(ctx, md, out);
  struct pcn_tuple to;
  struct lbrp_session *s = bpf_map_lookup_elem(&lbrp_sessions, &p->tuple);
  if (s && pcn_ct_live(&s->ct, proto, now)) {
    to = s->xlated;
    pcn_ct_advance(&s->ct, proto, 0, p->tcp_flags, now);
  } else {
    struct lbrp_service_key key;
    struct lbrp_service *svc = lbrp_service_of(cfg, &p->tuple, &key);
    if (!svc)
      return lbrp_out(ctx, md, out); /* not a service: crosses unchanged */
    s = lbrp_open(p, &key, svc, md->in_port, now, &to);
    if (!s)
      return pcn_drop_counted(md->gport_in);
  }
  s->bytes += pcn_pkt_len(ctx);
  if (pcn_rewrite_tuple(ctx, p, &to))
    return PCN_DROP;
  return lbrp_out(ctx, md, out);
}

static __always_inline int lbrp_from_backend(pcn_ctx_t *ctx, struct pcn_md *md, const struct lbrp_config *cfg,
                                             struct pcn_pkt *p, int parsed) {
  if (parsed < 0 || p->family != 4) {
    __be32 *tip = 0;
    if (parsed == 0 && p->l3_proto == bpf_htons(ETH_P_ARP)) /* ARP: the target protocol address */
      tip = pcn_pkt_ptr(ctx, p->l3_off + 24, sizeof(*tip));
    return lbrp_out(ctx, md, lbrp_frontend_for(cfg, tip ? *tip : 0));
  }
  __u32 out = lbrp_frontend_for(cfg, p->tuple.daddr);
  if (p->frag & PCN_FRAG_LATER)
    return lbrp_out(ctx, md, out);
  __u64 now = bpf_ktime_get_coarse_ns();
  __u8 proto = p->tuple.proto;
  if (!p->l4_off || (proto != PCN_IPPROTO_TCP && proto != PCN_IPPROTO_UDP))
    return lbrp_out(ctx, md, out);
  struct pcn_tuple *o = bpf_map_lookup_elem(&lbrp_reverse, &p->tuple);
  if (!o)
    return lbrp_out(ctx, md, out);
  struct pcn_tuple orig = *o;
  struct lbrp_session *s = bpf_map_lookup_elem(&lbrp_sessions, &orig);
  if (!s || !pcn_ct_live(&s->ct, proto, now))
    return lbrp_out(ctx, md, out);
  pcn_ct_advance(&s->ct, proto, 1, p->tcp_flags, now);
  s->bytes += pcn_pkt_len(ctx);
  out = s->in_port;
  struct pcn_tuple to;
  pcn_ct_reverse(&orig, &to);
  if (pcn_rewrite_tuple(ctx, p, &to))
    return PCN_DROP;
  return lbrp_out(ctx, md, out);
}

/* An ICMP error, maybe about a balanced flow: translated (the error and
 * the packet it quotes) by the flow's session. One from the backends goes
 * to the frontend port its flow came from, so the client sees it about
 * the service; one from a client goes to the backends. */
static __always_inline int lbrp_icmp_error(pcn_ctx_t *ctx, struct pcn_md *md, const struct lbrp_config *cfg,
                                           struct pcn_pkt *p, int from_backend) {
  __u32 out = from_backend ? lbrp_frontend_for(cfg, p->tuple.daddr) : cfg->backend_port;
  struct pcn_xlate_entry *e = 0;
  int r = pcn_xlate_icmp_error(ctx, p, &lbrp_sessions, &lbrp_reverse, bpf_ktime_get_coarse_ns(), &e);
  if (r < 0)
    return PCN_DROP;
  if (from_backend && r > 0 && e)
    out = ((struct lbrp_session *)e)->in_port;
  return lbrp_out(ctx, md, out);
}

PCN_BLOCK(lbrp_main) {
  struct pcn_md *md = pcn_md_get();
  __u32 zero = 0;
  struct lbrp_config *cfg = bpf_map_lookup_elem(&lbrp_config, &zero);
  if (!md || !cfg)
    return PCN_DROP;
  __u32 in = md->in_port;
  __u32 *type = bpf_map_lookup_elem(&lbrp_ports, &in);
  if (!type || *type == LBRP_PORT_NONE)
    return pcn_drop_counted(md->gport_in);
  struct pcn_pkt p;
  int parsed = pcn_parse(ctx, &p, PCN_PARSE_L4 | PCN_PARSE_IPV4_ONLY | PCN_PARSE_CSUM_STATE);
  if (parsed == 0 && p.family == 4 && p.quoted_l4_off && !(p.frag & PCN_FRAG_LATER))
    return lbrp_icmp_error(ctx, md, cfg, &p, *type == LBRP_PORT_BACKEND);
  if (*type == LBRP_PORT_BACKEND)
    return lbrp_from_backend(ctx, md, cfg, &p, parsed);
  if (parsed < 0)
    return lbrp_out(ctx, md, cfg->backend_port);
  return lbrp_from_frontend(ctx, md, cfg, &p);
}
