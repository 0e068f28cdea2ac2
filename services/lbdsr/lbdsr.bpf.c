/* lbdsr: load balancer, direct server return. On the FRONTEND port it
 * answers ARP for the virtual IP with its own MAC; a packet to the virtual
 * IP leaves through the BACKEND port with the destination MAC of the
 * backend Maglev gives its 5-tuple (the IP packet is untouched: the
 * backends hold the virtual IP on their loopback and answer the client
 * directly, not through here). A flow remembers its backend while that
 * backend stays in the pool. Anything else is dropped. */
#include <polycube/pcn.bpf.h>
#include <polycube/eth.bpf.h>
#include <polycube/maglev.bpf.h>
#include <polycube/parse.bpf.h>
#include "lbdsr_shared.h"

/* Virtual IP and MAC, ports, the pool's Maglev table (one entry). */
struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, 1);
  __type(key, __u32);
  __type(value, struct lbdsr_config);
} lbdsr_config SEC(".maps");

/* Backends by slot: their MAC. */
struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, LBDSR_MAX_BACKENDS);
  __type(key, __u32);
  __type(value, struct lbdsr_backend);
} lbdsr_pool SEC(".maps");

/* Maglev tables: the pool's (and for a moment the one before it). */
PCN_MAGLEV_TABLES(lbdsr_tables, LBDSR_MAX_TABLES);

/* Flows seen (5-tuple) -> the backend they went to. */
struct {
  __uint(type, BPF_MAP_TYPE_LRU_HASH);
  __uint(max_entries, LBDSR_MAX_FLOWS);
  __type(key, struct pcn_tuple);
  __type(value, struct lbdsr_flow);
} lbdsr_flows SEC(".maps");

/* Counters (per CPU). */
struct {
  __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
  __uint(max_entries, 1);
  __type(key, __u32);
  __type(value, struct lbdsr_stats);
} lbdsr_stats SEC(".maps");

/* The MAC of the backend for flow `t`: the one it went to while that one
 * is still in the pool, else Maglev's. NULL when the pool is empty. */
static __always_inline const __u8 *lbdsr_backend_for(const struct lbdsr_config *cfg, const struct pcn_tuple *t,
                                                     struct lbdsr_stats *st) {
  struct lbdsr_flow *f = bpf_map_lookup_elem(&lbdsr_flows, t);
  if (f) {
    __u32 slot = f->slot;
    struct lbdsr_backend *b = bpf_map_lookup_elem(&lbdsr_pool, &slot);
    if (b && b->valid && pcn_mac_eq(b->mac, f->mac))
      return b->mac;
  }
  int v = cfg->table == LBDSR_NO_TABLE ? -1 : pcn_maglev_pick(&lbdsr_tables, cfg->table, pcn_maglev_flow_hash(t));
  if (v < 0)
    return 0;
  __u32 slot = (__u32)v;
  struct lbdsr_backend *b = bpf_map_lookup_elem(&lbdsr_pool, &slot);
  if (!b || !b->valid)
    return 0;
  struct lbdsr_flow nf = {.slot = (__u16)slot};
  pcn_mac_copy(nf.mac, b->mac);
  bpf_map_update_elem(&lbdsr_flows, t, &nf, BPF_ANY);
  st->flows_created++;
  return b->mac;
}

PCN_BLOCK(lbdsr_main) {
  struct pcn_md *md = pcn_md_get();
  __u32 zero = 0;
  struct lbdsr_config *cfg = bpf_map_lookup_elem(&lbdsr_config, &zero);
  struct lbdsr_stats *st = bpf_map_lookup_elem(&lbdsr_stats, &zero);
  if (!md || !cfg || !st)
    return PCN_DROP;
  if (md->in_port != cfg->frontend_port || !cfg->vip)
    goto other;
  struct pcn_pkt p;
  if (pcn_parse(ctx, &p, PCN_PARSE_L4 | PCN_PARSE_IPV4_ONLY) < 0)
    goto other;
  struct ethhdr *eth = pcn_eth(ctx);
  if (!eth)
    goto other;
  if (p.l3_proto == bpf_htons(ETH_P_ARP)) {
    struct pcn_arp *arp = pcn_arp_hdr(ctx, eth);
    if (!arp || arp->op != bpf_htons(PCN_ARP_REQUEST) || pcn_load_be32(arp->tpa) != cfg->vip)
      goto other;
    pcn_arp_answer(eth, arp, cfg->mac, cfg->vip);
    st->arp_answered++;
    return pcn_redirect_port(ctx, md, md->in_port);
  }
  if (p.family != 4 || p.tuple.daddr != cfg->vip)
    goto other;
  /* Later fragments have no ports: they go by addresses alone (the flow of
   * their first fragment may differ; TCP avoids fragments). */
  const __u8 *mac = lbdsr_backend_for(cfg, &p.tuple, st);
  if (!mac) {
    st->no_backend++;
    return pcn_drop_counted(md->gport_in);
  }
  eth = pcn_eth(ctx); /* the lookups may not move data, but take it again after them */
  if (!eth)
    return PCN_DROP;
  pcn_mac_copy(eth->h_dest, mac);
  pcn_mac_copy(eth->h_source, cfg->mac);
  st->balanced++;
  return pcn_redirect_port(ctx, md, cfg->backend_port);
other:
  st->other++;
  return pcn_drop_counted(md->gport_in);
}
