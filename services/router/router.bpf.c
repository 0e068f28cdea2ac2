/* router: an IPv4 router. Longest-prefix match in an LPM trie, next-hop MACs
 * from a neighbour (ARP) table, ARP answers for its own addresses and ICMP
 * echo replies in the kernel; what needs a new packet (ARP requests, ICMP
 * errors) or waiting (frames for an unresolved next hop) goes to the slow
 * path. Every header is rewritten in place: the frame never changes size. */
#include <polycube/pcn.bpf.h>
#include <polycube/csum.bpf.h>
#include <polycube/eth.bpf.h>
#include <polycube/parse.bpf.h>
#include "router_shared.h"

/* Per port: its MAC and primary address, indexed by port index. */
struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, RT_MAX_PORTS);
  __type(key, __u32);
  __type(value, struct rt_port);
} rt_ports SEC(".maps");

/* The router's own addresses (primary and secondary) -> port they are on. */
struct {
  __uint(type, BPF_MAP_TYPE_HASH);
  __uint(max_entries, RT_MAX_ADDRS);
  __type(key, __u32);
  __type(value, struct rt_addr);
} rt_addrs SEC(".maps");

/* Routing table: best route per prefix (connected and static), LPM. */
struct {
  __uint(type, BPF_MAP_TYPE_LPM_TRIE);
  __uint(max_entries, RT_MAX_ROUTES);
  __uint(map_flags, BPF_F_NO_PREALLOC);
  __type(key, struct rt_lpm_key);
  __type(value, struct rt_route);
} rt_routes SEC(".maps");

/* Neighbour table: IPv4 address -> MAC, port and last confirmation. */
struct {
  __uint(type, BPF_MAP_TYPE_LRU_HASH);
  __uint(max_entries, RT_ARP_SIZE);
  __type(key, __u32);
  __type(value, struct rt_arp_entry);
} rt_arp SEC(".maps");

/* Route cache for big tables (see struct rt_rcache_entry); per-CPU LRU
 * lists, so a scan of destinations contends on no shared list. */
struct {
  __uint(type, BPF_MAP_TYPE_LRU_HASH);
  __uint(max_entries, RT_RCACHE_SIZE);
  __uint(map_flags, BPF_F_NO_COMMON_LRU);
  __type(key, __u32);
  __type(value, struct rt_rcache_entry);
} rt_rcache SEC(".maps");

/* ARP aging time and route-table generation (one entry). */
struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, 1);
  __type(key, __u32);
  __type(value, struct rt_config);
} rt_config SEC(".maps");

/* CLOCK_MONOTONIC seconds. The coarse clock (last tick) is enough for
 * one-second timestamps and, unlike bpf_ktime_get_ns, reads no clock source
 * (read_tsc showed as ~2% of the forwarding path's CPU under perf). It may
 * lag the control plane's clock_gettime by a tick, so an age is a signed
 * difference (a timestamp a tick ahead is age -1, still fresh). */
static __always_inline __u64 now_seconds(void) { return bpf_ktime_get_coarse_ns() / 1000000000ull; }

/* Learn or refresh a neighbour; writes at most once a second per address. */
static __always_inline void arp_learn(__u32 ip, const __u8 *mac, __u32 port) {
  __u64 now = now_seconds();
  struct rt_arp_entry *e = bpf_map_lookup_elem(&rt_arp, &ip);
  if (e && e->port == port && e->timestamp == now && pcn_mac_eq(e->mac, mac))
    return;
  struct rt_arp_entry fresh = {.port = port, .timestamp = now};
  pcn_mac_copy(fresh.mac, mac);
  bpf_map_update_elem(&rt_arp, &ip, &fresh, BPF_ANY);
}

/* ARP: answer requests for an address of the input port, learn the sender
 * of requests and replies aimed at us, hand replies to the control plane
 * (it sends the frames queued for that neighbour). Everything else drops. */
