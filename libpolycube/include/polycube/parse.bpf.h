/* Packet parsing for every service: Ethernet, up to two VLAN tags (802.1Q,
 * 802.1ad), IPv4 with options, IPv6 with its common extension headers
 * (hop-by-hop, routing, fragment, destination options, AH), TCP, UDP, ICMP,
 * ICMPv6, and the packet an ICMP error quotes.
 *
 *   struct pcn_pkt p;
 *   if (pcn_parse(ctx, &p, PCN_PARSE_L4) < 0) ...   truncated Ethernet header
 *   p.family == 4: p.tuple holds addresses, protocol and ports
 *   struct tcphdr *th = pcn_pkt_ptr(ctx, p.l4_off, sizeof(*th));
 *
 * The result holds offsets, not pointers: they stay valid across helpers
 * that move packet data (checksum helpers, bpf_skb_pull_data) and across
 * tail calls; pcn_pkt_ptr() turns one into a bounds-checked pointer.
 *
 * Non-linear skbs (TC): a packet whose headers are not all in the linear
 * part (an AF_PACKET frame over a page long keeps only its Ethernet header
 * there) is pulled up to PCN_PARSE_WINDOW bytes first, so what is parsed is
 * what the packet carries; nothing is taken for "not IP" because it sat in
 * a page fragment. XDP programs see linear frames (no multi-buffer). */
#pragma once

#include "pcn.bpf.h"
#include "proto.bpf.h"
#include "parse_shared.h"

/* A pointer to `len` bytes at offset `off` of the packet, or NULL when the
 * packet ends before (or `off` is beyond the parse window). */
static __always_inline void *pcn_pkt_ptr(pcn_ctx_t *ctx, __u32 off, __u32 len) {
  void *data = pcn_data(ctx), *end = pcn_data_end(ctx);
  if (off > PCN_PARSE_WINDOW)
    return 0;
  void *p = data + off;
  if (p + len > end)
    return 0;
  return p;
}

/* Copies `len` bytes at `off` into `to`; 0 on success. */
static __always_inline long pcn_pkt_load(pcn_ctx_t *ctx, __u32 off, void *to, __u32 len) {
#ifdef PCN_XDP
  return bpf_xdp_load_bytes(ctx, off, to, len);
#else
  return bpf_skb_load_bytes(ctx, off, to, len);
#endif
}

/* TC: makes the first `want` bytes (or the whole packet if shorter) linear,
 * when they are not, so headers in page fragments can be read in place. */
static __always_inline void pcn_pkt_pull(pcn_ctx_t *ctx, __u32 want) {
#ifndef PCN_XDP
  __u32 linear = (__u32)(ctx->data_end - ctx->data);
  if (linear < want && ctx->len > linear)
    bpf_skb_pull_data(ctx, ctx->len < want ? ctx->len : want);
#endif
}

/* Ethernet and up to PCN_MAX_VLAN_TAGS tags; -1 if either is truncated. */
static __always_inline int pcn_parse_l2(pcn_ctx_t *ctx, struct pcn_pkt *p) {
  struct ethhdr *eth = pcn_pkt_ptr(ctx, 0, sizeof(*eth));
  if (!eth)
    return -1;
  __be16 proto = eth->h_proto;
  __u32 off = sizeof(*eth);
  p->nvlan = 0;
#pragma unroll
  for (int i = 0; i < PCN_MAX_VLAN_TAGS; i++) {
    if (proto != bpf_htons(ETH_P_8021Q) && proto != bpf_htons(ETH_P_8021AD))
      break;
    struct pcn_vlan_hdr *v = pcn_pkt_ptr(ctx, off, sizeof(*v));
    if (!v)
      return -1;
    p->vlan_tpid[i] = proto;
    p->vlan_tci[i] = v->tci;
    proto = v->proto;
    off += sizeof(*v);
    p->nvlan = i + 1;
  }
  p->l3_proto = proto;
  p->l3_off = off;
  return 0;
}

/* The quoted packet of an ICMP error whose body starts at `off`: its IP
 * header and the first 8 bytes of its L4 header (all an error must quote). */
