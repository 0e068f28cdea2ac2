/* Rewriting IPv4 header fields in place while keeping every checksum that
 * covers them right (csum.bpf.h): addresses (IPv4 header and the TCP/UDP
 * pseudo-header), ports and the ICMP echo identifier (L4 checksum), the TTL,
 * and the same fields of the packet an ICMP error quotes (its IP and L4
 * checksums, and the ICMP checksum over all of them). Each function takes
 * the packet as pcn_parse() left it and keeps p->tuple / p->quoted equal to
 * the bytes. Returns 0, or -1 when a header is not there (nothing changed
 * then, except that an earlier field of the same call may be written). */
#pragma once

#include "csum.bpf.h"

/* Offset of the checksum in the L4 header of `proto`, or -1. */
static __always_inline int pcn_l4_csum_offset(__u8 proto) {
  if (proto == PCN_IPPROTO_TCP)
    return 16;
  if (proto == PCN_IPPROTO_UDP)
    return 6;
  if (proto == PCN_IPPROTO_ICMP)
    return 2;
  return -1;
}

/* Sets the IPv4 source (`dst` 0) or destination (`dst` 1) address. */
static __always_inline int pcn_set_ipv4_addr(pcn_ctx_t *ctx, struct pcn_pkt *p, int dst, __be32 addr) {
  __u32 off = p->l3_off + (dst ? 16 : 12);
  __be32 *a = pcn_pkt_ptr(ctx, off, sizeof(*a));
  if (!a || p->family != 4)
    return -1;
  __be32 old = *a;
  if (old == addr)
    return 0;
  *a = addr;
  __u32 diff = pcn_csum_diff4(old, addr);
  if (pcn_l3_csum_diff(ctx, p->l3_off + 10, diff))
    return -1;
  if (dst)
    p->tuple.daddr = addr;
  else
    p->tuple.saddr = addr;
  __u8 proto = p->tuple.proto;
  if (!p->l4_off || (proto != PCN_IPPROTO_TCP && proto != PCN_IPPROTO_UDP))
    return 0; /* no pseudo-header (ICMP, later fragments, others) */
  return pcn_l4_csum_diff(ctx, p->l4_off + pcn_l4_csum_offset(proto), diff,
                          PCN_CSUM_PSEUDO | (proto == PCN_IPPROTO_UDP ? PCN_CSUM_UDP : 0) |
                              (p->csum_seed ? PCN_CSUM_SEED : 0));
}

/* Sets the TCP/UDP source (`dst` 0) or destination (`dst` 1) port, or the
 * identifier of an ICMP echo request/reply (`dst` ignored: it is both). */
static __always_inline int pcn_set_l4_port(pcn_ctx_t *ctx, struct pcn_pkt *p, int dst, __be16 port) {
  __u8 proto = p->tuple.proto;
  if (!p->l4_off)
    return -1;
  __u32 off;
  if (proto == PCN_IPPROTO_TCP || proto == PCN_IPPROTO_UDP)
    off = p->l4_off + (dst ? 2 : 0);
  else if (proto == PCN_IPPROTO_ICMP && (p->icmp_type == PCN_ICMP_ECHO || p->icmp_type == PCN_ICMP_ECHOREPLY))
    off = p->l4_off + 4;
  else
    return -1;
  __be16 *w = pcn_pkt_ptr(ctx, off, sizeof(*w));
  if (!w)
    return -1;
  __be16 old = *w;
  if (old == port)
    return 0;
  *w = port;
  if (proto == PCN_IPPROTO_ICMP)
    p->tuple.sport = p->tuple.dport = port;
  else if (dst)
    p->tuple.dport = port;
  else
    p->tuple.sport = port;
  return pcn_l4_csum_diff(ctx, p->l4_off + pcn_l4_csum_offset(proto), pcn_csum_diff2(old, port),
                          (proto == PCN_IPPROTO_UDP ? PCN_CSUM_UDP : 0) | (p->csum_seed ? PCN_CSUM_SEED : 0));
}

/* Sets the IPv4 TTL. */
static __always_inline int pcn_set_ipv4_ttl(pcn_ctx_t *ctx, struct pcn_pkt *p, __u8 ttl) {
  __be16 *w = pcn_pkt_ptr(ctx, p->l3_off + 8, sizeof(*w)); /* TTL and protocol: one checksum word */
  if (!w || p->family != 4)
    return -1;
  __be16 old = *w;
  ((__u8 *)w)[0] = ttl;
  p->ttl = ttl;
  return pcn_l3_csum_diff(ctx, p->l3_off + 10, pcn_csum_diff2(old, *w));
}

/* ICMP error: applies `diff` to the quoted packet's L4 checksum (TCP, UDP:
 * only when the quote holds it; a quoted UDP checksum of 0 stays 0);
 * returns what that did to the bytes the ICMP checksum covers. */
