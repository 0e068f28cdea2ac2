/* The XDP packet generator's program (xdp_flood.h): run by
 * BPF_PROG_TEST_RUN in live-frames mode, it sends each frame out of
 * `out_ifindex`.
 *
 * Live frames are initialised from the test run's bytes only when their
 * page is first allocated; a recycled page holds what the last user wrote
 * (a router's new MACs and TTL, a load balancer's translated address). So
 * the program writes the whole frame from `frame_template` every time,
 * then makes `flows` flows of it: the 16-bit big-endian field at
 * `vary_offset` (a UDP source port) becomes `vary_base` + n mod `flows`
 * for the n-th frame of the CPU, and the 16-bit field at `zero_offset`
 * (that UDP checksum: 0 is "none" in IPv4) is zeroed; the 16-bit field
 * at `complement_offset` becomes 0xffff minus the varied value, so that
 * an IPv4 header checksum stays right when the varied field is in the
 * header (a source address: its ones'-complement sum is unchanged). No framework
 * header: it owns no pinned map. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#include "xdp_flood_shared.h"

const volatile __u32 out_ifindex = 0;
const volatile __u32 flows = 1;
const volatile __u32 vary_offset = 0; /* 0: no field varies */
const volatile __u32 vary_base = 0;
const volatile __u32 zero_offset = 0; /* 0: none */
const volatile __u32 complement_offset = 0; /* 0: none */

struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, 1);
  __type(key, __u32);
  __type(value, struct xdp_flood_frame);
} frame_template SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
  __uint(max_entries, 1);
  __type(key, __u32);
  __type(value, __u64);
} frames_sent SEC(".maps");

#ifdef PCN_XDP
static __always_inline int set16(void *data, void *end, __u32 offset, __u16 value) {
  if (offset >= XDP_FLOOD_MAX_FRAME)
    return -1;
  __u16 *field = data + offset;
  if ((void *)(field + 1) > end)
    return -1;
  *field = value;
  return 0;
}

SEC("xdp") int xdp_flood(struct xdp_md *ctx) {
  void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
  __u32 zero = 0;
  __u64 *n = bpf_map_lookup_elem(&frames_sent, &zero);
  struct xdp_flood_frame *t = bpf_map_lookup_elem(&frame_template, &zero);
  if (!n || !t)
    return XDP_ABORTED;
  __u32 i = 0;
#pragma unroll
  for (; i < XDP_FLOOD_MAX_FRAME; i += 8) {
    if (data + i + 8 > end)
      break;
    *(__u64 *)(data + i) = *(__u64 *)(t->bytes + i);
  }
#pragma unroll
  for (__u32 k = 0; k < 8; k++) {
    __u32 j = i + k;
    if (j >= XDP_FLOOD_MAX_FRAME || data + j + 1 > end)
      break;
    *(__u8 *)(data + j) = t->bytes[j];
  }
  if (vary_offset && set16(data, end, vary_offset, bpf_htons((__u16)(vary_base + *n % flows))))
    return XDP_ABORTED;
  if (zero_offset && set16(data, end, zero_offset, 0))
    return XDP_ABORTED;
  if (complement_offset &&
      set16(data, end, complement_offset, bpf_htons((__u16)(0xffff - (vary_base + *n % flows)))))
    return XDP_ABORTED;
  (*n)++;
  return bpf_redirect(out_ifindex, 0);
}
#else
/* pcn_embed_bpf builds a TC object of every source too: nothing to do there. */
SEC("tc") int xdp_flood(struct __sk_buff *ctx) { return 0; }
#endif

char LICENSE[] SEC("license") = "GPL";
