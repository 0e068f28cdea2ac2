/* packetcapture: a transparent cube that copies the packets crossing the
 * point it is attached to into a ring buffer, filtered by a tcpdump
 * expression, and always passes them on unchanged.
 *
 * Entry (pc_ingress / pc_egress) -> filter block (PC_SLOT_FILTER, built at
 * run time from the expression's classic BPF) -> pc_after_filter -> the
 * next hop. Without a filter the entry captures itself. */
#include <polycube/pcn.bpf.h>
#include "packetcapture_shared.h"

struct {
  __uint(type, BPF_MAP_TYPE_RINGBUF);
  __uint(max_entries, PC_RING_BYTES);
} pc_ring SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, 1);
  __type(key, __u32);
  __type(value, struct pc_config);
} pc_config SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
  __uint(max_entries, 1);
  __type(key, __u32);
  __type(value, struct pc_scratch);
} pc_scratch SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
  __uint(max_entries, 2);
  __type(key, __u32);
  __type(value, struct pc_stats);
} pc_stats SEC(".maps");

/* Resized to the number of possible CPUs at creation. */
struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, 1);
  __type(key, __u32);
  __type(value, struct pc_copy);
} pc_copy SEC(".maps");

static __always_inline long pc_load_bytes(pcn_ctx_t *ctx, void *to, __u32 len) {
#ifdef PCN_XDP
  return bpf_xdp_load_bytes(ctx, 0, to, len);
#else
  return bpf_skb_load_bytes(ctx, 0, to, len);
#endif
}

static __always_inline __u32 pc_wire_len(pcn_ctx_t *ctx) {
#ifdef PCN_XDP
  return bpf_xdp_get_buff_len(ctx);
#else
  return ctx->len;
#endif
}

/* Records the packet if `verdict` accepts it, then passes it on. */
static __always_inline int pc_capture(pcn_ctx_t *ctx, struct pcn_md *md, __u32 dir, __u32 verdict) {
  __u32 zero = 0;
  struct pc_stats *st = bpf_map_lookup_elem(&pc_stats, &dir);
  struct pc_config *cfg = bpf_map_lookup_elem(&pc_config, &zero);
  if (st && cfg && verdict) {
    st->matched++;
    __u32 len = pc_wire_len(ctx);
    __u32 cap = len;
    if (cap > cfg->snaplen)
      cap = cfg->snaplen;
    if (cap > verdict)
      cap = verdict;
    __u32 cpu = bpf_get_smp_processor_id();
    struct pc_copy *rec = bpf_map_lookup_elem(&pc_copy, &cpu);
    if (rec) {
      /* Masking first gives the verifier an unsigned bound it can follow. */
      cap &= 0xffff;
      if (cap > PC_MAX_SNAPLEN)
        cap = PC_MAX_SNAPLEN;
      if (cap == 0 || pc_load_bytes(ctx, rec->data, cap) == 0) {
        rec->hdr.tstamp_ns = bpf_ktime_get_tai_ns();
        rec->hdr.len = len;
        rec->hdr.cap_len = cap;
        rec->hdr.dir = dir;
        rec->hdr.pad = 0;
        /* Waking the reader for every record costs more than the copy:
         * wake it once PC_WAKEUP_BYTES are waiting (it also polls every
         * 100 ms, and a dump drains the ring first). */
        __u64 flags = bpf_ringbuf_query(&pc_ring, BPF_RB_AVAIL_DATA) >= PC_WAKEUP_BYTES ? BPF_RB_FORCE_WAKEUP
                                                                                         : BPF_RB_NO_WAKEUP;
        if (bpf_ringbuf_output(&pc_ring, rec, sizeof(rec->hdr) + cap, flags) == 0)
          st->captured++;
        else
          st->ring_drops++;
      }
    }
  }
  return pcn_transparent_next(ctx, md, dir);
}

static __always_inline int pc_handle(pcn_ctx_t *ctx, __u32 dir) {
  __u32 zero = 0;
  struct pcn_md *md = pcn_md_get();
  if (!md)
    return PCN_DROP;
  struct pc_config *cfg = bpf_map_lookup_elem(&pc_config, &zero);
  if (!cfg || !(cfg->directions & (1u << dir)))
    return pcn_transparent_next(ctx, md, dir);
  struct pc_stats *st = bpf_map_lookup_elem(&pc_stats, &dir);
  if (st)
    st->seen++;
  if (cfg->filtered) {
    struct pc_scratch *s = bpf_map_lookup_elem(&pc_scratch, &zero);
    if (s) {
      s->dir = dir;
      pcn_next_block(ctx, PC_SLOT_FILTER);
    }
  }
  /* No filter (or none loaded yet): everything matches. */
  return pc_capture(ctx, md, dir, 0xffffffff);
}

PCN_BLOCK(pc_ingress) { return pc_handle(ctx, PCN_SLOT_INGRESS); }
PCN_BLOCK(pc_egress) { return pc_handle(ctx, PCN_SLOT_EGRESS); }

/* Tail called by the filter block with its verdict in pc_scratch. */
PCN_BLOCK(pc_after_filter) {
  __u32 zero = 0;
  struct pcn_md *md = pcn_md_get();
  struct pc_scratch *s = bpf_map_lookup_elem(&pc_scratch, &zero);
  if (!md)
    return PCN_DROP;
  if (!s)
    return pcn_transparent_next(ctx, md, PCN_SLOT_INGRESS);
  __u32 dir = s->dir ? PCN_SLOT_EGRESS : PCN_SLOT_INGRESS;
  return pc_capture(ctx, md, dir, s->verdict);
}