static __always_inline void pcn_parse_quoted4(pcn_ctx_t *ctx, struct pcn_pkt *p, __u32 off) {
  struct iphdr *in = pcn_pkt_ptr(ctx, off, sizeof(*in));
  if (!in || in->version != 4 || in->ihl < 5)
    return;
  p->quoted_l3_off = off;
  __u32 l4 = off + in->ihl * 4;
  __be16 *ports = pcn_pkt_ptr(ctx, l4, 8);
  if (!ports)
    return;
  p->quoted_l4_off = l4;
  p->quoted.saddr = in->saddr;
  p->quoted.daddr = in->daddr;
  p->quoted.proto = in->protocol;
  p->quoted.sport = ports[0];
  p->quoted.dport = ports[1];
  p->quoted.pad[0] = p->quoted.pad[1] = p->quoted.pad[2] = 0;
  if (in->protocol == PCN_IPPROTO_ICMP) /* a quoted echo: its identifier */
    p->quoted.sport = p->quoted.dport = ports[2];
}

/* TCP, UDP, ICMP or ICMPv6 header at `off` (IPv4: protocol `proto`). */
static __always_inline void pcn_parse_l4_at(pcn_ctx_t *ctx, struct pcn_pkt *p, __u32 off, __u8 proto) {
  if (proto == PCN_IPPROTO_TCP) {
    struct tcphdr *th = pcn_pkt_ptr(ctx, off, sizeof(*th));
    if (!th)
      return;
    p->tuple.sport = th->source;
    p->tuple.dport = th->dest;
    p->tcp_flags = ((__u8 *)th)[13];
  } else if (proto == PCN_IPPROTO_UDP) {
    struct udphdr *uh = pcn_pkt_ptr(ctx, off, sizeof(*uh));
    if (!uh)
      return;
    p->tuple.sport = uh->source;
    p->tuple.dport = uh->dest;
  } else if (proto == PCN_IPPROTO_ICMP || proto == PCN_IPPROTO_ICMPV6) {
    struct pcn_icmp_hdr *ih = pcn_pkt_ptr(ctx, off, sizeof(*ih));
    if (!ih)
      return;
    __u8 t = ih->type;
    p->icmp_type = t;
    p->icmp_code = ih->code;
    if (proto == PCN_IPPROTO_ICMP) {
      if (t == PCN_ICMP_ECHO || t == PCN_ICMP_ECHOREPLY)
        p->tuple.sport = p->tuple.dport = ih->id;
      else if (t == PCN_ICMP_DEST_UNREACH || t == PCN_ICMP_TIME_EXCEEDED || t == PCN_ICMP_PARAMETERPROB)
        pcn_parse_quoted4(ctx, p, off + sizeof(*ih));
    } else {
      if (t == PCN_ICMPV6_ECHO_REQUEST || t == PCN_ICMPV6_ECHO_REPLY)
        p->tuple.sport = p->tuple.dport = ih->id;
      else if (t >= PCN_ICMPV6_DEST_UNREACH && t <= PCN_ICMPV6_PARAMPROB &&
               pcn_pkt_ptr(ctx, off + sizeof(*ih), sizeof(struct ipv6hdr)))
        p->quoted_l3_off = off + sizeof(*ih);
    }
  } else {
    return; /* another protocol: no L4 header we know */
  }
  p->l4_off = off;
}

#ifdef PCN_XDP
/* One 128-byte step of pcn_pkt_sum (a bpf_loop body; its buffer shares
 * the 512-byte stack with the caller's frame). */
struct pcn_sum_state {
  struct xdp_md *ctx;
  __u32 off, left;
  __u64 sum;
};

static long pcn_sum_step(__u32 i, void *data) {
  struct pcn_sum_state *st = data;
  __u8 buf[128] = {};
  __u32 n = st->left < sizeof(buf) ? st->left : sizeof(buf);
  if (!n)
    return 1;
  if (bpf_xdp_load_bytes(st->ctx, st->off, buf, n))
    return 1;
  /* Zeros past the data add nothing; an odd last byte is the high half
   * of a word padded with zero, as the checksum wants. */
  st->sum += (__u32)bpf_csum_diff(0, 0, (__be32 *)buf, sizeof(buf), 0);
  st->off += n;
  st->left -= n;
  return 0;
}

/* The one's-complement sum of `len` packet bytes from `off`, plus `seed`,
 * folded to 16 bits (not inverted). */