static __always_inline int handle_arp(pcn_ctx_t *ctx, struct pcn_md *md, struct ethhdr *eth,
                                      struct rt_port *pin) {
  struct pcn_arp *arp = pcn_arp_hdr(ctx, eth); /* IPv4 over Ethernet, the only kind the router speaks */
  if (!arp)
    return pcn_drop_counted(md->gport_in);
  if (!pcn_mac_is_broadcast(eth->h_dest) && !pcn_mac_eq(eth->h_dest, pin->mac))
    return PCN_DROP; /* another host's business on a shared segment */
  __u32 tpa = pcn_load_be32(arp->tpa), spa = pcn_load_be32(arp->spa);
  struct rt_addr *own = bpf_map_lookup_elem(&rt_addrs, &tpa);
  if (!own || own->port != md->in_port)
    return PCN_DROP;
  if (spa && !(arp->sha[0] & 1) && !bpf_map_lookup_elem(&rt_addrs, &spa))
    arp_learn(spa, arp->sha, md->in_port);
  if (arp->op == bpf_htons(PCN_ARP_REPLY))
    return pcn_punt(ctx, md, RT_REASON_ARP_REPLY);
  if (arp->op != bpf_htons(PCN_ARP_REQUEST))
    return PCN_DROP;
  pcn_arp_answer(eth, arp, pin->mac, tpa); /* the request becomes the reply in place */
  return pcn_redirect_port(ctx, md, md->in_port);
}

#ifndef PCN_XDP
#define PACKET_HOST 0
#endif

/* Send the finished frame out of port `out`. TC: when the port leads
 * straight to a veth whose other end is in another namespace, deliver to
 * that end's ingress directly (what the veth would do after a transmit and
 * a trip through the backlog queue). The frame is for that host (its MAC
 * was just written), so it is marked PACKET_HOST: the peer's stack must not
 * see the "other host" type computed on our input netdev. */
static __always_inline int send_out(pcn_ctx_t *ctx, struct pcn_md *md, __u32 out, struct rt_port *pout) {
#ifndef PCN_XDP
  if (pout->flags & RT_PORT_F_PEER_NS) {
    struct pcn_port_cfg *cfg = bpf_map_lookup_elem(&pcn_ports, &out);
    if (cfg && (cfg->flags & PCN_PORT_F_UP) && cfg->egress.kind == PCN_T_NETDEV &&
        cfg->egress.id == pout->peer_ifindex) {
      pcn_count_tx(ctx, cfg->gport);
      bpf_skb_change_type(ctx, PACKET_HOST);
      return bpf_redirect_peer(cfg->egress.id, 0);
    }
  }
#endif
  return pcn_redirect_port(ctx, md, out);
}

/* Route the IPv4 packet at `ip` towards its destination: LPM lookup, TTL
 * (when `transit`), MACs from the output port and the neighbour table. No
 * route: ICMP unreachable via the slow path (transit) or drop (our own
 * replies). Unknown neighbour: punt the finished frame; the control plane
 * resolves it and sends the frame. */
static __always_inline int route_out(pcn_ctx_t *ctx, struct pcn_md *md, struct ethhdr *eth, struct iphdr *ip,
                                     int transit) {
  __u32 zero = 0;
  struct rt_config *cfg = bpf_map_lookup_elem(&rt_config, &zero);
  __u32 gen = cfg ? cfg->route_gen : 0; /* read before the trie: see rt_rcache_entry */
  __u32 aging = cfg ? cfg->arp_aging : RT_DEFAULT_ARP_AGING;
  __u32 daddr = ip->daddr, rnh, out;
  struct rt_rcache_entry *c = gen ? bpf_map_lookup_elem(&rt_rcache, &daddr) : 0;
  if (c && c->gen == gen) {
    rnh = c->nexthop;
    out = c->port;
  } else {
    struct rt_lpm_key key = {.prefixlen = 32, .addr = daddr};
    struct rt_route *r = bpf_map_lookup_elem(&rt_routes, &key);
    if (!r) {
      if (transit)
        return pcn_punt(ctx, md, RT_REASON_NO_ROUTE);
      return pcn_drop_counted(md->gport_in);
    }
    rnh = r->nexthop;
    out = r->port;
    if (gen) {
      struct rt_rcache_entry fresh = {.nexthop = rnh, .port = out, .gen = gen};
      bpf_map_update_elem(&rt_rcache, &daddr, &fresh, BPF_ANY);
    }
  }
  __u32 nexthop = rnh ? rnh : daddr;
  struct rt_port *pout = bpf_map_lookup_elem(&rt_ports, &out);
  if (!pout || !(pout->flags & RT_PORT_F_VALID))
    return pcn_drop_counted(md->gport_in);
  if (transit) {
    if (ip->ttl <= 1)
      return pcn_punt(ctx, md, RT_REASON_TTL_EXCEEDED);
    __u16 old = *(__u16 *)&ip->ttl; /* ttl and protocol form one checksum word */
    ip->ttl--;
    pcn_csum_replace2(&ip->check, old, *(__u16 *)&ip->ttl);
  }
  pcn_mac_copy(eth->h_source, pout->mac);
  struct rt_arp_entry *n = bpf_map_lookup_elem(&rt_arp, &nexthop);
  if (n && (__s64)(now_seconds() - n->timestamp) <= (__s64)aging) {
    pcn_mac_copy(eth->h_dest, n->mac);
    return send_out(ctx, md, out, pout);
  }
  md->user[0] = nexthop;
  md->user[1] = out;
  return pcn_punt(ctx, md, RT_REASON_ARP_MISS);
}

