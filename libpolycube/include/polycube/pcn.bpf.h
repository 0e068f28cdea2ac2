/* BPF-side API for service authors. A service's .bpf.c includes this header
 * and is compiled twice: once for TC (sched_cls) and once for XDP
 * (-DPCN_XDP). The same source runs in both modes; these helpers hide the
 * difference.
 *
 *   PCN_BLOCK(name)                    defines a micro-block (a BPF program)
 *   pcn_md_get()                       per-packet metadata (in_port, ...)
 *   pcn_redirect_port(ctx, md, port)   send out of a port of this cube
 *   pcn_next_block(ctx, slot)          tail call the next micro-block
 *   pcn_punt(ctx, md, reason)          hand to the control plane (slow path)
 *   pcn_punt_copy(ctx, md, reason)     send a copy there, keep the packet
 *   pcn_transparent_next(ctx, md, dir) continue after a transparent cube
 *   PCN_DROP / PCN_PASS                verdicts
 */
#pragma once

#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <linux/if_ether.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#include "pcn_shared.h"

#ifdef PCN_XDP
typedef struct xdp_md pcn_ctx_t;
#define PCN_SEC "xdp"
#define PCN_DROP XDP_DROP
#define PCN_PASS XDP_PASS
#define PCN_GLOBAL(name) name##_xdp
#else
typedef struct __sk_buff pcn_ctx_t;
#define PCN_SEC "tc"
#define PCN_DROP TC_ACT_SHOT
#define PCN_PASS TC_ACT_OK
#define PCN_GLOBAL(name) name##_tc
#endif

#define PCN_BLOCK(name) SEC(PCN_SEC) int name(pcn_ctx_t *ctx)

/* ---- Global maps (one per mode, pinned by name, shared by every cube) ---- */

/* Entry programs of all cubes and transparent handlers, indexed by slot. */
struct {
  __uint(type, BPF_MAP_TYPE_PROG_ARRAY);
  __uint(max_entries, PCN_MAX_PROG_SLOTS);
  __type(key, __u32);
  __type(value, __u32);
  __uint(pinning, LIBBPF_PIN_BY_NAME);
} PCN_GLOBAL(pcn_progs) SEC(".maps");

/* Per-CPU packet metadata passed along tail calls. */
struct {
  __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
  __uint(max_entries, 1);
  __type(key, __u32);
  __type(value, struct pcn_md);
  __uint(pinning, LIBBPF_PIN_BY_NAME);
} PCN_GLOBAL(pcn_md) SEC(".maps");

/* Per-port counters indexed by global port id. */
struct {
  __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
  __uint(max_entries, PCN_MAX_GPORTS);
  __type(key, __u32);
  __type(value, struct pcn_port_stats);
  __uint(pinning, LIBBPF_PIN_BY_NAME);
} PCN_GLOBAL(pcn_stats) SEC(".maps");

/* Packets punted to the control plane. */
struct {
  __uint(type, BPF_MAP_TYPE_RINGBUF);
  __uint(max_entries, PCN_SLOWPATH_RING_BYTES);
  __uint(pinning, LIBBPF_PIN_BY_NAME);
} PCN_GLOBAL(pcn_slowpath) SEC(".maps");

/* ---- Per-cube maps (created per cube, reused by every block it loads) ---- */

/* This cube's micro-blocks, indexed by slot. */
struct {
  __uint(type, BPF_MAP_TYPE_PROG_ARRAY);
  __uint(max_entries, PCN_MAX_BLOCKS);
  __type(key, __u32);
  __type(value, __u32);
} pcn_blocks SEC(".maps");

/* This cube's ports: egress target and global id (resized at creation). */
struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, PCN_DEFAULT_MAX_PORTS);
  __type(key, __u32);
  __type(value, struct pcn_port_cfg);
} pcn_ports SEC(".maps");

/* Transparent cubes only: where packets go after the ingress (0) and egress
 * (1) handler. */
struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, 2);
  __type(key, __u32);
  __type(value, struct pcn_target);
} pcn_tnext SEC(".maps");

