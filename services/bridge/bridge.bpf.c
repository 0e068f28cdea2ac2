/* bridge: an 802.1Q learning bridge. Classifies each frame into a VLAN by
 * its ingress port (access / trunk), learns (VLAN, source MAC), forwards
 * known unicast to its port and floods the rest to the VLAN's member ports
 * in the kernel, adding or removing the 802.1Q tag per egress port. BPDUs go
 * to the control plane, which runs the spanning tree and writes each port's
 * state into br_ports. */
#include <polycube/pcn.bpf.h>
#include <polycube/eth.bpf.h>
#include <polycube/parse.bpf.h>
#include <polycube/learned.bpf.h>
#include "bridge_shared.h"

#define ETH_P_8021Q_BE bpf_htons(0x8100)

/* Port configuration: mode, VLANs, spanning-tree state (by port index). */
struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, BR_MAX_PORTS);
  __type(key, __u32);
  __type(value, struct br_port);
} br_ports SEC(".maps");

/* Filtering database: (VLAN, MAC) -> port, static flag, last-seen time. */
struct {
  __uint(type, BPF_MAP_TYPE_LRU_HASH);
  __uint(max_entries, BR_FDB_SIZE);
  __type(key, struct br_fdb_key);
  __type(value, struct br_fdb_entry);
} br_fdb SEC(".maps");

/* Keys added to br_fdb (polycube/learned_table.h): lets the control plane
 * read a nearly empty FDB without walking its 65,536 buckets. */
PCN_LEARNED_GENERATION(br_fdb_gen);

/* Aging time, number of ports, STP on/off (one entry). */
struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, 1);
  __type(key, __u32);
  __type(value, struct br_config);
} br_config SEC(".maps");

/* Port indices to flood to, dense in [0, nports). */
struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, BR_MAX_PORTS);
  __type(key, __u32);
  __type(value, __u32);
} br_flood_ports SEC(".maps");

/* XDP flooding: port index -> {ifindex, br_devmap_egress} of netdev ports. */
struct {
  __uint(type, BPF_MAP_TYPE_DEVMAP_HASH);
  __uint(max_entries, BR_MAX_PORTS);
  __type(key, __u32);
  __type(value, struct bpf_devmap_val);
} br_devmap SEC(".maps");

/* XDP flooding: egress ifindex -> port index, for the devmap program. */
struct {
  __uint(type, BPF_MAP_TYPE_HASH);
  __uint(max_entries, BR_MAX_PORTS);
  __type(key, __u32);
  __type(value, __u32);
} br_ifport SEC(".maps");

/* Floods, VLAN and STP drops, BPDUs (per CPU). */
struct {
  __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
  __uint(max_entries, 1);
  __type(key, __u32);
  __type(value, struct br_counters);
} br_counters SEC(".maps");

/* Flood rate limit: per-CPU token bucket. */
struct {
  __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
  __uint(max_entries, 1);
  __type(key, __u32);
  __type(value, struct br_flood_budget);
} br_flood_budget SEC(".maps");

static __always_inline struct br_counters *counters(void) {
  __u32 zero = 0;
  return bpf_map_lookup_elem(&br_counters, &zero);
}

/* -1: `p` is not in `vlan`; 0: member, untagged; 1: member, tagged. */
static __always_inline int egress_tagging(const struct br_port *p, __u32 vlan) {
  if (!p->configured || vlan == 0 || vlan >= 4095)
    return -1;
  if (vlan == p->pvid)
    return 0;
  if (p->mode != BR_MODE_TRUNK)
    return -1;
  __u32 word = vlan >> 6;
  asm volatile("" : "+r"(word)); /* keep the mask: the verifier needs it */
  word &= BR_VLAN_WORDS - 1;
  if ((p->tagged[word] >> (vlan & 63)) & 1)
    return 1;
  return -1;
}

/* The VLAN a frame belongs to on ingress port `p` (0: not accepted). */
static __always_inline __u32 ingress_vlan(const struct br_port *p, int tagged, __u32 vid) {
  if (!p->configured)
    return 0;
  if (!tagged)
    return p->pvid; /* 0 for a trunk without native VLAN */
  if (p->mode == BR_MODE_TRUNK && egress_tagging(p, vid) >= 0)
    return vid;
  return 0; /* tagged on an access port, or VLAN not allowed */
}

/* ---- tag push/pop ---- */

