/* Structs and constants shared by the router's BPF code and its control
 * plane. Addresses are kept in network byte order everywhere (as on the
 * wire), so neither side converts on the hot path. */
#pragma once
#include <linux/types.h>

/* Ports a router can have. */
#define RT_MAX_PORTS 256
/* Capacity of the routing trie (connected + static routes). */
#define RT_MAX_ROUTES (1u << 20)
/* Addresses the router owns (primary + secondary, all ports). */
#define RT_MAX_ADDRS 4096
/* Neighbour (ARP) cache capacity; LRU so a scan cannot block learning. */
#define RT_ARP_SIZE 65536
#define RT_DEFAULT_ARP_AGING 300

/* Value of map rt_ports, indexed by port index. */
struct rt_port {
  __u8 mac[6];   /* MAC the port answers to and sends from */
  __u16 flags;   /* RT_PORT_F_* */
  __u32 ip;      /* primary address (0: none), network order */
  __u32 peer_ifindex; /* RT_PORT_F_PEER_NS: the netdev the port is peered with */
};
#define RT_PORT_F_VALID 1
/* TC only: the port's peer netdev (peer_ifindex) is a veth whose other end
 * lives in another network namespace. Frames out of the port are handed
 * straight to that other end's ingress (bpf_redirect_peer), skipping the
 * veth transmit and a second pass through the per-CPU backlog. Used only
 * while the port's egress target is still exactly that netdev (no
 * transparent cube on the port). */
#define RT_PORT_F_PEER_NS 2

/* Value of map rt_addrs: one of the router's own addresses. */
struct rt_addr {
  __u32 port; /* port index the address is configured on */
};

/* Key of map rt_routes (LPM trie): prefix length then network address. */
struct rt_lpm_key {
  __u32 prefixlen;
  __u32 addr; /* network order */
};

/* Value of map rt_routes: the best route for one prefix. */
struct rt_route {
  __u32 nexthop; /* network order; 0 = connected (the destination itself) */
  __u32 port;    /* output port index */
};

/* Value of map rt_arp, keyed by the neighbour's IPv4 address (network order). */
struct rt_arp_entry {
  __u8 mac[6];
  __u16 pad;
  __u32 port;      /* port index it was learned on */
  __u64 timestamp; /* CLOCK_MONOTONIC seconds of the last confirmation */
};

/* Single entry of map rt_config. */
struct rt_config {
  __u32 arp_aging; /* seconds after which an ARP entry is no longer used */
  __u32 route_gen; /* 0: no route cache; else the generation of the routing
                      table: cache entries of another generation are stale */
};

/* Route cache (map rt_rcache), used only with big tables (at least
 * RT_RCACHE_MIN_ROUTES routes), where a walk of the LPM trie costs tens of
 * ns per packet (perf: trie_lookup_elem ~6% of the forwarding path with
 * 100k routes): destination address -> the LPM result, tagged with the
 * table generation it was read under. The control plane bumps the
 * generation after every change of the table, so no entry outlives one. */
#define RT_RCACHE_SIZE 16384
#define RT_RCACHE_MIN_ROUTES 1024
struct rt_rcache_entry {
  __u32 nexthop; /* as in struct rt_route */
  __u32 port;
  __u32 gen;     /* rt_config.route_gen when the trie was read */
};

/* Slow-path reasons. md.user[0] = next hop (network order), md.user[1] =
 * output port for RT_REASON_ARP_MISS. */
#define RT_REASON_ARP_MISS 1     /* next hop MAC unknown: frame ready but for eth dst */
#define RT_REASON_ARP_REPLY 2    /* ARP reply to one of our addresses (already learned) */
#define RT_REASON_TTL_EXCEEDED 3 /* frame as received; answer ICMP type 11 */
#define RT_REASON_NO_ROUTE 4     /* frame as received; answer ICMP type 3 code 0 */