static __always_inline __u32 pcn_quoted_l4_csum_diff(pcn_ctx_t *ctx, struct pcn_pkt *p, __u32 diff) {
  __u8 proto = p->quoted.proto;
  if (proto != PCN_IPPROTO_TCP && proto != PCN_IPPROTO_UDP && proto != PCN_IPPROTO_ICMP)
    return 0;
  __sum16 *sum = pcn_pkt_ptr(ctx, p->quoted_l4_off + pcn_l4_csum_offset(proto), sizeof(*sum));
  if (!sum || (proto == PCN_IPPROTO_UDP && !*sum))
    return 0;
  __sum16 old = *sum;
  pcn_csum_apply(sum, diff);
  if (proto == PCN_IPPROTO_UDP && !*sum)
    *sum = (__sum16)0xffff;
  return pcn_csum_diff2(old, *sum);
}

/* ICMP error: sets the source (`dst` 0) or destination (`dst` 1) address
 * of the quoted packet. Updates the quoted IP header checksum, the quoted
 * TCP/UDP checksum when the quote holds it, and the ICMP checksum over all
 * the changed words. */
static __always_inline int pcn_set_quoted_addr(pcn_ctx_t *ctx, struct pcn_pkt *p, int dst, __be32 addr) {
  if (!p->quoted_l4_off || !p->l4_off)
    return -1;
  __be32 *a = pcn_pkt_ptr(ctx, p->quoted_l3_off + (dst ? 16 : 12), sizeof(*a));
  __sum16 *ipsum = pcn_pkt_ptr(ctx, p->quoted_l3_off + 10, sizeof(*ipsum));
  if (!a || !ipsum)
    return -1;
  __be32 old = *a;
  if (old == addr)
    return 0;
  __u32 diff = pcn_csum_diff4(old, addr);
  __u32 icmp_diff = diff; /* every byte below is ICMP payload */
  *a = addr;
  __sum16 oldsum = *ipsum;
  pcn_csum_apply(ipsum, diff);
  icmp_diff += pcn_csum_diff2(oldsum, *ipsum);
  if (p->quoted.proto != PCN_IPPROTO_ICMP) /* addresses are in TCP/UDP pseudo-headers only */
    icmp_diff += pcn_quoted_l4_csum_diff(ctx, p, diff);
  if (dst)
    p->quoted.daddr = addr;
  else
    p->quoted.saddr = addr;
  return pcn_l4_csum_diff(ctx, p->l4_off + 2, icmp_diff, 0);
}

/* ICMP error: sets the source (`dst` 0) or destination (`dst` 1) port of
 * the quoted TCP/UDP packet, or the identifier of a quoted echo (`dst`
 * ignored). Updates the quoted L4 checksum when the quote holds it and the
 * ICMP checksum. */
static __always_inline int pcn_set_quoted_port(pcn_ctx_t *ctx, struct pcn_pkt *p, int dst, __be16 port) {
  if (!p->quoted_l4_off || !p->l4_off)
    return -1;
  __u8 proto = p->quoted.proto;
  __u32 off;
  if (proto == PCN_IPPROTO_TCP || proto == PCN_IPPROTO_UDP)
    off = p->quoted_l4_off + (dst ? 2 : 0);
  else if (proto == PCN_IPPROTO_ICMP)
    off = p->quoted_l4_off + 4;
  else
    return -1;
  __be16 *w = pcn_pkt_ptr(ctx, off, sizeof(*w));
  if (!w)
    return -1;
  __be16 old = *w;
  if (old == port)
    return 0;
  *w = port;
  __u32 diff = pcn_csum_diff2(old, port);
  /* A quoted ICMP checksum covers its id; TCP/UDP checksums cover ports. */
  __u32 icmp_diff = diff + pcn_quoted_l4_csum_diff(ctx, p, diff);
  if (proto == PCN_IPPROTO_ICMP)
    p->quoted.sport = p->quoted.dport = port;
  else if (dst)
    p->quoted.dport = port;
  else
    p->quoted.sport = port;
  return pcn_l4_csum_diff(ctx, p->l4_off + 2, icmp_diff, 0);
}

/* Rewrites the packet's addresses and ports (ICMP echo: identifier) to
 * `to`, every checksum included; the fields that do not change are not
 * touched. */
static __always_inline int pcn_rewrite_tuple(pcn_ctx_t *ctx, struct pcn_pkt *p, const struct pcn_tuple *to) {
  if (to->saddr != p->tuple.saddr && pcn_set_ipv4_addr(ctx, p, 0, to->saddr))
    return -1;
  if (to->daddr != p->tuple.daddr && pcn_set_ipv4_addr(ctx, p, 1, to->daddr))
    return -1;
  if (to->sport != p->tuple.sport && pcn_set_l4_port(ctx, p, 0, to->sport))
    return -1;
  if (to->dport != p->tuple.dport && pcn_set_l4_port(ctx, p, 1, to->dport))
    return -1;
  return 0;
}
