/* Incremental checksum updates (RFC 1624) for rewritten header fields,
 * correct in TC and in XDP.
 *
 * L3 (the IPv4 header checksum) always holds a complete checksum, so it is
 * updated in place with the arithmetic below in both hooks.
 *
 * L4 (TCP, UDP, ICMP, and the pseudo-header fields of TCP/UDP): in TC an
 * skb may be CHECKSUM_PARTIAL (sent by a local socket through a veth with
 * checksum offload: the field holds only the pseudo-header sum, the rest is
 * computed at transmit) or CHECKSUM_COMPLETE (skb->csum must follow the
 * bytes); only the kernel knows which, so TC updates go through
 * bpf_l4_csum_replace(), which handles both. XDP updates in place: a
 * complete checksum by RFC 1624, and the bare pseudo-header sum a
 * CHECKSUM_PARTIAL skb carries under generic XDP (the parser tells it
 * apart, pcn_pkt.csum_seed) as the kernel would: address changes added
 * (not inverted), port changes left to the transmit-time computation. UDP
 * over IPv4 may carry no checksum (0): it stays 0, and an update that
 * computes 0 writes 0xffff. */
#pragma once

#include "parse.bpf.h"

/* pcn_l4_csum_replace() flags. */
#define PCN_CSUM_PSEUDO 1 /* the field is in the TCP/UDP pseudo-header (an IP address) */
#define PCN_CSUM_UDP 2    /* a UDP checksum: 0 means "none" */
#define PCN_CSUM_SEED 4   /* XDP: the field is a bare pseudo-header sum (pcn_pkt.csum_seed) */

/* Folds a 32-bit one's-complement sum into 16 bits (not inverted). */
static __always_inline __u16 pcn_csum_fold(__u32 sum) {
  sum = (sum & 0xffff) + (sum >> 16);
  sum = (sum & 0xffff) + (sum >> 16);
  return (__u16)sum;
}

/* The one's-complement difference a 32-bit word going from `from` to `to`
 * makes to a checksum (words as they sit in memory: one's-complement
 * arithmetic is the same in either byte order). */
static __always_inline __u32 pcn_csum_diff4(__be32 from, __be32 to) {
  __u32 f = ~(__u32)from;
  return (f & 0xffff) + (f >> 16) + ((__u32)to & 0xffff) + ((__u32)to >> 16);
}

/* The same for a 16-bit word. */
static __always_inline __u32 pcn_csum_diff2(__be16 from, __be16 to) {
  return (__u16)~from + (__u32)to;
}

/* Applies a difference to a complete checksum in memory. */
static __always_inline void pcn_csum_apply(__sum16 *sum, __u32 diff) {
  *sum = (__sum16)~pcn_csum_fold((__u16)~*sum + diff);
}

/* A 16-bit word covered by the complete checksum `*sum` went from `from` to
 * `to`. */
static __always_inline void pcn_csum_replace2(__sum16 *sum, __be16 from, __be16 to) {
  pcn_csum_apply(sum, pcn_csum_diff2(from, to));
}

/* A 32-bit word covered by the complete checksum `*sum` went from `from` to
 * `to`. */
static __always_inline void pcn_csum_replace4(__sum16 *sum, __be32 from, __be32 to) {
  pcn_csum_apply(sum, pcn_csum_diff4(from, to));
}

/* Adds a difference (pcn_csum_diff4/2, summed for several fields) to the
 * IPv4 header checksum at offset `csum_off`. -1 if out of the packet. */
static __always_inline int pcn_l3_csum_diff(pcn_ctx_t *ctx, __u32 csum_off, __u32 diff) {
  __sum16 *sum = pcn_pkt_ptr(ctx, csum_off, sizeof(*sum));
  if (!sum)
    return -1;
  pcn_csum_apply(sum, diff);
  return 0;
}

/* Adds a difference to the L4 checksum at offset `csum_off` for fields it
 * covers that changed; `flags` PCN_CSUM_* (PCN_CSUM_PSEUDO when the fields
 * are IP addresses of the pseudo-header). In TC this may move packet data:
 * take pointers again afterwards. -1 on failure. */
static __always_inline int pcn_l4_csum_diff(pcn_ctx_t *ctx, __u32 csum_off, __u32 diff, __u32 flags) {
#ifdef PCN_XDP
  __sum16 *sum = pcn_pkt_ptr(ctx, csum_off, sizeof(*sum));
  if (!sum)
    return -1;
  if (flags & PCN_CSUM_SEED) {
    if (flags & PCN_CSUM_PSEUDO)
      *sum = (__sum16)pcn_csum_fold((__u16)*sum + diff);
    return 0;
  }
  if ((flags & PCN_CSUM_UDP) && !*sum)
    return 0;
  pcn_csum_apply(sum, diff);
  if ((flags & PCN_CSUM_UDP) && !*sum)
    *sum = (__sum16)0xffff;
  return 0;
#else
  /* Size 0: `to` is a difference; the kernel applies it as the skb's
   * checksum state requires (PARTIAL: pseudo-header fields only). */
  __u64 f = 0;
  if (flags & PCN_CSUM_PSEUDO)
    f |= BPF_F_PSEUDO_HDR;
  if (flags & PCN_CSUM_UDP)
    f |= BPF_F_MARK_MANGLED_0;
  return bpf_l4_csum_replace(ctx, csum_off, 0, diff, f) ? -1 : 0;
#endif
}
