/* helloworld: two ports; drop, forward to the other port, or punt every
 * packet to the control plane. */
#include <polycube/pcn.bpf.h>
#include "helloworld_shared.h"

/* The action and the two port indices (one entry). */
struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, 1);
  __type(key, __u32);
  __type(value, struct hw_config);
} hw_config SEC(".maps");

static __always_inline int hw_handle(pcn_ctx_t *ctx) {
  struct pcn_md *md = pcn_md_get();
  __u32 zero = 0;
  struct hw_config *cfg = bpf_map_lookup_elem(&hw_config, &zero);
  if (!md || !cfg)
    return PCN_DROP;
  switch (cfg->action) {
  case HW_FORWARD: {
    __u32 out = md->in_port == cfg->ports[0] ? cfg->ports[1] : cfg->ports[0];
    if (out == HW_NO_PORT)
      return pcn_drop_counted(md->gport_in);
    return pcn_redirect_port(ctx, md, out);
  }
  case HW_SLOWPATH:
    return pcn_punt(ctx, md, HW_REASON_SLOWPATH);
  default:
    return pcn_drop_counted(md->gport_in);
  }
}

PCN_BLOCK(hw_main) { return hw_handle(ctx); }

/* A second, identical build of the same block: the hot-swap tests and
 * benchmarks alternate between the two to prove a swap loses nothing. */
PCN_BLOCK(hw_main_alt) { return hw_handle(ctx); }
