/* simplebridge: a learning L2 switch. Learns source MACs, forwards known
 * unicast to its port and floods the rest in the kernel. */
#include <polycube/pcn.bpf.h>
#include <polycube/eth.bpf.h>
#include <polycube/learned.bpf.h>
#include "simplebridge_shared.h"

/* Filtering database: MAC (low 48 bits) -> port and last-seen time. */
struct {
  __uint(type, BPF_MAP_TYPE_LRU_HASH);
  __uint(max_entries, SB_FDB_SIZE);
  __type(key, __u64);
  __type(value, struct sb_fdb_entry);
} sb_fdb SEC(".maps");

/* Keys added to sb_fdb (polycube/learned_table.h): lets the control plane
 * read a nearly empty FDB without walking its 65,536 buckets. */
PCN_LEARNED_GENERATION(sb_fdb_gen);

/* Aging time and number of ports (one entry). */
struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, 1);
  __type(key, __u32);
  __type(value, struct sb_config);
} sb_config SEC(".maps");

/* Port indices to flood to, dense in [0, nports). */
struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, SB_MAX_PORTS);
  __type(key, __u32);
  __type(value, __u32);
} sb_flood_ports SEC(".maps");

/* XDP flooding: port index -> ifindex of ports whose peer is a netdev. */
struct {
  __uint(type, BPF_MAP_TYPE_DEVMAP_HASH);
  __uint(max_entries, SB_MAX_PORTS);
  __type(key, __u32);
  __type(value, __u32);
} sb_devmap SEC(".maps");

/* State of one flood, walked with bpf_loop so the verifier checks the body
 * once whatever the number of ports. */
struct flood_state {
  pcn_ctx_t *ctx;
  __u32 in_port;
  __u32 cube_port; /* first port whose peer is a cube/transparent stack */
  __u32 cubes;     /* how many such ports */
  __u32 netdevs;   /* ports whose peer is a netdev */
};

static long flood_one(__u32 i, void *data) {
  struct flood_state *st = data;
  __u32 *p = bpf_map_lookup_elem(&sb_flood_ports, &i);
  if (!p)
    return 1;
  __u32 port = *p;
  if (port == st->in_port)
    return 0;
  __u32 kind = pcn_port_kind(port);
  if (kind == PCN_T_NETDEV) {
#ifndef PCN_XDP
    pcn_clone_to_port(st->ctx, port); /* XDP: the devmap broadcast sends it */
#endif
    st->netdevs++;
  } else if (kind == PCN_T_PROG) {
    if (!st->cubes)
      st->cube_port = port;
    st->cubes++;
  } /* PCN_T_DROP: no peer, nothing to send */
  return 0;
}

/* Flooding. Netdev ports get their copy in the kernel: a clone each in TC,
 * the devmap broadcast in XDP. A port leading into a cube (or a transparent
 * stack) needs a tail call, which consumes the packet and cannot be cloned:
 * when it is the only one (and, in XDP, no netdev port needs the broadcast)
 * it gets the packet itself; otherwise one copy goes to the control plane,
 * which sends it out of each such port. */
static __always_inline int flood(pcn_ctx_t *ctx, struct pcn_md *md, __u32 nports) {
  struct flood_state st = {.ctx = ctx, .in_port = md->in_port};
  if (nports > SB_MAX_PORTS)
    nports = SB_MAX_PORTS;
  bpf_loop(nports, flood_one, &st, 0);
#ifdef PCN_XDP
  int tail_call_ok = st.cubes == 1 && st.netdevs == 0;
#else
  int tail_call_ok = st.cubes == 1;
#endif
  if (tail_call_ok)
    return pcn_redirect_port(ctx, md, st.cube_port);
  if (st.cubes)
    pcn_punt_copy(ctx, md, SB_REASON_FLOOD);
#ifdef PCN_XDP
  if (st.netdevs)
    return bpf_redirect_map(&sb_devmap, 0, BPF_F_BROADCAST | BPF_F_EXCLUDE_INGRESS);
#endif
  return PCN_DROP;
}

PCN_BLOCK(sb_main) {
  struct ethhdr *eth = pcn_eth(ctx);
  struct pcn_md *md = pcn_md_get();
  __u32 zero = 0;
  struct sb_config *cfg = bpf_map_lookup_elem(&sb_config, &zero);
  if (!md || !cfg)
    return PCN_DROP;
  if (!eth)
    return pcn_drop_counted(md->gport_in);

  __u64 now = bpf_ktime_get_ns() / 1000000000ull;
  __u32 in_port = md->in_port;
  if (!pcn_mac_is_multicast(eth->h_source)) {
    __u64 src = pcn_mac_u64(eth->h_source);
    struct sb_fdb_entry *e = bpf_map_lookup_elem(&sb_fdb, &src);
    /* Write only on change: one write per MAC per second at most. */
    if (!e || e->port != in_port || e->timestamp != now) {
      struct sb_fdb_entry fresh = {.port = in_port, .timestamp = now};
      if (bpf_map_update_elem(&sb_fdb, &src, &fresh, BPF_ANY) == 0 && !e)
        pcn_learned_added(&sb_fdb_gen);
    }
  }
  if (!pcn_mac_is_multicast(eth->h_dest)) {
    __u64 dst = pcn_mac_u64(eth->h_dest);
    struct sb_fdb_entry *e = bpf_map_lookup_elem(&sb_fdb, &dst);
    if (e && now - e->timestamp <= cfg->aging_time) {
      if (e->port == in_port)
        return PCN_DROP; /* already on the right segment */
      return pcn_redirect_port(ctx, md, e->port);
    }
  }
  return flood(ctx, md, cfg->nports);
}
