/* Ethernet on the BPF side: MAC address tests and copies, and the VLAN tag
 * the kernel may hold outside the frame in TC. Parsing the frame's own
 * tags is parse.bpf.h's job. */
#pragma once

#include "parse.bpf.h"

/* 1 if the two MAC addresses are equal. */
static __always_inline int pcn_mac_eq(const __u8 *a, const __u8 *b) {
  return a[0] == b[0] && a[1] == b[1] && a[2] == b[2] && a[3] == b[3] && a[4] == b[4] && a[5] == b[5];
}

/* Copies a MAC address. */
static __always_inline void pcn_mac_copy(__u8 *dst, const __u8 *src) {
  dst[0] = src[0];
  dst[1] = src[1];
  dst[2] = src[2];
  dst[3] = src[3];
  dst[4] = src[4];
  dst[5] = src[5];
}

/* 1 for ff:ff:ff:ff:ff:ff. */
static __always_inline int pcn_mac_is_broadcast(const __u8 *m) {
  return (m[0] & m[1] & m[2] & m[3] & m[4] & m[5]) == 0xff;
}

/* 1 for a group address (multicast or broadcast). */
static __always_inline int pcn_mac_is_multicast(const __u8 *m) { return m[0] & 1; }

/* The MAC address as a number (its 48 bits, first byte highest): a map key. */
static __always_inline __u64 pcn_mac_u64(const __u8 *m) {
  return ((__u64)m[0] << 40) | ((__u64)m[1] << 32) | ((__u64)m[2] << 24) | ((__u64)m[3] << 16) | ((__u64)m[4] << 8) |
         (__u64)m[5];
}

/* The Ethernet header, or NULL if the frame is shorter. */
static __always_inline struct ethhdr *pcn_eth(pcn_ctx_t *ctx) { return pcn_pkt_ptr(ctx, 0, sizeof(struct ethhdr)); }

/* TC: 1 and the tag's TCI in `*tci` when the kernel holds a tag with TPID
 * `tpid` (network order) outside the frame (skb->vlan_tci); XDP: 0. */
static __always_inline int pcn_vlan_offloaded(pcn_ctx_t *ctx, __be16 tpid, __u16 *tci) {
#ifdef PCN_XDP
  return 0;
#else
  if (!ctx->vlan_present || ctx->vlan_proto != tpid)
    return 0;
  *tci = (__u16)ctx->vlan_tci;
  return 1;
#endif
}

/* ARP for IPv4 over Ethernet. */
struct pcn_arp {
  __be16 htype;
  __be16 ptype;
  __u8 hlen;
  __u8 plen;
  __be16 op;
  __u8 sha[6];
  __u8 spa[4];
  __u8 tha[6];
  __u8 tpa[4];
} __attribute__((packed));

#define PCN_ARP_REQUEST 1
#define PCN_ARP_REPLY 2

/* An unaligned 4-byte field (ARP's addresses) as a number in network order. */
static __always_inline __be32 pcn_load_be32(const __u8 *p) {
  __be32 v;
  __builtin_memcpy(&v, p, 4);
  return v;
}

/* The ARP header after `eth` if it is IPv4 over Ethernet, else NULL. */
static __always_inline struct pcn_arp *pcn_arp_hdr(pcn_ctx_t *ctx, struct ethhdr *eth) {
  struct pcn_arp *arp = (void *)(eth + 1);
  if ((void *)(arp + 1) > pcn_data_end(ctx))
    return 0;
  if (arp->htype != bpf_htons(1) || arp->ptype != bpf_htons(ETH_P_IP) || arp->hlen != 6 || arp->plen != 4)
    return 0;
  return arp;
}

/* Turns an ARP request into the answer "`ip` is at `mac`" in place,
 * Ethernet header included; the caller sends it back where it came from. */
static __always_inline void pcn_arp_answer(struct ethhdr *eth, struct pcn_arp *arp, const __u8 *mac, __be32 ip) {
  arp->op = bpf_htons(PCN_ARP_REPLY);
  pcn_mac_copy(arp->tha, arp->sha);
  __builtin_memcpy(arp->tpa, arp->spa, 4);
  pcn_mac_copy(arp->sha, mac);
  __builtin_memcpy(arp->spa, &ip, 4);
  pcn_mac_copy(eth->h_dest, eth->h_source);
  pcn_mac_copy(eth->h_source, mac);
}