#ifdef PCN_XDP
/* In XDP the tag is in the frame: move the MAC addresses by 4 bytes. */
static __always_inline int tag_push(pcn_ctx_t *ctx, __u32 vlan) {
  void *data = pcn_data(ctx), *end = pcn_data_end(ctx);
  if (data + 12 > end)
    return -1;
  __u8 macs[12];
  __builtin_memcpy(macs, data, 12);
  if (bpf_xdp_adjust_head(ctx, -4))
    return -1;
  data = pcn_data(ctx);
  end = pcn_data_end(ctx);
  if (data + ETH_HLEN + 4 > end)
    return -1;
  __builtin_memcpy(data, macs, 12);
  __be16 *w = data + 12; /* TPID, then TCI; the old EtherType follows */
  w[0] = ETH_P_8021Q_BE;
  w[1] = bpf_htons(vlan & 0xfff);
  return 0;
}

static __always_inline int tag_pop(pcn_ctx_t *ctx) {
  void *data = pcn_data(ctx), *end = pcn_data_end(ctx);
  if (data + ETH_HLEN + 4 > end)
    return -1;
  __u8 macs[12];
  __builtin_memcpy(macs, data, 12);
  if (bpf_xdp_adjust_head(ctx, 4))
    return -1;
  data = pcn_data(ctx);
  end = pcn_data_end(ctx);
  if (data + 12 > end)
    return -1;
  __builtin_memcpy(data, macs, 12);
  return 0;
}
#else
/* In TC the kernel keeps the tag out of the frame (skb->vlan_tci). */
static __always_inline int tag_push(pcn_ctx_t *ctx, __u32 vlan) {
  return bpf_skb_vlan_push(ctx, ETH_P_8021Q_BE, vlan & 0xfff) ? -1 : 0;
}
static __always_inline int tag_pop(pcn_ctx_t *ctx) { return bpf_skb_vlan_pop(ctx) ? -1 : 0; }
#endif

/* Make the frame carry the tag of `vlan` (want = 1) or no tag (want = 0).
 * A global function: the verifier checks it once, not at every call site
 * (inlined, the combinations of call sites exhaust its budget in XDP). */
__attribute__((noinline)) int br_set_tag(pcn_ctx_t *ctx, int have, int want, __u32 vlan) {
  if (!ctx || have == want)
    return 0;
  return want ? tag_push(ctx, vlan) : tag_pop(ctx);
}
#define set_tag br_set_tag

/* ---- flooding ---- */

/* State of one flood, walked with bpf_loop so the verifier checks the body
 * once whatever the number of ports. */
struct flood_state {
  pcn_ctx_t *ctx;
  __u32 in_port;
  __u32 vlan;
  int pass;        /* TC: send to ports wanting this tagging (0 / 1) */
  __u32 cube_port; /* first member port whose peer is a cube/transparent stack */
  int cube_tag;    /* its tagging */
  __u32 cubes;     /* how many such ports */
  __u32 netdevs;   /* member ports whose peer is a netdev */
};

static long flood_one(__u32 i, void *data) {
  struct flood_state *st = data;
  __u32 *pi = bpf_map_lookup_elem(&br_flood_ports, &i);
  if (!pi)
    return 1;
  __u32 port = *pi;
  if (port == st->in_port)
    return 0;
  struct br_port *p = bpf_map_lookup_elem(&br_ports, &port);
  if (!p || p->stp_state != BR_STP_FORWARDING)
    return 0;
  int tag = egress_tagging(p, st->vlan);
  if (tag < 0)
    return 0;
  __u32 kind = pcn_port_kind(port);
  if (kind == PCN_T_NETDEV) {
#ifndef PCN_XDP
    if (tag == st->pass)
      pcn_clone_to_port(st->ctx, port);
#endif
    st->netdevs++;
  } else if (kind == PCN_T_PROG && st->pass == 0) { /* counted once */
    if (!st->cubes) {
      st->cube_port = port;
      st->cube_tag = tag;
    }
    st->cubes++;
  }
  return 0;
}

/* Flooding within `vlan`. TC: a clone per netdev member port, untagged ones
 * first, then (one push or pop later) tagged ones. XDP: the frame is made
 * tagged and broadcast through br_devmap, whose egress program drops it on
 * non-members and untags it where needed. A member port leading into a cube
 * needs a tail call, which consumes the packet: when it is the only one it
 * gets the packet itself, otherwise the control plane gets one untagged or
 * tagged copy (md.user[0] = VLAN) and sends it out of each such port. */
