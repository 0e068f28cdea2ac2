/* transparenthelloworld: a transparent cube that passes, drops or punts the
 * packets crossing the point it is attached to, per direction, and counts
 * them. */
#include <polycube/pcn.bpf.h>
#include "transparenthelloworld_shared.h"

/* Action per direction (enum thw_action), indexed by PCN_SLOT_*. */
struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, 2);
  __type(key, __u32);
  __type(value, __u32);
} thw_config SEC(".maps");

/* Packets seen per direction. */
struct {
  __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
  __uint(max_entries, 2);
  __type(key, __u32);
  __type(value, __u64);
} thw_counters SEC(".maps");

static __always_inline int thw_handle(pcn_ctx_t *ctx, __u32 dir) {
  struct pcn_md *md = pcn_md_get();
  __u32 *action = bpf_map_lookup_elem(&thw_config, &dir);
  __u64 *count = bpf_map_lookup_elem(&thw_counters, &dir);
  if (!md || !action)
    return PCN_DROP;
  if (count)
    (*count)++;
  if (*action == THW_DROP)
    return PCN_DROP;
  if (*action == THW_SLOWPATH)
    return pcn_punt(ctx, md, THW_REASON_SLOWPATH + dir);
  return pcn_transparent_next(ctx, md, dir);
}

PCN_BLOCK(thw_ingress) { return thw_handle(ctx, PCN_SLOT_INGRESS); }
PCN_BLOCK(thw_egress) { return thw_handle(ctx, PCN_SLOT_EGRESS); }
