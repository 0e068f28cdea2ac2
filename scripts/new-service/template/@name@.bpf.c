/* @name@: two ports; forwards every packet to the other port, or drops it,
 * and counts what it forwarded. */
#include <polycube/pcn.bpf.h>
#include "@name@_shared.h"

/* Whether to forward, and the two port indices (one entry). */
struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, 1);
  __type(key, __u32);
  __type(value, struct @name@_config);
} config SEC(".maps");

/* Packets sent out of the other port, per CPU (one entry). */
struct {
  __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
  __uint(max_entries, 1);
  __type(key, __u32);
  __type(value, __u64);
} forwarded SEC(".maps");

PCN_BLOCK(@name@_main) {
  struct pcn_md *md = pcn_md_get();
  __u32 zero = 0;
  struct @name@_config *cfg = bpf_map_lookup_elem(&config, &zero);
  if (!md || !cfg)
    return PCN_DROP;
  __u32 out = md->in_port == cfg->ports[0] ? cfg->ports[1] : cfg->ports[0];
  if (!cfg->forward || out == @NAME@_NO_PORT)
    return pcn_drop_counted(md->gport_in);
  __u64 *count = bpf_map_lookup_elem(&forwarded, &zero);
  if (count)
    *count += 1;
  return pcn_redirect_port(ctx, md, out);
}
