/* Test programs of the shared packet library (libpolycube/include/polycube):
 * they run the library's functions on the packet BPF_PROG_TEST_RUN hands
 * them and leave what they found in maps, for pktlib_datapath_test.cpp to
 * compare with its own parse and a from-scratch checksum computation. Built
 * for TC and XDP like any service object. */
#include <polycube/pcn.bpf.h>
#include <polycube/conntrack.bpf.h>
#include <polycube/parse.bpf.h>
#include <polycube/rewrite.bpf.h>
#include "pktlib_test_shared.h"

/* Index 0: the rewrites to apply to the next packet. */
struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, 1);
  __type(key, __u32);
  __type(value, struct pktlib_cmd);
} pktlib_cmd SEC(".maps");

/* Index 0: what the last run found (parse result, return codes, state). */
struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, 1);
  __type(key, __u32);
  __type(value, struct pktlib_out);
} pktlib_out SEC(".maps");

/* Sessions of the conntrack program. */
struct {
  __uint(type, BPF_MAP_TYPE_HASH);
  __uint(max_entries, 1024);
  __type(key, struct pcn_tuple);
  __type(value, struct pcn_ct_entry);
} pktlib_sessions SEC(".maps");

/* Parses the packet (depth from the command), then applies the command's
 * rewrites in order; each failure sets its bit in out->rewrite_failed. */
PCN_BLOCK(pktlib_parse_rewrite) {
  __u32 zero = 0;
  struct pktlib_cmd *c = bpf_map_lookup_elem(&pktlib_cmd, &zero);
  struct pktlib_out *o = bpf_map_lookup_elem(&pktlib_out, &zero);
  if (!c || !o)
    return PCN_DROP;
  struct pcn_pkt *p = &o->pkt;
  o->parse_ret = pcn_parse(ctx, p, c->depth);
  o->rewrite_failed = 0;
  if (o->parse_ret < 0)
    return PCN_PASS;
  __u32 set = c->set;
  if ((set & PKTLIB_SADDR) && pcn_set_ipv4_addr(ctx, p, 0, c->saddr))
    o->rewrite_failed |= PKTLIB_SADDR;
  if ((set & PKTLIB_DADDR) && pcn_set_ipv4_addr(ctx, p, 1, c->daddr))
    o->rewrite_failed |= PKTLIB_DADDR;
  if ((set & PKTLIB_SPORT) && pcn_set_l4_port(ctx, p, 0, c->sport))
    o->rewrite_failed |= PKTLIB_SPORT;
  if ((set & PKTLIB_DPORT) && pcn_set_l4_port(ctx, p, 1, c->dport))
    o->rewrite_failed |= PKTLIB_DPORT;
  if ((set & PKTLIB_TTL) && pcn_set_ipv4_ttl(ctx, p, c->ttl))
    o->rewrite_failed |= PKTLIB_TTL;
  if ((set & PKTLIB_Q_SADDR) && pcn_set_quoted_addr(ctx, p, 0, c->q_saddr))
    o->rewrite_failed |= PKTLIB_Q_SADDR;
  if ((set & PKTLIB_Q_DADDR) && pcn_set_quoted_addr(ctx, p, 1, c->q_daddr))
    o->rewrite_failed |= PKTLIB_Q_DADDR;
  if ((set & PKTLIB_Q_SPORT) && pcn_set_quoted_port(ctx, p, 0, c->q_sport))
    o->rewrite_failed |= PKTLIB_Q_SPORT;
  if ((set & PKTLIB_Q_DPORT) && pcn_set_quoted_port(ctx, p, 1, c->q_dport))
    o->rewrite_failed |= PKTLIB_Q_DPORT;
  return PCN_PASS;
}

/* Connection tracking as a stateful filter would use it: ICMP errors are
 * RELATED or INVALID, other packets are tracked, and a NEW one opens its
 * session. The state lands in out->ct_state; the time comes from the
 * command (so the test can age sessions). */
PCN_BLOCK(pktlib_conntrack) {
  __u32 zero = 0;
  struct pktlib_cmd *c = bpf_map_lookup_elem(&pktlib_cmd, &zero);
  struct pktlib_out *o = bpf_map_lookup_elem(&pktlib_out, &zero);
  if (!c || !o)
    return PCN_DROP;
  struct pcn_pkt *p = &o->pkt;
  o->parse_ret = pcn_parse(ctx, p, PCN_PARSE_L4 | PCN_PARSE_IPV4_ONLY);
  if (o->parse_ret < 0 || p->family != 4)
    return PCN_PASS;
  if (p->quoted_l4_off) {
    o->ct_state = pcn_ct_related(&pktlib_sessions, &p->quoted, c->now_ns);
    o->ct_reply = 0;
    return PCN_PASS;
  }
  struct pcn_ct_result r;
  pcn_ct_track(&pktlib_sessions, &p->tuple, p->tcp_flags, c->now_ns, &r);
  o->ct_state = r.state;
  o->ct_reply = r.reply;
  if (!r.found && r.state == PCN_CT_NEW)
    pcn_ct_open(&pktlib_sessions, &r.key, c->now_ns);
  return PCN_PASS;
}
