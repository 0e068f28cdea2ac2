/* Receiver of the router benchmark's "b drops at tc ingress" figure: drops
 * every frame at once, the same for Linux forwarding and the router. No
 * framework header: it must own no (pinned) map. */
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>

#ifdef PCN_XDP
SEC("xdp") int bench_sink(struct xdp_md *ctx) { return XDP_DROP; }
#else
SEC("tc") int bench_sink(struct __sk_buff *ctx) { return TC_ACT_SHOT; }
#endif

char LICENSE[] SEC("license") = "GPL";