/* Global slot of this cube's entry; set by the runtime before load. */
const volatile __u32 pcn_cube_slot = 0;

/* ---- Helpers ---- */

static __always_inline struct pcn_md *pcn_md_get(void) {
  __u32 zero = 0;
  return bpf_map_lookup_elem(&PCN_GLOBAL(pcn_md), &zero);
}

static __always_inline __u32 pcn_pkt_len(pcn_ctx_t *ctx) {
#ifdef PCN_XDP
  return (__u32)(ctx->data_end - ctx->data);
#else
  return ctx->len;
#endif
}

#if defined(PCN_XDP) || !defined(PCN_CTX_DATA_ASM)
static __always_inline void *pcn_data(pcn_ctx_t *ctx) { return (void *)(long)ctx->data; }
static __always_inline void *pcn_data_end(pcn_ctx_t *ctx) { return (void *)(long)ctx->data_end; }
#else
/* TC, for a program that defines PCN_CTX_DATA_ASM before including this:
 * each read is one load from the context pointer itself. In a large
 * program clang may otherwise keep ctx + offsetof(data) in a spilled
 * register and load through it later, which the verifier refuses
 * ("dereference of modified ctx ptr"; lbrp hit it). Opt-in: the other
 * services keep the plain access. */
static __always_inline void *pcn_data(pcn_ctx_t *ctx) {
  void *d;
  asm volatile("%0 = *(u32 *)(%1 + %2)" : "=r"(d) : "r"(ctx), "i"(__builtin_offsetof(struct __sk_buff, data)) : "memory");
  return d;
}
static __always_inline void *pcn_data_end(pcn_ctx_t *ctx) {
  void *d;
  asm volatile("%0 = *(u32 *)(%1 + %2)" : "=r"(d) : "r"(ctx), "i"(__builtin_offsetof(struct __sk_buff, data_end)) : "memory");
  return d;
}
#endif

static __always_inline struct pcn_port_stats *pcn_stats_of(__u32 gport) {
  return bpf_map_lookup_elem(&PCN_GLOBAL(pcn_stats), &gport);
}

static __always_inline void pcn_count_rx(pcn_ctx_t *ctx, __u32 gport) {
  struct pcn_port_stats *s = pcn_stats_of(gport);
  if (s) {
    s->rx_pkts++;
    s->rx_bytes += pcn_pkt_len(ctx);
  }
}

static __always_inline void pcn_count_tx(pcn_ctx_t *ctx, __u32 gport) {
  struct pcn_port_stats *s = pcn_stats_of(gport);
  if (s) {
    s->tx_pkts++;
    s->tx_bytes += pcn_pkt_len(ctx);
  }
}

static __always_inline int pcn_drop_counted(__u32 gport) {
  struct pcn_port_stats *s = pcn_stats_of(gport);
  if (s)
    s->drops++;
  return PCN_DROP;
}

/* Execute a target: redirect, tail call into the next program, pass or drop. */
static __always_inline int pcn_forward(pcn_ctx_t *ctx, struct pcn_md *md, const struct pcn_target *t) {
  __u32 kind = t->kind, id = t->id, port = t->port, gport = t->gport;
  if (kind == PCN_T_NETDEV)
    return bpf_redirect(id, 0);
  if (kind == PCN_T_PROG) {
    md->in_port = port;
    md->gport_in = gport;
    pcn_count_rx(ctx, gport);
    bpf_tail_call(ctx, &PCN_GLOBAL(pcn_progs), id);
    return pcn_drop_counted(gport); /* slot empty: the receiver vanished */
  }
  if (kind == PCN_T_PASS)
    return PCN_PASS;
  return PCN_DROP;
}

/* Send the packet out of `port` of this cube. */
static __always_inline int pcn_redirect_port(pcn_ctx_t *ctx, struct pcn_md *md, __u32 port) {
  struct pcn_port_cfg *cfg = bpf_map_lookup_elem(&pcn_ports, &port);
  if (!cfg)
    return PCN_DROP;
  if (!(cfg->flags & PCN_PORT_F_UP))
    return pcn_drop_counted(cfg->gport);
  pcn_count_tx(ctx, cfg->gport);
  return pcn_forward(ctx, md, &cfg->egress);
}

