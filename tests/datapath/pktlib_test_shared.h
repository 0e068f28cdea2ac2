/* Structs shared by the packet library's test programs (pktlib_test.bpf.c)
 * and their test (pktlib_datapath_test.cpp). */
#pragma once

#include <linux/types.h>

#include <polycube/parse_shared.h>

/* pktlib_cmd.set: the rewrites to apply, in this order. */
#define PKTLIB_SADDR 0x001
#define PKTLIB_DADDR 0x002
#define PKTLIB_SPORT 0x004
#define PKTLIB_DPORT 0x008
#define PKTLIB_TTL 0x010
#define PKTLIB_Q_SADDR 0x020
#define PKTLIB_Q_DADDR 0x040
#define PKTLIB_Q_SPORT 0x080
#define PKTLIB_Q_DPORT 0x100

struct pktlib_cmd {
  __u32 depth; /* pcn_parse() flags */
  __u32 set;   /* PKTLIB_* */
  __be32 saddr, daddr, q_saddr, q_daddr;
  __be16 sport, dport, q_sport, q_dport;
  __u8 ttl;
  __u8 pad[7];
  __u64 now_ns; /* conntrack program: the time */
};

struct pktlib_out {
  struct pcn_pkt pkt;
  __s32 parse_ret;
  __u32 rewrite_failed; /* PKTLIB_* that returned an error */
  __u8 ct_state, ct_reply, pad[6];
};
