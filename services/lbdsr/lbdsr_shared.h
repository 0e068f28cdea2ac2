/* Every struct and constant shared by lbdsr's BPF code (lbdsr.bpf.c) and
 * its control plane (lbdsr.cpp). */
#pragma once

#include <linux/types.h>

#include <polycube/maglev_shared.h>
#include <polycube/tuple.h>

#define LBDSR_MAX_BACKENDS PCN_MAGLEV_MAX_BACKENDS
/* Flows remembered (LRU): a flow keeps its backend while that backend is
 * in the pool, even when the pool changes. */
#define LBDSR_MAX_FLOWS 65536
/* Maglev tables: the pool's, and the ones a change is moving away from. */
#define LBDSR_MAX_TABLES 8

#define LBDSR_NO_PORT 0xffffffff
#define LBDSR_NO_TABLE 0xffffffff

/* Per-cube settings (lbdsr_config, index 0). */
struct lbdsr_config {
  __be32 vip;            /* 0: not configured (nothing is balanced) */
  __u8 mac[6];           /* the frontend MAC */
  __u16 pad;
  __u32 frontend_port;   /* port indexes */
  __u32 backend_port;
  __u32 table;           /* Maglev table of the pool, LBDSR_NO_TABLE when empty */
};

/* A backend by slot (the value its Maglev table holds). */
struct lbdsr_backend {
  __u8 mac[6];
  __u8 valid;
  __u8 pad;
};

/* A flow's backend (value of lbdsr_flows). */
struct lbdsr_flow {
  __u8 mac[6];
  __u16 slot;
};

/* Counters (per CPU, index 0). */
struct lbdsr_stats {
  __u64 arp_answered;
  __u64 balanced;
  __u64 flows_created;
  __u64 no_backend;
  __u64 other;
};
