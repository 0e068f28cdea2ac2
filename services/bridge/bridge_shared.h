/* Structs and constants shared by the bridge's BPF code and control plane. */
#pragma once
#include <linux/types.h>

/* Ports a bridge can have; also the bound of the in-kernel flood loop. */
#define BR_MAX_PORTS 256
/* Filtering-database capacity (LRU: a MAC flood evicts, never blocks). */
#define BR_FDB_SIZE 65536
#define BR_DEFAULT_AGING 300
#define BR_VLAN_WORDS 64 /* 4096 VLAN bits in __u64 words */

/* Port modes (br_port.mode). */
#define BR_MODE_ACCESS 0
#define BR_MODE_TRUNK 1

/* Spanning-tree port states as the data plane sees them. Forwarding
 * forwards and learns; learning learns only; anything else does neither.
 * BPDUs are punted whatever the state. */
#define BR_STP_FORWARDING 0 /* zero: a port is forwarding until STP says otherwise */
#define BR_STP_LEARNING 1
#define BR_STP_BLOCKING 2 /* also listening and discarding */

/* One port (map br_ports, indexed by port index). */
struct br_port {
  __u32 configured; /* 0: slot unused, the port forwards nothing */
  __u16 mode;       /* BR_MODE_* */
  __u16 pvid;       /* access VLAN, or trunk native VLAN (0: none) */
  __u32 stp_state;  /* BR_STP_* */
  __u32 pad;
  __u64 tagged[BR_VLAN_WORDS]; /* trunk: VLANs carried tagged (bit per id) */
};

/* Key of map br_fdb. */
struct br_fdb_key {
  __u16 vlan;
  __u8 mac[6];
};

/* Value of map br_fdb. */
struct br_fdb_entry {
  __u32 port;      /* port index the MAC was last seen on */
  __u32 is_static; /* 1: configured; never aged, never relearned */
  __u64 timestamp; /* CLOCK_MONOTONIC seconds of the last sighting */
};

/* Single entry of map br_config. */
struct br_config {
  __u32 aging_time; /* seconds after which a dynamic entry is ignored */
  __u32 nports;     /* valid entries in br_flood_ports */
  __u32 stp;        /* 1: punt BPDUs to the control plane */
  __u32 flood_pps;  /* floods per second per CPU (0: no limit) */
};

/* Default of flood_pps: a loop through netdevs without STP (nothing in the
 * kernel bounds it) dies out instead of spinning a CPU. */
#define BR_DEFAULT_FLOOD_PPS 100000

/* Token bucket of the flood limit (per-CPU array br_flood_budget). */
struct br_flood_budget {
  __u64 tokens;  /* floods allowed now (burst: flood_pps / 10 + 1) */
  __u64 last_ns; /* last refill */
};

/* Floods the control plane relays to cube-peered ports, per bridge: a
 * token bucket (frames per second, burst). A loop through the slow path
 * (possible in XDP, where a flood to netdevs and to a cube cannot both stay
 * in the kernel) dies out instead of circulating forever. */
#define BR_SLOWPATH_FLOOD_PPS 2000
#define BR_SLOWPATH_FLOOD_BURST 200

/* Slow-path reasons. */
#define BR_REASON_FLOOD 1 /* deliver to each cube-peered member port; user[0] = VLAN */
#define BR_REASON_BPDU 2  /* a frame to 01:80:c2:00:00:00 */

/* Per-bridge packet counters (per-CPU array, one entry). */
struct br_counters {
  __u64 floods;     /* frames flooded */
  __u64 vlan_drops; /* frames dropped by VLAN membership */
  __u64 stp_drops;  /* frames dropped because the port is not forwarding */
  __u64 bpdus;      /* BPDUs punted */
  __u64 flood_drops; /* floods dropped over flood_pps */
};