static __always_inline __u16 pcn_pkt_sum(struct xdp_md *ctx, __u32 off, __u32 len, __u32 seed) {
  struct pcn_sum_state st = {.ctx = ctx, .off = off, .left = len, .sum = seed};
  bpf_loop((len + 127) / 128, pcn_sum_step, &st, 0);
  __u64 s = st.sum;
  s = (s & 0xffffffff) + (s >> 32);
  s = (s & 0xffff) + (s >> 16);
  s = (s & 0xffff) + (s >> 16);
  s = (s & 0xffff) + (s >> 16);
  return (__u16)s;
}

/* XDP, an IPv4 TCP/UDP header at `l4` (segment of `l4_len` bytes): 1 if
 * its checksum field is the bare pseudo-header sum of a CHECKSUM_PARTIAL
 * skb. A complete checksum equal to that sum (one in 65536) is told apart
 * by summing the segment, which only such candidates pay for. */
static __always_inline __u8 pcn_csum_is_seed(struct xdp_md *ctx, const struct pcn_pkt *p, __u32 l4, __u32 l4_len) {
  __u32 at = l4 + (p->tuple.proto == PCN_IPPROTO_TCP ? 16 : 6);
  __sum16 *field = pcn_pkt_ptr(ctx, at, sizeof(*field));
  if (!field || l4_len > 0xffff)
    return 0;
  __u32 a = p->tuple.saddr, b = p->tuple.daddr;
  __u32 pseudo = (a & 0xffff) + (a >> 16) + (b & 0xffff) + (b >> 16) + bpf_htons((__u16)p->tuple.proto) +
                 bpf_htons((__u16)l4_len);
  pseudo = (pseudo & 0xffff) + (pseudo >> 16);
  pseudo = (pseudo & 0xffff) + (pseudo >> 16);
  if (*field != (__sum16)pseudo)
    return 0;
  return pcn_pkt_sum(ctx, l4, l4_len, pseudo) != 0xffff;
}
#endif

/* IPv4 header at p->l3_off (options included) and, for PCN_PARSE_L4, what
 * follows it. */
static __always_inline void pcn_parse_ipv4(pcn_ctx_t *ctx, struct pcn_pkt *p, int depth, int flags) {
  struct iphdr *ip = pcn_pkt_ptr(ctx, p->l3_off, sizeof(*ip));
  if (!ip || ip->version != 4 || ip->ihl < 5)
    return;
  p->family = 4;
  p->ttl = ip->ttl;
  p->tuple.saddr = ip->saddr;
  p->tuple.daddr = ip->daddr;
  p->tuple.proto = ip->protocol;
  __be16 fo = ip->frag_off;
  if (fo & bpf_htons(PCN_IP_OFFSET))
    p->frag |= PCN_FRAG_LATER;
  if (fo & bpf_htons(PCN_IP_MF))
    p->frag |= PCN_FRAG_MORE;
  if (depth < PCN_PARSE_L4 || (p->frag & PCN_FRAG_LATER))
    return;
  __u32 hl = ip->ihl * 4, total = bpf_ntohs(ip->tot_len);
  pcn_parse_l4_at(ctx, p, p->l3_off + hl, ip->protocol);
#ifdef PCN_XDP
  if ((flags & PCN_PARSE_CSUM_STATE) && p->l4_off && !(p->frag & PCN_FRAG_MORE) && total > hl &&
      (p->tuple.proto == PCN_IPPROTO_TCP || p->tuple.proto == PCN_IPPROTO_UDP))
    p->csum_seed = pcn_csum_is_seed(ctx, p, p->l4_off, total - hl);
#else
  (void)total;
  (void)flags;
#endif
}

/* Walks the IPv6 extension headers from `off` (next header `*next`).
 * Returns the offset of the upper-layer header, or 0 when it cannot be
 * reached (too many headers, beyond the window, truncated, ESP). The
 * headers are copied out with load helpers: a verifier-friendly loop whose
 * offsets need no packet-range tracking. */