/* 1 if a flood may go now, 0 if over the per-CPU budget of `pps`. */
static __always_inline int flood_allowed(__u32 pps) {
  if (!pps)
    return 1;
  __u32 zero = 0;
  struct br_flood_budget *b = bpf_map_lookup_elem(&br_flood_budget, &zero);
  if (!b)
    return 1;
  __u64 now = bpf_ktime_get_ns(), burst = pps / 10 + 1;
  __u64 elapsed = now - b->last_ns;
  if (elapsed > 1000000000ull)
    elapsed = 1000000000ull;
  __u64 add = elapsed * pps / 1000000000ull;
  if (add) { /* else keep last_ns: the time accumulates */
    b->tokens = b->tokens + add > burst ? burst : b->tokens + add;
    b->last_ns = now;
  }
  if (!b->tokens)
    return 0;
  b->tokens--;
  return 1;
}

static __always_inline int flood(pcn_ctx_t *ctx, struct pcn_md *md, __u32 nports, __u32 pps, int tagged, __u32 vlan) {
  struct br_counters *c = counters();
  if (!flood_allowed(pps)) {
    if (c)
      c->flood_drops++;
    return pcn_drop_counted(md->gport_in);
  }
  if (c)
    c->floods++;
  if (nports > BR_MAX_PORTS)
    nports = BR_MAX_PORTS;
  struct flood_state st = {.ctx = ctx, .in_port = md->in_port, .vlan = vlan};
#ifdef PCN_XDP
  bpf_loop(nports, flood_one, &st, 0);
  int tail_call_ok = st.cubes == 1 && st.netdevs == 0;
#else
  /* Pass 0 counts cube ports and clones to untagged members; pass 1 clones
   * to tagged members. */
  if (set_tag(ctx, tagged, 0, vlan))
    return pcn_drop_counted(md->gport_in);
  tagged = 0;
  bpf_loop(nports, flood_one, &st, 0);
  if (st.netdevs) {
    struct flood_state st1 = {.ctx = ctx, .in_port = md->in_port, .vlan = vlan, .pass = 1};
    if (set_tag(ctx, 0, 1, vlan))
      return pcn_drop_counted(md->gport_in);
    tagged = 1;
    bpf_loop(nports, flood_one, &st1, 0);
  }
  int tail_call_ok = st.cubes == 1;
#endif
  if (tail_call_ok) {
    if (set_tag(ctx, tagged, st.cube_tag, vlan))
      return pcn_drop_counted(md->gport_in);
    return pcn_redirect_port(ctx, md, st.cube_port);
  }
#ifdef PCN_XDP
  if (set_tag(ctx, tagged, 1, vlan))
    return pcn_drop_counted(md->gport_in);
#else
  /* Bytes seen by the punt never hold a TC offloaded tag: send it untagged. */
  if (st.cubes && set_tag(ctx, tagged, 0, vlan))
    return pcn_drop_counted(md->gport_in);
#endif
  if (st.cubes) {
    md->user[0] = vlan;
    pcn_punt_copy(ctx, md, BR_REASON_FLOOD);
  }
#ifdef PCN_XDP
  if (st.netdevs)
    return bpf_redirect_map(&br_devmap, 0, BPF_F_BROADCAST | BPF_F_EXCLUDE_INGRESS);
#endif
  return PCN_DROP;
}

static __always_inline int is_bpdu(const unsigned char *d) {
  return d[0] == 0x01 && d[1] == 0x80 && d[2] == 0xc2 && d[3] == 0 && d[4] == 0 && d[5] == 0;
}

