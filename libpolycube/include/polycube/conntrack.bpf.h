/* Connection tracking logic for any service: TCP state machine, UDP, ICMP
 * echo, ICMP errors as RELATED, timeouts (conntrack_shared.h). The service
 * declares its own session map, keyed by struct pcn_tuple in the direction
 * of a session's first packet, whose value is struct pcn_ct_entry or starts
 * with one, and passes it to these functions:
 *
 *   struct pcn_ct_result r;
 *   pcn_ct_track(&my_sessions, &p.tuple, p.tcp_flags, now, &r);  r.state: NEW, ESTABLISHED, INVALID
 *   pcn_ct_related(&my_sessions, &p.quoted, now)                   ICMP error: RELATED or INVALID
 *   pcn_ct_open(&my_sessions, &r.key, now)                         accepted NEW packet: start the session
 *
 * A service whose value holds more than the entry (NAT: the translation)
 * creates it itself after pcn_ct_init(), and uses pcn_ct_advance() on the
 * entry it found its own way. Expired entries are ignored at once and
 * deleted by the control plane (polycube/conntrack.h). */
#pragma once

#include "conntrack_shared.h"
#include "parse.bpf.h"

/* What pcn_ct_track() found. */
struct pcn_ct_result {
  struct pcn_tuple key; /* the session's key (its first packet's tuple) */
  __u8 state;           /* enum pcn_ct_state */
  __u8 reply;           /* the packet goes the other way of the key */
  __u8 found;           /* a live session exists */
  __u8 pad;
};

/* 1 for the protocols sessions are kept for: TCP, UDP, ICMP. */
static __always_inline int pcn_ct_trackable(__u8 proto) {
  return proto == PCN_IPPROTO_TCP || proto == PCN_IPPROTO_UDP || proto == PCN_IPPROTO_ICMP;
}

/* The tuple of the other direction. */
static __always_inline void pcn_ct_reverse(const struct pcn_tuple *k, struct pcn_tuple *r) {
  r->saddr = k->daddr;
  r->daddr = k->saddr;
  r->sport = k->dport;
  r->dport = k->sport;
  r->proto = k->proto;
  r->pad[0] = r->pad[1] = r->pad[2] = 0;
}

/* 1 if `e` is a session still alive at `now`. */
static __always_inline int pcn_ct_live(const struct pcn_ct_entry *e, __u8 proto, __u64 now) {
  return e && !pcn_ct_expired(e, proto, now);
}

/* The state of a packet no session knows: a TCP session starts with a SYN
 * (without ACK or RST); anything else unknown is INVALID. */
static __always_inline __u8 pcn_ct_state_new(__u8 proto, __u8 tcp_flags) {
  if (proto == PCN_IPPROTO_TCP && (tcp_flags & (PCN_TCP_SYN | PCN_TCP_RST | PCN_TCP_ACK)) != PCN_TCP_SYN)
    return PCN_CT_INVALID;
  return PCN_CT_NEW;
}

/* A fresh session for a first packet of protocol `proto` at `now`. */
static __always_inline void pcn_ct_init(struct pcn_ct_entry *e, __u8 proto, __u64 now) {
  e->last_seen_ns = now;
  e->tcp_state = proto == PCN_IPPROTO_TCP ? PCN_CT_TCP_SYN_SENT : 0;
  e->seen_reply = 0;
  e->pkts = 1;
}

/* A packet of session `e` (`reply`: against the key's direction): counts
 * it, refreshes the timestamp, moves the TCP state machine, and returns the
 * packet's state (ESTABLISHED once a packet went each way). */