/* A packet for one of our addresses: echo requests are answered (the reply
 * is routed like any packet we originate); the rest is dropped. */
static __always_inline int handle_local(pcn_ctx_t *ctx, struct pcn_md *md, struct ethhdr *eth, struct iphdr *ip,
                                        __u32 l3_off) {
  if (ip->protocol != PCN_IPPROTO_ICMP || (ip->frag_off & bpf_htons(PCN_IP_MF | PCN_IP_OFFSET)))
    return pcn_drop_counted(md->gport_in);
  struct pcn_icmp_hdr *icmp = pcn_pkt_ptr(ctx, l3_off + ip->ihl * 4, sizeof(*icmp));
  if (!icmp)
    return pcn_drop_counted(md->gport_in);
  if (icmp->type != PCN_ICMP_ECHO || icmp->code != 0)
    return pcn_drop_counted(md->gport_in);
  __u16 old = *(__u16 *)icmp;
  icmp->type = PCN_ICMP_ECHOREPLY;
  pcn_csum_replace2(&icmp->checksum, old, *(__u16 *)icmp);
  __u32 src = ip->saddr;
  ip->saddr = ip->daddr; /* swapping addresses leaves the header sum as is */
  ip->daddr = src;
  old = *(__u16 *)&ip->ttl;
  ip->ttl = 64;
  pcn_csum_replace2(&ip->check, old, *(__u16 *)&ip->ttl);
  return route_out(ctx, md, eth, ip, 0);
}

PCN_BLOCK(rt_main) {
  struct pcn_md *md = pcn_md_get();
  if (!md)
    return PCN_DROP;
  struct pcn_pkt p;
  if (pcn_parse(ctx, &p, PCN_PARSE_L3 | PCN_PARSE_IPV4_ONLY) < 0)
    return pcn_drop_counted(md->gport_in);
  struct ethhdr *eth = pcn_eth(ctx);
  if (!eth)
    return pcn_drop_counted(md->gport_in);
  __u32 in_port = md->in_port;
  struct rt_port *pin = bpf_map_lookup_elem(&rt_ports, &in_port);
  if (!pin || !(pin->flags & RT_PORT_F_VALID))
    return pcn_drop_counted(md->gport_in);
  if (p.nvlan)
    return PCN_DROP; /* tagged frames are not routed */
  if (p.l3_proto == bpf_htons(ETH_P_ARP))
    return handle_arp(ctx, md, eth, pin);
  if (p.l3_proto != bpf_htons(ETH_P_IP))
    return PCN_DROP; /* IPv6, LLDP, ...: not routed */
  if (!pcn_mac_eq(eth->h_dest, pin->mac))
    return PCN_DROP; /* L2 broadcast/multicast or another host's frame */
  struct iphdr *ip = pcn_pkt_ptr(ctx, p.l3_off, sizeof(*ip));
  if (p.family != 4 || !ip)
    return pcn_drop_counted(md->gport_in);
  __u32 daddr = ip->daddr;
  if (bpf_map_lookup_elem(&rt_addrs, &daddr))
    return handle_local(ctx, md, eth, ip, p.l3_off);
  /* Multicast, limited broadcast and 0/8 are not forwarded. */
  __u8 first = ((__u8 *)&ip->daddr)[0];
  if (first >= 224 || first == 0)
    return PCN_DROP;
  return route_out(ctx, md, eth, ip, 1);
}