PCN_BLOCK(br_main) {
  struct pcn_md *md = pcn_md_get();
  __u32 zero = 0;
  struct br_config *cfg = bpf_map_lookup_elem(&br_config, &zero);
  if (!md || !cfg)
    return PCN_DROP;
  struct pcn_pkt p;
  if (pcn_parse(ctx, &p, PCN_PARSE_L2) < 0)
    return pcn_drop_counted(md->gport_in);
  struct ethhdr *eth = pcn_eth(ctx);
  if (!eth)
    return pcn_drop_counted(md->gport_in);
  __u32 in_port = md->in_port;
  struct br_port *in = bpf_map_lookup_elem(&br_ports, &in_port);
  if (!in)
    return pcn_drop_counted(md->gport_in);

  if (cfg->stp && is_bpdu(eth->h_dest)) {
    struct br_counters *c = counters();
    if (c)
      c->bpdus++;
    return pcn_punt(ctx, md, BR_REASON_BPDU);
  }

  /* The 802.1Q tag: offloaded by the kernel into the skb (TC), or in the
   * frame (XDP, or TC behind a tag in the data). 802.1ad is not a tag to
   * this bridge. */
  int tagged = 0;
  __u32 vid = 0;
  __u16 tci;
  if (pcn_vlan_offloaded(ctx, ETH_P_8021Q_BE, &tci)) {
    tagged = 1;
    vid = tci & 0xfff;
  } else if (p.nvlan && p.vlan_tpid[0] == ETH_P_8021Q_BE) {
    tagged = 1;
    vid = bpf_ntohs(p.vlan_tci[0]) & 0xfff;
  }
  __u32 vlan = ingress_vlan(in, tagged, vid);
  if (!vlan) {
    struct br_counters *c = counters();
    if (c)
      c->vlan_drops++;
    return pcn_drop_counted(md->gport_in);
  }
  if (in->stp_state == BR_STP_BLOCKING) {
    struct br_counters *c = counters();
    if (c)
      c->stp_drops++;
    return pcn_drop_counted(md->gport_in);
  }

  __u64 now = bpf_ktime_get_ns() / 1000000000ull;
  struct br_fdb_key key = {.vlan = vlan};
  if (!pcn_mac_is_multicast(eth->h_source)) {
    pcn_mac_copy(key.mac, eth->h_source);
    struct br_fdb_entry *e = bpf_map_lookup_elem(&br_fdb, &key);
    /* Write only on change: one write per MAC per second at most. Static
     * entries are never moved by traffic. */
    if (!e || (!e->is_static && (e->port != in_port || e->timestamp != now))) {
      struct br_fdb_entry fresh = {.port = in_port, .timestamp = now};
      if (bpf_map_update_elem(&br_fdb, &key, &fresh, BPF_ANY) == 0 && !e)
        pcn_learned_added(&br_fdb_gen);
    }
  }
  if (in->stp_state != BR_STP_FORWARDING) { /* learning: learn, no forwarding */
    struct br_counters *c = counters();
    if (c)
      c->stp_drops++;
    return pcn_drop_counted(md->gport_in);
  }

  if (!pcn_mac_is_multicast(eth->h_dest)) {
    pcn_mac_copy(key.mac, eth->h_dest);
    struct br_fdb_entry *e = bpf_map_lookup_elem(&br_fdb, &key);
    if (e && (e->is_static || now - e->timestamp <= cfg->aging_time)) {
      __u32 out_port = e->port;
      if (out_port == in_port)
        return PCN_DROP; /* already on the right segment */
      struct br_port *out = bpf_map_lookup_elem(&br_ports, &out_port);
      if (!out || out->stp_state != BR_STP_FORWARDING)
        return pcn_drop_counted(md->gport_in);
      int want = egress_tagging(out, vlan);
      if (want < 0)
        return pcn_drop_counted(md->gport_in);
      if (set_tag(ctx, tagged, want, vlan))
        return pcn_drop_counted(md->gport_in);
      return pcn_redirect_port(ctx, md, out_port);
    }
  }
  return flood(ctx, md, cfg->nports, cfg->flood_pps, tagged, vlan);
}

#ifdef PCN_XDP
/* Runs on each copy of an XDP flood (a devmap entry's egress program): the
 * copy arrives tagged with its VLAN; drop it where the port is not a
 * forwarding member, untag it where the port wants it untagged. */
SEC("xdp/devmap") int br_devmap_egress(struct xdp_md *ctx) {
  void *data = pcn_data(ctx), *end = pcn_data_end(ctx);
  struct ethhdr *eth = data;
  if ((void *)(eth + 1) + sizeof(struct pcn_vlan_hdr) > end || eth->h_proto != ETH_P_8021Q_BE)
    return XDP_DROP;
  struct pcn_vlan_hdr *t = (void *)(eth + 1);
  __u32 vlan = bpf_ntohs(t->tci) & 0xfff;
  __u32 ifindex = ctx->egress_ifindex;
  __u32 *port = bpf_map_lookup_elem(&br_ifport, &ifindex);
  if (!port)
    return XDP_DROP;
  __u32 idx = *port;
  struct br_port *p = bpf_map_lookup_elem(&br_ports, &idx);
  if (!p || p->stp_state != BR_STP_FORWARDING)
    return XDP_DROP;
  int want = egress_tagging(p, vlan);
  if (want < 0)
    return XDP_DROP;
  if (!want && tag_pop(ctx))
    return XDP_DROP;
  struct pcn_port_cfg *pc = bpf_map_lookup_elem(&pcn_ports, &idx);
  if (pc)
    pcn_count_tx(ctx, pc->gport);
  return XDP_PASS;
}
#endif