static __always_inline __u32 pcn_ipv6_skip_ext(pcn_ctx_t *ctx, struct pcn_pkt *p, __u32 off, __u8 *next) {
  __u8 nh = *next;
#pragma unroll
  for (int i = 0; i < PCN_IPV6_MAX_EXT; i++) {
    if (nh != PCN_IPPROTO_HOPOPTS && nh != PCN_IPPROTO_ROUTING && nh != PCN_IPPROTO_DSTOPTS &&
        nh != PCN_IPPROTO_FRAGMENT && nh != PCN_IPPROTO_AH)
      break;
    struct pcn_ipv6_frag_hdr h; /* 8 bytes: every extension header has them */
    if (pcn_pkt_load(ctx, off, &h, sizeof(h)))
      return 0;
    __u32 len;
    if (nh == PCN_IPPROTO_FRAGMENT) {
      len = sizeof(h);
      if (h.frag_off & bpf_htons(0xfff8))
        p->frag |= PCN_FRAG_LATER;
      if (h.frag_off & bpf_htons(1))
        p->frag |= PCN_FRAG_MORE;
    } else if (nh == PCN_IPPROTO_AH) {
      len = ((__u32)h.reserved + 2) * 4; /* AH: hdrlen is the second byte */
    } else {
      len = ((__u32)h.reserved + 1) * 8;
    }
    nh = h.nexthdr;
    off += len;
    if (off > PCN_PARSE_WINDOW)
      return 0;
  }
  *next = nh;
  return off;
}

/* IPv6 header at p->l3_off and, for PCN_PARSE_L4, its extension headers
 * and upper-layer header. */
static __always_inline void pcn_parse_ipv6(pcn_ctx_t *ctx, struct pcn_pkt *p, int depth) {
  struct ipv6hdr *ip6 = pcn_pkt_ptr(ctx, p->l3_off, sizeof(*ip6));
  if (!ip6 || ip6->version != 6)
    return;
  p->family = 6;
  p->ttl = ip6->hop_limit;
  p->tuple.proto = ip6->nexthdr;
  __builtin_memcpy(p->saddr6, &ip6->saddr, sizeof(p->saddr6));
  __builtin_memcpy(p->daddr6, &ip6->daddr, sizeof(p->daddr6));
  if (depth < PCN_PARSE_L4)
    return;
  __u8 next = ip6->nexthdr;
  __u32 off = pcn_ipv6_skip_ext(ctx, p, p->l3_off + sizeof(*ip6), &next);
  if (!off)
    return;
  p->tuple.proto = next;
  if (!(p->frag & PCN_FRAG_LATER))
    pcn_parse_l4_at(ctx, p, off, next);
}

/* Parses the packet down to the depth in `flags` (PCN_PARSE_L2/L3/L4, or'ed
 * with PCN_PARSE_IPV4_ONLY if wanted). Returns -1 when the Ethernet header or
 * a VLAN tag is truncated (nothing else is filled), 0 otherwise; what was
 * not found is zero or invalid (see struct pcn_pkt; family 0: not IP or a
 * malformed IP header). */
static __always_inline int pcn_parse(pcn_ctx_t *ctx, struct pcn_pkt *p, int flags) {
  int depth = flags & PCN_PARSE_DEPTH_MASK;
  __builtin_memset(p, 0, __builtin_offsetof(struct pcn_pkt, l3_proto));
  /* Keep *p in memory: written field by field as headers are read. Held in
   * registers instead, every early exit of the parse becomes a merge point
   * of all its fields and the code spills them all (measured: +7 ns). */
  asm volatile("" : : "r"(p) : "memory");
  pcn_pkt_pull(ctx, depth >= PCN_PARSE_L4 ? PCN_PARSE_WINDOW
                    : depth >= PCN_PARSE_L3 ? sizeof(struct ethhdr) + 8 + sizeof(struct ipv6hdr)
                                            : sizeof(struct ethhdr) + 8);
  if (pcn_parse_l2(ctx, p) < 0)
    return -1;
  if (depth < PCN_PARSE_L3)
    return 0;
  if (p->l3_proto == bpf_htons(ETH_P_IP))
    pcn_parse_ipv4(ctx, p, depth, flags);
  else if (p->l3_proto == bpf_htons(ETH_P_IPV6) && !(flags & PCN_PARSE_IPV4_ONLY))
    pcn_parse_ipv6(ctx, p, depth);
  return 0;
}