/* Continue after a transparent cube's handler: dir PCN_SLOT_INGRESS or
 * PCN_SLOT_EGRESS. */
static __always_inline int pcn_transparent_next(pcn_ctx_t *ctx, struct pcn_md *md, __u32 dir) {
  struct pcn_target *t = bpf_map_lookup_elem(&pcn_tnext, &dir);
  if (!t)
    return PCN_DROP;
  return pcn_forward(ctx, md, t);
}

/* Tail call micro-block `slot` of this cube; returns only if the slot is
 * empty, so callers decide what an absent block means. */
static __always_inline void pcn_next_block(pcn_ctx_t *ctx, __u32 slot) {
  bpf_tail_call(ctx, &pcn_blocks, slot);
}

/* What `port` leads to: PCN_T_NETDEV, PCN_T_PROG (a cube or a transparent
 * stack), or PCN_T_DROP (no peer, down or unknown). */
static __always_inline __u32 pcn_port_kind(__u32 port) {
  struct pcn_port_cfg *cfg = bpf_map_lookup_elem(&pcn_ports, &port);
  if (!cfg || !(cfg->flags & PCN_PORT_F_UP))
    return PCN_T_DROP;
  return cfg->egress.kind;
}

#ifndef PCN_XDP
/* TC only: send a copy out of `port` if that port leads straight to a netdev.
 * Returns 0 when a copy was sent, -1 when the port needs the regular path
 * (peer is a cube or a transparent chain) or is down/unknown. */
static __always_inline int pcn_clone_to_port(pcn_ctx_t *ctx, __u32 port) {
  struct pcn_port_cfg *cfg = bpf_map_lookup_elem(&pcn_ports, &port);
  if (!cfg || !(cfg->flags & PCN_PORT_F_UP) || cfg->egress.kind != PCN_T_NETDEV)
    return -1;
  pcn_count_tx(ctx, cfg->gport);
  bpf_clone_redirect(ctx, cfg->egress.id, 0);
  return 0;
}
#endif

/* Copy the packet to the control plane without consuming it: the caller
 * still owns the packet. Returns 0 on success, -1 if the ring is full. */
static __always_inline int pcn_punt_copy(pcn_ctx_t *ctx, struct pcn_md *md, __u32 reason) {
  struct pcn_pkt_event *ev = bpf_ringbuf_reserve(&PCN_GLOBAL(pcn_slowpath), sizeof(*ev), 0);
  if (!ev)
    return -1;
  __u32 len = pcn_pkt_len(ctx);
  /* Masking first gives the verifier an unsigned bound it can follow. */
  __u32 cap = len & 0xffff;
  if (cap > PCN_SLOWPATH_CAPTURE)
    cap = PCN_SLOWPATH_CAPTURE;
  ev->cube_slot = pcn_cube_slot;
  ev->in_port = md->in_port;
  ev->reason = reason;
  ev->len = len;
  ev->user[0] = md->user[0];
  ev->user[1] = md->user[1];
  ev->user[2] = md->user[2];
  long err = -1;
  if (cap > 0) {
#ifdef PCN_XDP
    err = bpf_xdp_load_bytes(ctx, 0, ev->data, cap);
#else
    err = bpf_skb_load_bytes(ctx, 0, ev->data, cap);
#endif
  }
  ev->cap_len = err ? 0 : cap;
  bpf_ringbuf_submit(ev, 0);
  return 0;
}

/* Copy the packet to the control plane and consume it. */
static __always_inline int pcn_punt(pcn_ctx_t *ctx, struct pcn_md *md, __u32 reason) {
  if (pcn_punt_copy(ctx, md, reason))
    return pcn_drop_counted(md->gport_in);
  return PCN_DROP;
}

char LICENSE[] SEC("license") = "GPL";
