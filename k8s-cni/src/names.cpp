#include "names.h"

#include <cstdint>
#include <cstdio>

namespace pcncni {

namespace {

uint64_t fnv1a64(const std::string &s) {
  uint64_t h = 1469598103934665603ull;
  for (unsigned char c : s) h = (h ^ c) * 1099511628211ull;
  return h;
}

std::string hex(uint64_t v, int digits) {
  char buf[17];
  std::snprintf(buf, sizeof(buf), "%016llx", static_cast<unsigned long long>(v));
  return std::string(buf + 16 - digits);
}

}  // namespace

std::string bridge_cube(const std::string &net) { return net + "-br"; }
std::string router_cube(const std::string &net) { return net + "-rt"; }
std::string node_link_host(const std::string &net) { return "pcn" + hex(fnv1a64(net), 8) + "n"; }
std::string node_link_router(const std::string &net) { return "pcn" + hex(fnv1a64(net), 8) + "r"; }

// 11 hex digits (44 bits): a collision needs millions of pods on one node.
std::string pod_port(const std::string &net, const std::string &container_id, const std::string &ifname) {
  return "pcn" + hex(fnv1a64(net + '\0' + container_id + '\0' + ifname), 11);
}

std::string pod_alias(const std::string &net, const std::string &container_id, const std::string &ifname) {
  return kAliasPrefix + net + " " + container_id + " " + ifname;
}

// 169.254.a.b/30 with a in 1..254 (never 169.254.169.x, the cloud metadata
// /24) and b a multiple of 4: 16,000 distinct links.
Ipv4Prefix default_node_link(const std::string &net) {
  uint64_t h = fnv1a64("node-link/" + net);
  uint32_t a = 1 + static_cast<uint32_t>(h % 254);
  if (a == 169) a = 170;
  uint32_t b = static_cast<uint32_t>((h >> 8) % 64) * 4;
  return {(169u << 24) | (254u << 16) | (a << 8) | b, 30};
}

}  // namespace pcncni
