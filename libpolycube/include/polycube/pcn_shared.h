/* Every struct and constant shared by the framework's BPF code and its C++
 * runtime. Included by both sides; never duplicate these definitions. */
#pragma once

#include <linux/types.h>

/* Global program slots: cube entries and transparent-cube handlers. A tail
 * call into another cube indexes this array, so it bounds the number of cubes
 * (a transparent cube uses two slots). */
#define PCN_MAX_PROG_SLOTS 16384
/* Global port ids index the per-port counters; id 0 is a sink for "no port". */
#define PCN_MAX_GPORTS 65536
/* Micro-block slots in one cube's program array. */
#define PCN_MAX_BLOCKS 64
/* Ports per cube unless the cube is created with another limit. */
#define PCN_DEFAULT_MAX_PORTS 1024
/* Bytes of a punted packet copied to the slow path. */
#define PCN_SLOWPATH_CAPTURE 1536
/* Size of the ring buffer carrying punted packets (bytes, power of two). */
#define PCN_SLOWPATH_RING_BYTES (8u << 20)

/* Block slots with a fixed meaning. A normal cube enters at slot 0; a
 * transparent cube has an ingress handler at 0 and an egress handler at 1. */
#define PCN_SLOT_INGRESS 0
#define PCN_SLOT_EGRESS 1

/* What a packet does when it leaves a program through a target. */
enum pcn_target_kind {
  PCN_T_DROP = 0,   /* no peer: drop (counted) */
  PCN_T_NETDEV = 1, /* bpf_redirect to ifindex `id` */
  PCN_T_PROG = 2,   /* tail call global slot `id` with md.in_port = `port` */
  PCN_T_PASS = 3,   /* hand the packet to the kernel stack */
};

/* Where a port (or a transparent handler) sends packets next. */
struct pcn_target {
  __u32 kind;  /* enum pcn_target_kind */
  __u32 id;    /* ifindex or global program slot */
  __u32 port;  /* in_port seen by the receiving program */
  __u32 gport; /* global port id whose rx counter the receiver bumps */
};

/* One cube port as the data plane sees it (per-cube map pcn_ports). */
struct pcn_port_cfg {
  struct pcn_target egress; /* next hop for packets sent out of this port */
  __u32 gport;              /* global port id for this port's tx counters */
  __u32 flags;              /* PCN_PORT_F_* */
};
#define PCN_PORT_F_UP 1u

/* Per-packet metadata carried across tail calls (per-CPU scratch: a packet
 * runs to completion on one CPU without preemption by another BPF program). */
struct pcn_md {
  __u32 in_port;  /* port index in the current cube */
  __u32 gport_in; /* global id of that port */
  __u32 reason;   /* slow-path reason code */
  __u32 user[5];  /* scratch for a service's blocks */
};

/* Per-port counters (per-CPU array indexed by global port id). */
struct pcn_port_stats {
  __u64 rx_pkts;
  __u64 rx_bytes;
  __u64 tx_pkts;
  __u64 tx_bytes;
  __u64 drops;
};

/* A packet punted to the control plane through the ring buffer. */
struct pcn_pkt_event {
  __u32 cube_slot; /* global program slot of the cube that punted it */
  __u32 in_port;
  __u32 reason;
  __u32 len;     /* original packet length */
  __u32 cap_len; /* bytes present in data[] */
  __u32 user[3];
  __u8 data[PCN_SLOWPATH_CAPTURE];
};