static __always_inline __u8 pcn_ct_advance(struct pcn_ct_entry *e, __u8 proto, __u8 reply, __u8 tcp_flags, __u64 now) {
  e->last_seen_ns = now;
  e->pkts++;
  if (reply)
    e->seen_reply = 1;
  if (proto == PCN_IPPROTO_TCP) {
    if (tcp_flags & PCN_TCP_RST)
      e->tcp_state = PCN_CT_TCP_CLOSED;
    else if (tcp_flags & PCN_TCP_FIN)
      e->tcp_state = PCN_CT_TCP_FIN_WAIT;
    else if (e->tcp_state == PCN_CT_TCP_SYN_SENT && reply &&
             (tcp_flags & (PCN_TCP_SYN | PCN_TCP_ACK)) == (PCN_TCP_SYN | PCN_TCP_ACK))
      e->tcp_state = PCN_CT_TCP_SYN_RECV;
    else if (e->tcp_state == PCN_CT_TCP_SYN_RECV && !reply && (tcp_flags & PCN_TCP_ACK))
      e->tcp_state = PCN_CT_TCP_ESTABLISHED;
  }
  return e->seen_reply ? PCN_CT_ESTABLISHED : PCN_CT_NEW;
}

/* The live session of `sessions` a packet with tuple `t` belongs to, looked
 * up in both directions; fills r->key and r->reply. NULL if none. */
static __always_inline struct pcn_ct_entry *pcn_ct_lookup(void *sessions, const struct pcn_tuple *t, __u64 now,
                                                          struct pcn_ct_result *r) {
  struct pcn_tuple rev;
  pcn_ct_reverse(t, &rev);
  struct pcn_ct_entry *e = bpf_map_lookup_elem(sessions, t);
  if (pcn_ct_live(e, t->proto, now)) {
    r->key = *t;
    r->reply = 0;
    return e;
  }
  e = bpf_map_lookup_elem(sessions, &rev);
  if (pcn_ct_live(e, t->proto, now)) {
    r->key = rev;
    r->reply = 1;
    return e;
  }
  r->key = *t;
  r->reply = 0;
  return 0;
}

/* Tracks a packet with tuple `t` and TCP flags `tcp_flags`: finds its
 * session and advances it, or says what a packet without one is. Returns
 * the session (NULL if none) and fills `r`. */
static __always_inline struct pcn_ct_entry *pcn_ct_track(void *sessions, const struct pcn_tuple *t, __u8 tcp_flags,
                                                         __u64 now, struct pcn_ct_result *r) {
  struct pcn_ct_entry *e = pcn_ct_lookup(sessions, t, now, r);
  if (!e) {
    r->found = 0;
    r->state = pcn_ct_state_new(t->proto, tcp_flags);
    return 0;
  }
  r->found = 1;
  r->state = pcn_ct_advance(e, t->proto, r->reply, tcp_flags, now);
  return e;
}

/* An ICMP error quoting a packet with tuple `quoted`: RELATED if that
 * packet belongs to a live session of `sessions` (either direction), else
 * INVALID. */
static __always_inline __u8 pcn_ct_related(void *sessions, const struct pcn_tuple *quoted, __u64 now) {
  struct pcn_ct_result r;
  return pcn_ct_lookup(sessions, quoted, now, &r) ? PCN_CT_RELATED : PCN_CT_INVALID;
}

/* Starts the session `key` (a NEW packet was let through) in a map whose
 * value is struct pcn_ct_entry. Only TCP, UDP and ICMP are tracked. A live
 * entry (another CPU was first) is left alone; an expired one the control
 * plane has not deleted yet is started afresh. */
static __always_inline void pcn_ct_open(void *sessions, const struct pcn_tuple *key, __u64 now) {
  if (!pcn_ct_trackable(key->proto))
    return;
  struct pcn_ct_entry e;
  pcn_ct_init(&e, key->proto, now);
  if (!bpf_map_update_elem(sessions, key, &e, BPF_NOEXIST))
    return;
  struct pcn_ct_entry *old = bpf_map_lookup_elem(sessions, key);
  if (old && pcn_ct_expired(old, key->proto, now))
    pcn_ct_init(old, key->proto, now);
}
