/* Protocol numbers and the header layouts the BPF side needs that the uapi
 * headers lack (linux/icmp.h and linux/icmpv6.h drag in libc headers).
 * Ethernet, IPv4, IPv6, TCP and UDP come from the uapi headers. */
#pragma once

#include <linux/types.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/tcp.h>
#include <linux/udp.h>

#define PCN_IPPROTO_HOPOPTS 0
#define PCN_IPPROTO_ICMP 1
#define PCN_IPPROTO_TCP 6
#define PCN_IPPROTO_UDP 17
#define PCN_IPPROTO_ROUTING 43
#define PCN_IPPROTO_FRAGMENT 44
#define PCN_IPPROTO_ESP 50
#define PCN_IPPROTO_AH 51
#define PCN_IPPROTO_ICMPV6 58
#define PCN_IPPROTO_NONE 59
#define PCN_IPPROTO_DSTOPTS 60

#define PCN_ICMP_ECHOREPLY 0
#define PCN_ICMP_DEST_UNREACH 3
#define PCN_ICMP_ECHO 8
#define PCN_ICMP_TIME_EXCEEDED 11
#define PCN_ICMP_PARAMETERPROB 12

#define PCN_ICMPV6_DEST_UNREACH 1
#define PCN_ICMPV6_PKT_TOOBIG 2
#define PCN_ICMPV6_TIME_EXCEED 3
#define PCN_ICMPV6_PARAMPROB 4
#define PCN_ICMPV6_ECHO_REQUEST 128
#define PCN_ICMPV6_ECHO_REPLY 129

/* TCP flag bits (byte 13 of the header). */
#define PCN_TCP_FIN 0x01
#define PCN_TCP_SYN 0x02
#define PCN_TCP_RST 0x04
#define PCN_TCP_PSH 0x08
#define PCN_TCP_ACK 0x10

/* IPv4 fragment field: more fragments, offset mask. */
#define PCN_IP_MF 0x2000
#define PCN_IP_OFFSET 0x1fff

/* An 802.1Q / 802.1ad tag as it follows the MAC addresses. */
struct pcn_vlan_hdr {
  __be16 tci;
  __be16 proto; /* EtherType of what follows */
};

/* The fixed part of ICMP and ICMPv6 headers; `id` and `seq` are those of
 * echo messages (an error has its unused/MTU word there). */
struct pcn_icmp_hdr {
  __u8 type;
  __u8 code;
  __sum16 checksum;
  __be16 id;
  __be16 seq;
};

/* The start of every IPv6 extension header the parser walks. */
struct pcn_ipv6_opt_hdr {
  __u8 nexthdr;
  __u8 hdrlen; /* 8-byte units beyond the first 8 (AH: 4-byte units beyond the first 8, minus 2) */
};

/* IPv6 fragment header. */
struct pcn_ipv6_frag_hdr {
  __u8 nexthdr;
  __u8 reserved;
  __be16 frag_off; /* offset << 3 | more fragments */
  __be32 identification;
};
