/* Structs and constants shared by packetcapture's BPF code and control
 * plane. */
#pragma once
#include <linux/types.h>

/* Micro-block slots: the entry handlers are PCN_SLOT_INGRESS/EGRESS; the
 * filter (translated from classic BPF at run time) and the block it hands
 * its verdict to. */
#define PC_SLOT_FILTER 2
#define PC_SLOT_AFTER_FILTER 3

/* The most bytes of one packet a record holds (and the largest snaplen). */
#define PC_MAX_SNAPLEN 65535
/* Size of the ring buffer between data path and control plane (bytes, a
 * power of two). */
#define PC_RING_BYTES (16u << 20)
/* Bytes waiting in the ring that make the data path wake the reader. */
#define PC_WAKEUP_BYTES (256u << 10)

/* Map pc_config (one entry). */
struct pc_config {
  __u32 directions; /* bit PCN_SLOT_INGRESS / PCN_SLOT_EGRESS: capture that direction */
  __u32 snaplen;    /* bytes kept per packet, 1..PC_MAX_SNAPLEN */
  __u32 filtered;   /* 1: a filter block is in PC_SLOT_FILTER */
  __u32 pad;
};

/* Map pc_scratch (per CPU, one entry): what the filter block gets and
 * returns. `verdict` is the classic program's return value (0: no match,
 * otherwise the most bytes to keep). Written by the translated program at
 * offset 4: keep the layout. */
struct pc_scratch {
  __u32 dir;
  __u32 verdict;
};

/* Map pc_stats (per CPU), indexed by direction. */
struct pc_stats {
  __u64 seen;       /* packets that crossed the cube in a captured direction */
  __u64 matched;    /* of those, accepted by the filter */
  __u64 captured;   /* of those, written to the ring */
  __u64 ring_drops; /* matched but lost: the ring was full */
};

/* One record in the ring: this header, then cap_len bytes of the packet. */
struct pc_record_hdr {
  __u64 tstamp_ns; /* CLOCK_TAI */
  __u32 len;       /* length of the packet on the wire */
  __u32 cap_len;   /* bytes that follow */
  __u32 dir;       /* PCN_SLOT_INGRESS or PCN_SLOT_EGRESS */
  __u32 pad;
};

/* Map pc_copy (one entry per CPU, indexed by CPU id): where a record is
 * assembled before bpf_ringbuf_output (a per-CPU array cannot hold 64 KiB). */
struct pc_copy {
  struct pc_record_hdr hdr;
  __u8 data[PC_MAX_SNAPLEN];
};
