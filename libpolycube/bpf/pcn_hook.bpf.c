/* Framework hook programs attached to netdevs. One program per mode is
 * attached to every netdev the runtime manages; it looks up what the netdev
 * feeds (a cube port or a transparent chain) and dispatches there. */
#include <polycube/pcn.bpf.h>

/* ifindex -> first target of packets arriving on that netdev. */
struct {
  __uint(type, BPF_MAP_TYPE_HASH);
  __uint(max_entries, PCN_MAX_GPORTS);
  __type(key, __u32);
  __type(value, struct pcn_target);
  __uint(pinning, LIBBPF_PIN_BY_NAME);
} PCN_GLOBAL(pcn_netdev_in) SEC(".maps");

/* Packet-out from the control plane: global port id of the sending port ->
 * that port's egress target. */
struct {
  __uint(type, BPF_MAP_TYPE_HASH);
  __uint(max_entries, PCN_MAX_GPORTS);
  __type(key, __u32);
  __type(value, struct pcn_target);
  __uint(pinning, LIBBPF_PIN_BY_NAME);
} PCN_GLOBAL(pcn_inject) SEC(".maps");

static __always_inline int dispatch(pcn_ctx_t *ctx, void *table, __u32 ifindex) {
  struct pcn_target *t = bpf_map_lookup_elem(table, &ifindex);
  if (!t)
    return PCN_PASS;
  struct pcn_md *md = pcn_md_get();
  if (!md)
    return PCN_DROP;
  md->reason = 0;
  return pcn_forward(ctx, md, t);
}

/* Continue a control plane's packet-out where port `gport`'s data plane
 * would, counting it as sent by that port. */
static __always_inline int inject(pcn_ctx_t *ctx, __u32 gport) {
  struct pcn_target *t = bpf_map_lookup_elem(&PCN_GLOBAL(pcn_inject), &gport);
  struct pcn_md *md = pcn_md_get();
  if (!t || !md)
    return PCN_DROP;
  pcn_count_tx(ctx, gport);
  return pcn_forward(ctx, md, t);
}

#ifdef PCN_XDP
SEC("xdp") int pcn_netdev_ingress(struct xdp_md *ctx) {
  return dispatch(ctx, &PCN_GLOBAL(pcn_netdev_in), ctx->ingress_ifindex);
}

/* XDP (generic) on the runtime's injection veth: frames arrive as
 * [global port id][frame]. */
SEC("xdp") int pcn_inject(struct xdp_md *ctx) {
  void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
  if (data + sizeof(__u32) > end)
    return XDP_DROP;
  __u32 gport = *(__u32 *)data;
  if (bpf_xdp_adjust_head(ctx, sizeof(__u32)))
    return XDP_DROP;
  return inject(ctx, gport);
}
#else
/* ifindex -> first target of packets leaving that netdev (TC egress only). */
struct {
  __uint(type, BPF_MAP_TYPE_HASH);
  __uint(max_entries, PCN_MAX_GPORTS);
  __type(key, __u32);
  __type(value, struct pcn_target);
  __uint(pinning, LIBBPF_PIN_BY_NAME);
} pcn_netdev_eg_tc SEC(".maps");

SEC("tc") int pcn_netdev_ingress(struct __sk_buff *ctx) {
  return dispatch(ctx, &PCN_GLOBAL(pcn_netdev_in), ctx->ifindex);
}

SEC("tc") int pcn_netdev_egress(struct __sk_buff *ctx) {
  return dispatch(ctx, &pcn_netdev_eg_tc, ctx->ifindex);
}

/* Ingress of the runtime's own injection veth: the sender put the global
 * port id in skb->mark (a BPF_PROG_TEST_RUN of a TC program cannot
 * redirect, so packet-out in TC mode crosses a veth pair instead). */
SEC("tc") int pcn_inject(struct __sk_buff *ctx) {
  __u32 gport = ctx->mark;
  ctx->mark = 0;
  return inject(ctx, gport);
}
#endif
