/* Translated sessions on the BPF side (xlate_shared.h): claiming a reply
 * tuple, and translating an ICMP error about a translated flow (the error's
 * addresses and the packet it quotes), for any service whose session map
 * values start with struct pcn_xlate_entry. The maps are the service's:
 *
 *   pcn_xlate_claim(&my_sessions, &my_reverse, &reply, &orig, now)
 *   pcn_xlate_icmp_error(ctx, &p, &my_sessions, &my_reverse, now)
 *
 * Rewriting the packet itself is pcn_rewrite_tuple (rewrite.bpf.h). */
#pragma once

#include "conntrack.bpf.h"
#include "rewrite.bpf.h"
#include "xlate_shared.h"

#define PCN_XLATE_EEXIST 17

static __always_inline int pcn_tuple_eq(const struct pcn_tuple *a, const struct pcn_tuple *b) {
  return a->saddr == b->saddr && a->daddr == b->daddr && a->sport == b->sport && a->dport == b->dport &&
         a->proto == b->proto;
}

/* Claims reply tuple `rev` for the flow `orig`. A claim held by a session
 * that has timed out (not yet collected) is taken over; one held by a live
 * session, or by one being created (no session yet), is not. Returns 0, or
 * -EEXIST (taken), or another error (the map is full). */
static __always_inline long pcn_xlate_claim(void *sessions, void *reverse, const struct pcn_tuple *rev,
                                            const struct pcn_tuple *orig, __u64 now) {
  long err = bpf_map_update_elem(reverse, rev, orig, BPF_NOEXIST);
  if (err != -PCN_XLATE_EEXIST)
    return err;
  struct pcn_tuple *holder = bpf_map_lookup_elem(reverse, rev);
  if (!holder)
    return bpf_map_update_elem(reverse, rev, orig, BPF_NOEXIST);
  struct pcn_tuple h = *holder;
  struct pcn_xlate_entry *s = bpf_map_lookup_elem(sessions, &h);
  if (!s || pcn_ct_live(&s->ct, h.proto, now))
    return -PCN_XLATE_EEXIST;
  bpf_map_delete_elem(sessions, &h);
  bpf_map_delete_elem(reverse, rev);
  return bpf_map_update_elem(reverse, rev, orig, BPF_NOEXIST);
}

/* Removes the session of `orig` (found timed out) and its claim, if the
 * claim is still its own. */
static __always_inline void pcn_xlate_forget(void *sessions, void *reverse, const struct pcn_tuple *orig,
                                             const struct pcn_xlate_entry *s) {
  struct pcn_tuple rev;
  pcn_ct_reverse(&s->xlated, &rev);
  struct pcn_tuple *holder = bpf_map_lookup_elem(reverse, &rev);
  if (holder && pcn_tuple_eq(holder, orig))
    bpf_map_delete_elem(reverse, &rev);
  bpf_map_delete_elem(sessions, orig);
}

/* An ICMP error quoting a packet of a translated flow: the quoted packet is
 * given the tuple it had on this side of the translation, and the error's
 * own addresses follow it (its destination is the quoted packet's source;
 * its source, when the quoted packet's destination sent it). Returns 1 when
 * translated, 0 when it is about nothing translated (left unchanged), -1
 * when the packet could not be rewritten. `*s_out` (if given) receives the
 * session. */
static __always_inline int pcn_xlate_icmp_error(pcn_ctx_t *ctx, struct pcn_pkt *p, void *sessions, void *reverse,
                                                __u64 now, struct pcn_xlate_entry **s_out) {
  struct pcn_tuple q = p->quoted, rq, to;
  pcn_ct_reverse(&q, &rq);
  struct pcn_xlate_entry *s = bpf_map_lookup_elem(sessions, &rq);
  if (s && pcn_ct_live(&s->ct, q.proto, now)) {
    pcn_ct_reverse(&s->xlated, &to); /* it quotes a reply: the reply as the far side saw it */
  } else {
    struct pcn_tuple *o = bpf_map_lookup_elem(reverse, &rq);
    if (!o)
      return 0;
    struct pcn_tuple orig = *o;
    s = bpf_map_lookup_elem(sessions, &orig);
    if (!s || !pcn_ct_live(&s->ct, q.proto, now))
      return 0;
    to = orig; /* it quotes a translated first-way packet: as it was sent */
  }
  if (s_out)
    *s_out = s;
  if (to.saddr != q.saddr && pcn_set_quoted_addr(ctx, p, 0, to.saddr))
    return -1;
  if (to.daddr != q.daddr && pcn_set_quoted_addr(ctx, p, 1, to.daddr))
    return -1;
  if (to.sport != p->quoted.sport && pcn_set_quoted_port(ctx, p, 0, to.sport))
    return -1;
  if (to.dport != p->quoted.dport && pcn_set_quoted_port(ctx, p, 1, to.dport))
    return -1;
  if (p->tuple.daddr == q.saddr && to.saddr != q.saddr && pcn_set_ipv4_addr(ctx, p, 1, to.saddr))
    return -1;
  if (p->tuple.saddr == q.daddr && to.daddr != q.daddr && pcn_set_ipv4_addr(ctx, p, 0, to.daddr))
    return -1;
  return 1;
}
