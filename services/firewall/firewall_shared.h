/* Every struct and constant shared by the firewall's BPF code and its
 * control plane.
 *
 * Classification: rules of a chain are cut into chunks of FW_CHUNK_BITS
 * consecutive rules. For each field in use, an LPM trie maps (generation,
 * chain, chunk, field value) to the bit vector of that chunk's rules that
 * the value satisfies (wildcard rules folded in at prefix length 0). A
 * matcher block ANDs those chunk vectors into the packet's per-CPU vector;
 * the action block takes the first set bit. Memory is bounded by the
 * number of distinct (chunk, value) pairs times FW_CHUNK_BITS/8, not by
 * distinct values times the chain length. */
#pragma once
#include <linux/types.h>

#include <polycube/conntrack_shared.h>

#define FW_CHUNK_BITS 1024
#define FW_CHUNK_WORDS (FW_CHUNK_BITS / 64)
#define FW_MAX_CHUNKS 128
#define FW_MAX_RULES (FW_CHUNK_BITS * FW_MAX_CHUNKS) /* per chain: 131072 */
#define FW_WORDS (FW_MAX_RULES / 64)
#define FW_LPM_ENTRIES (1u << 20) /* per field map, both generations */
#define FW_MAX_STAGES 8
#define FW_COUNTERS (2 * FW_MAX_RULES)   /* per-rule counter slots, both chains */
#define FW_CT_ENTRIES 65536

/* Chains = directions = slots of the entry blocks. */
#define FW_INGRESS 0
#define FW_EGRESS 1

/* Block slots in the cube's program array. */
#define FW_SLOT_ACTION 2
#define FW_SLOT_CONNTRACK 3
#define FW_SLOT_FIELD0 4 /* + enum fw_field */

/* Fields a rule may match; one matcher block and one LPM map each. */
enum fw_field {
  FW_F_SRC = 0,
  FW_F_DST = 1,
  FW_F_PROTO = 2,
  FW_F_SPORT = 3,
  FW_F_DPORT = 4,
  FW_F_FLAGS = 5,
  FW_F_CTSTATE = 6,
  FW_NFIELDS = 7,
};

enum fw_action { FW_A_DROP = 0, FW_A_ACCEPT = 1, FW_A_LOG = 2 };

/* Connection state as rules see it: the shared connection tracking's
 * (polycube/conntrack_shared.h). */
enum fw_ct_state {
  FW_CT_NEW = PCN_CT_NEW,
  FW_CT_ESTABLISHED = PCN_CT_ESTABLISHED,
  FW_CT_RELATED = PCN_CT_RELATED,
  FW_CT_INVALID = PCN_CT_INVALID,
};

/* TCP tracking states of a session. */
enum fw_tcp_state {
  FW_TCP_SYN_SENT = PCN_CT_TCP_SYN_SENT,
  FW_TCP_SYN_RECV = PCN_CT_TCP_SYN_RECV,
  FW_TCP_ESTABLISHED = PCN_CT_TCP_ESTABLISHED,
  FW_TCP_FIN_WAIT = PCN_CT_TCP_FIN_WAIT,
  FW_TCP_CLOSED = PCN_CT_TCP_CLOSED,
};

/* LPM key of every field map. `sel` = gen << 24 | chain << 16 | chunk (all
 * 32 bits always in the prefix); `val` holds the field: an IPv4 address in
 * network order (src, dst), or a "present" byte 1 followed by the value
 * (proto: [1, proto]; ports: [1, port hi, port lo]; flags: [1, flags];
 * ct: [1, state]). A wildcard is prefixlen 32 (sel only). */
struct fw_lpm_key {
  __u32 prefixlen;
  __u32 sel;
  __u8 val[4];
};

/* Chunk number of a field map's summary entries: value prefix -> the
 * chunks (bit c of w[0..1]) that need an LPM lookup for values under it;
 * the other chunks take their wildcard vector from fw_wild. */
#define FW_SUMMARY_CHUNK 0xffff

/* Index of fw_wild: wildcard vector of a chunk for a field. */
#define FW_WILD_INDEX(gen, chain, field, chunk) \
  ((((gen) * 2 + (chain)) * FW_NFIELDS + (field)) * FW_MAX_CHUNKS + (chunk))
#define FW_WILD_ENTRIES (4 * FW_NFIELDS * FW_MAX_CHUNKS)

/* One chunk's bit vector: bit i = rule chunk*FW_CHUNK_BITS + i matches. */
struct fw_bits {
  __u64 w[FW_CHUNK_WORDS];
};

/* Per generation and chain (map fw_chains, index gen * 2 + chain). */
struct fw_chain_cfg {
  __u32 nrules;
  __u32 nchunks;
  __u32 default_action; /* enum fw_action (ACCEPT or DROP) */
  __u32 nstages;        /* matcher blocks to run, in order */
  __u8 stages[FW_MAX_STAGES]; /* block slots */
  __u32 conntrack;      /* run the conntrack block first */
  __u32 accept_established;
  __u32 parse_l4;       /* some stage needs ports, flags or ICMP (else IPv4 only) */
  __u32 first_pos;      /* slot of rule 0 (chunks keep free slots: see firewall_tables.h) */
};

/* Map fw_active, index 0: the generation packets use now. */
struct fw_active {
  __u32 gen;
};

/* Per generation, chain and slot (map fw_rules, index
 * (gen * 2 + chain) * FW_MAX_RULES + slot); slot = chunk * FW_CHUNK_BITS + bit,
 * and chunks keep free bits, so a rule's slot is not its position. */
struct fw_rule_info {
  __u32 action;  /* enum fw_action */
  __u32 counter; /* slot in fw_counters */
};

/* Per-rule counters (per-CPU). */
struct fw_counter {
  __u64 pkts;
  __u64 bytes;
};

/* Conntrack sessions are the shared connection tracking's: key = the
 * tuple of a session's first packet (ICMP echo: the identifier as both
 * ports), value = struct pcn_ct_entry (polycube/conntrack_shared.h). The
 * firewall's names for them: */
#define fw_ct_key pcn_tuple
#define fw_ct_entry pcn_ct_entry

/* Timeouts (ns) the data plane and the garbage collector agree on. */
#define FW_NS 1000000000ull
#define FW_TO_TCP_SYN PCN_CT_TO_TCP_SYN
#define FW_TO_TCP_EST PCN_CT_TO_TCP_EST
#define FW_TO_TCP_FIN PCN_CT_TO_TCP_FIN
#define FW_TO_TCP_CLOSED PCN_CT_TO_TCP_CLOSED
#define FW_TO_UDP PCN_CT_TO_UDP
#define FW_TO_UDP_STREAM PCN_CT_TO_UDP_STREAM
#define FW_TO_ICMP PCN_CT_TO_ICMP

static inline __u64 fw_ct_timeout(const struct pcn_ct_entry *e, __u8 proto) { return pcn_ct_timeout(e, proto); }

/* LOG: at most this many copies per second per CPU reach the slow path. */
#define FW_LOG_PER_SEC 100
struct fw_log_bucket {
  __u64 window_start_ns;
  __u32 sent;
  __u32 pad;
};
#define FW_REASON_LOG 1
