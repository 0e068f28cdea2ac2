/* Structs and constants shared by simplebridge's BPF code and control plane. */
#pragma once
#include <linux/types.h>

/* Ports a simplebridge can have; also the bound of the in-kernel flood loop. */
#define SB_MAX_PORTS 256
/* Filtering-database capacity (LRU: a MAC flood evicts, never blocks). */
#define SB_FDB_SIZE 65536
#define SB_DEFAULT_AGING 300

/* Value of map sb_fdb, keyed by the MAC in the low 48 bits of a __u64. */
struct sb_fdb_entry {
  __u32 port;      /* port index the MAC was last seen on */
  __u32 pad;
  __u64 timestamp; /* CLOCK_MONOTONIC seconds of the last sighting */
};

/* Single entry of map sb_config. */
struct sb_config {
  __u32 aging_time; /* seconds after which an entry is ignored */
  __u32 nports;     /* valid entries in sb_flood_ports */
};

/* Slow-path reason: deliver this flooded frame to every port whose peer is
 * a cube or a transparent stack (the data plane reached the netdev ports). */
#define SB_REASON_FLOOD 1
