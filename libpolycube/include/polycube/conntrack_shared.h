/* Connection tracking: the session entry, states and timeouts shared by the
 * BPF logic (conntrack.bpf.h) and the control planes that read and expire
 * sessions (polycube/conntrack.h). A service declares its own session map
 * keyed by struct pcn_tuple, whose value is struct pcn_ct_entry or starts
 * with one. IPv4 only. */
#pragma once

#include <linux/types.h>

#include "tuple.h"

/* The connection state of a packet. */
enum pcn_ct_state {
  PCN_CT_NEW = 0,         /* no session, or no packet seen the other way yet */
  PCN_CT_ESTABLISHED = 1, /* the session saw packets both ways */
  PCN_CT_RELATED = 2,     /* an ICMP error about a packet of a live session */
  PCN_CT_INVALID = 3,     /* TCP without a session and not a plain SYN; an ICMP error about nothing known */
};

/* TCP tracking states of a session (0 for UDP and ICMP). */
enum pcn_ct_tcp_state {
  PCN_CT_TCP_SYN_SENT = 1,
  PCN_CT_TCP_SYN_RECV = 2,
  PCN_CT_TCP_ESTABLISHED = 3,
  PCN_CT_TCP_FIN_WAIT = 4,
  PCN_CT_TCP_CLOSED = 5,
};

/* A tracked session; keyed by the tuple of its first packet. */
struct pcn_ct_entry {
  __u64 last_seen_ns; /* CLOCK_MONOTONIC (bpf_ktime_get_ns or the coarse clock) */
  __u32 tcp_state;    /* enum pcn_ct_tcp_state */
  __u32 seen_reply;   /* a packet went the other way */
  __u64 pkts;         /* packets of both directions */
};

/* Timeouts (ns) the data plane and the garbage collector agree on. */
#define PCN_CT_NS 1000000000ull
#define PCN_CT_TO_TCP_SYN (60 * PCN_CT_NS)
#define PCN_CT_TO_TCP_EST (3600 * PCN_CT_NS)
#define PCN_CT_TO_TCP_FIN (60 * PCN_CT_NS)
#define PCN_CT_TO_TCP_CLOSED (10 * PCN_CT_NS)
#define PCN_CT_TO_UDP (30 * PCN_CT_NS)
#define PCN_CT_TO_UDP_STREAM (120 * PCN_CT_NS)
#define PCN_CT_TO_ICMP (30 * PCN_CT_NS)

/* How long a session of protocol `proto` lives without packets. */
static inline __u64 pcn_ct_timeout(const struct pcn_ct_entry *e, __u8 proto) {
  if (proto == 6) {
    switch (e->tcp_state) {
      case PCN_CT_TCP_ESTABLISHED: return PCN_CT_TO_TCP_EST;
      case PCN_CT_TCP_FIN_WAIT: return PCN_CT_TO_TCP_FIN;
      case PCN_CT_TCP_CLOSED: return PCN_CT_TO_TCP_CLOSED;
      default: return PCN_CT_TO_TCP_SYN;
    }
  }
  if (proto == 17)
    return e->seen_reply ? PCN_CT_TO_UDP_STREAM : PCN_CT_TO_UDP;
  return PCN_CT_TO_ICMP;
}

/* 1 if the session has timed out at `now` (a timestamp a tick ahead of
 * `now`, from the coarse clock, is not). */
static inline int pcn_ct_expired(const struct pcn_ct_entry *e, __u8 proto, __u64 now) {
  return now > e->last_seen_ns && now - e->last_seen_ns > pcn_ct_timeout(e, proto);
}
