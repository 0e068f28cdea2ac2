/* Every struct and constant shared by the NAT's BPF code (nat.bpf.c) and
 * its control plane (nat.cpp).
 *
 * A session is the translation of one flow, created by the flow's first
 * packet in the direction it arrived (egress: SNAT / masquerade of an
 * inside host; ingress: DNAT / port forwarding towards one). Two entries:
 *   nat_sessions[orig]         = struct nat_session (state, translation)
 *   nat_reverse[reply tuple]   = orig, where the reply tuple is the reverse
 *                                of the translated first packet
 * A packet whose tuple is a key of nat_sessions goes the first packet's
 * way and gets the translated tuple; one whose tuple is a key of
 * nat_reverse is a reply and gets the reverse of orig. Inserting the
 * reverse entry with BPF_NOEXIST is what claims an external port: no two
 * live sessions ever share a reply tuple. */
#pragma once

#include <linux/types.h>

#include <polycube/xlate_shared.h>

/* Sessions a cube can hold (both maps are sized from it). */
#define NAT_MAX_SESSIONS 131072
/* Rules of each kind. */
#define NAT_MAX_RULES 4096

/* Directions = block slots of a transparent cube. */
#define NAT_INGRESS 0 /* from outside, into the point the NAT is attached to */
#define NAT_EGRESS 1  /* leaving it, towards outside */

/* What created a session (nat_session.kind, the natting table's
 * originating-rule). */
enum nat_kind {
  NAT_K_SNAT = 1,
  NAT_K_MASQUERADE = 2,
  NAT_K_DNAT = 3,
  NAT_K_PORTFORWARD = 4,
};

/* A translated flow (value of nat_sessions); it starts as a
 * struct pcn_xlate_entry does (the shared session helpers read it so). */
struct nat_session {
  struct pcn_ct_entry ct;  /* state machine, last seen, packets (both ways) */
  struct pcn_tuple xlated; /* the first packet's tuple after translation */
  __u64 bytes;             /* both ways */
  __u32 rule;              /* the rule's id (masquerade: 0) */
  __u8 kind;               /* enum nat_kind */
  __u8 dir;                /* NAT_INGRESS or NAT_EGRESS: where the first packet went */
  __u8 pad[2];
};

/* Per-cube settings (nat_config, index 0). */
struct nat_config {
  __be32 masq_addr; /* masquerade: the attachment's address; 0 when off */
  __u16 port_min;   /* external ports (and ICMP ids) allocated for SNAT */
  __u16 port_max;
  __u8 has_snat;    /* the rule tables with entries: empty ones are not looked up */
  __u8 has_dnat;
  __u8 has_pf;
  __u8 pad;
};

/* SNAT rule: internal network (LPM key) -> external address. */
struct nat_lpm_key {
  __u32 prefixlen;
  __be32 addr;
};
struct nat_snat_rule {
  __be32 external;
  __u32 id;
};

/* DNAT rule: external address -> internal address. */
struct nat_dnat_rule {
  __be32 internal;
  __u32 id;
};

/* Port forwarding: (external address, port, protocol) -> internal
 * address and port. */
struct nat_pf_key {
  __be32 external;
  __be16 port;
  __u8 proto;
  __u8 pad;
};
struct nat_pf_rule {
  __be32 internal;
  __be16 port;
  __u16 pad;
  __u32 id;
};

/* Counters (per CPU, index 0). */
struct nat_stats {
  __u64 sessions_created;
  __u64 ports_exhausted; /* new flows dropped: no free external port (or id) */
  __u64 table_full;      /* new flows dropped: the session table is full */
  __u64 clashes;         /* new flows dropped: their reply tuple is another live session's */
  __u64 fragments;       /* later IP fragments passed untranslated */
};

#ifdef __cplusplus
static_assert(__builtin_offsetof(struct nat_session, xlated) == __builtin_offsetof(struct pcn_xlate_entry, xlated));
#else
_Static_assert(__builtin_offsetof(struct nat_session, xlated) == __builtin_offsetof(struct pcn_xlate_entry, xlated),
               "a nat session starts with a pcn_xlate_entry");
#endif
