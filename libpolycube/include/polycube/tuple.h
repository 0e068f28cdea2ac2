/* The IPv4 5-tuple of a packet, shared by the BPF side and C++: the parser
 * fills it (parse.bpf.h), connection tracking and NAT key their session
 * maps with it. Addresses and ports in network order. ICMP echo carries its
 * identifier as both ports, so the reply's reversed tuple is the request's;
 * other ICMP messages have ports 0. */
#pragma once

#include <linux/types.h>

struct pcn_tuple {
  __be32 saddr, daddr;
  __be16 sport, dport;
  __u8 proto;
  __u8 pad[3]; /* always zero: the tuple is hashed as bytes */
};
