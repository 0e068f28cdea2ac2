/* The result of parsing a packet (parse.bpf.h) and the parser's limits,
 * shared with C++ so tests can read a parse result out of a map. */
#pragma once

#include <linux/types.h>

#include "tuple.h"

/* Bytes from the start of the frame the parser may read: Ethernet, two
 * tags, IPv4 with options or IPv6 with extension headers, the L4 header,
 * and for an ICMP error the quoted IP and L4 headers. Headers that end
 * beyond it are treated as absent. */
#define PCN_PARSE_WINDOW 256
/* VLAN tags looked through in the frame. */
#define PCN_MAX_VLAN_TAGS 2
/* IPv6 extension headers walked before giving up on finding L4. */
#define PCN_IPV6_MAX_EXT 6

/* How deep pcn_parse() goes. */
enum pcn_parse_depth {
  PCN_PARSE_L2 = 0, /* Ethernet and VLAN tags */
  PCN_PARSE_L3 = 1, /* + IP header: addresses, protocol (IPv6: of the fixed header), fragment */
  PCN_PARSE_L4 = 2, /* + IPv6 extension headers, L4 header, what an ICMP error quotes */
};
/* Or'ed into the depth: leave IPv6 alone (family stays 0), for services
 * that handle IPv4 only and should not carry the IPv6 code. */
#define PCN_PARSE_IPV4_ONLY 0x100
#define PCN_PARSE_DEPTH_MASK 0xff
/* Or'ed into the depth, for services that rewrite TCP/UDP headers: say in
 * pcn_pkt.csum_seed whether the L4 checksum is only a pseudo-header sum
 * (see there). Costs a compare per packet in XDP, nothing in TC. */
#define PCN_PARSE_CSUM_STATE 0x200

/* pcn_pkt.frag */
#define PCN_FRAG_MORE 1  /* more fragments follow */
#define PCN_FRAG_LATER 2 /* not the first fragment: no L4 header */

/* What pcn_parse() found. Offsets are from the start of the frame; an
 * offset of 0 means "absent". The first block is always written; the
 * fields after it are valid only where their indicator says so. */
struct pcn_pkt {
  __u16 l3_off;        /* the L3 header: after Ethernet and the tags in the frame */
  __u16 l4_off;        /* the L4 header, present in full; 0: none or not parsed */
  __u16 quoted_l3_off; /* ICMP/ICMPv6 error: the quoted IP header (its fixed part present) */
  __u16 quoted_l4_off; /* ICMP error: the quoted L4 header (its first 8 bytes present) */
  __u8 nvlan;          /* tags in the frame, 0..PCN_MAX_VLAN_TAGS */
  __u8 family;         /* 4 or 6: a well-formed IP header; 0: not IP or malformed */
  __u8 frag;           /* PCN_FRAG_* */
  __u8 ttl;            /* TTL / hop limit */
  __u8 tcp_flags;      /* TCP: byte 13 of the header */
  __u8 icmp_type;      /* ICMP / ICMPv6 */
  __u8 icmp_code;
  __u8 csum_seed;      /* XDP + PCN_PARSE_CSUM_STATE, IPv4 TCP/UDP: the checksum field holds only the
                        * pseudo-header sum, to be completed at transmit (an skb a local socket sent with
                        * checksum offload, CHECKSUM_PARTIAL, seen by generic XDP). TC: always 0 (the
                        * kernel knows, and the checksum helpers ask it) */
  struct pcn_tuple tuple; /* addresses (family 4), L4 protocol (family != 0), ports (0 without l4_off;
                           * ICMP echo: the identifier); a map key as it is */
  /* Valid where said: */
  __be16 l3_proto;                     /* EtherType after the tags (unless pcn_parse returned -1) */
  __be16 vlan_tpid[PCN_MAX_VLAN_TAGS]; /* tag i < nvlan: its TPID, outermost first */
  __be16 vlan_tci[PCN_MAX_VLAN_TAGS];  /* tag i < nvlan: its TCI */
  __u16 pad2;
  struct pcn_tuple quoted; /* quoted_l4_off: the quoted IPv4 packet's tuple, as it was sent */
  __u8 saddr6[16];         /* family 6: the addresses */
  __u8 daddr6[16];
};

