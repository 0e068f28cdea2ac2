#include "frames.h"

#include <arpa/inet.h>
#include <linux/if_ether.h>
#include <netinet/ip.h>
#include <netinet/udp.h>

#include <cstdio>
#include <cstring>
#include <stdexcept>

namespace pcntest {

Mac mac(const std::string &s) {
  Mac m{};
  unsigned v[6];
  if (std::sscanf(s.c_str(), "%x:%x:%x:%x:%x:%x", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5]) != 6)
    throw std::invalid_argument("bad mac " + s);
  for (int i = 0; i < 6; i++) m.b[i] = static_cast<uint8_t>(v[i]);
  return m;
}

uint32_t ip(const std::string &dotted) {
  in_addr a{};
  if (inet_pton(AF_INET, dotted.c_str(), &a) != 1) throw std::invalid_argument("bad ip " + dotted);
  return ntohl(a.s_addr);
}

static uint16_t csum(const void *data, size_t len) {
  const auto *p = static_cast<const uint8_t *>(data);
  uint32_t sum = 0;
  for (size_t i = 0; i + 1 < len; i += 2) sum += (p[i] << 8) | p[i + 1];
  if (len & 1) sum += p[len - 1] << 8;
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return htons(static_cast<uint16_t>(~sum));
}

std::string udp_frame(const Mac &dst, const Mac &src, uint32_t src_ip, uint32_t dst_ip, uint16_t sport,
                      uint16_t dport, size_t total_len) {
  const size_t hdrs = sizeof(ethhdr) + sizeof(iphdr) + sizeof(udphdr);
  if (total_len < hdrs) throw std::invalid_argument("frame too short");
  // Headers built in place would sit at offset 14, unaligned for iphdr's
  // 32-bit fields (undefined behaviour); build them aligned and copy.
  std::string f(total_len, '\0');
  ethhdr eth{};
  std::memcpy(eth.h_dest, dst.b, 6);
  std::memcpy(eth.h_source, src.b, 6);
  eth.h_proto = htons(ETH_P_IP);
  iphdr iph{};
  iph.version = 4;
  iph.ihl = 5;
  iph.ttl = 64;
  iph.protocol = IPPROTO_UDP;
  iph.tot_len = htons(static_cast<uint16_t>(total_len - sizeof(ethhdr)));
  iph.saddr = htonl(src_ip);
  iph.daddr = htonl(dst_ip);
  iph.check = csum(&iph, sizeof(iphdr));
  udphdr udp{};
  udp.source = htons(sport);
  udp.dest = htons(dport);
  udp.len = htons(static_cast<uint16_t>(total_len - sizeof(ethhdr) - sizeof(iphdr)));
  std::memcpy(f.data(), &eth, sizeof(eth));
  std::memcpy(f.data() + sizeof(ethhdr), &iph, sizeof(iph));
  std::memcpy(f.data() + sizeof(ethhdr) + sizeof(iphdr), &udp, sizeof(udp));
  for (size_t i = hdrs; i < total_len; i++) f[i] = static_cast<char>(i & 0xff);
  return f;
}

}  // namespace pcntest
