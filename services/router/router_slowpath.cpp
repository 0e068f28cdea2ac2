// The router's slow path: what the data plane punts to it. Next hops
// without an ARP entry (a request, a bounded queue per next hop, the queued
// frames sent on when the reply comes), and ICMP errors (time exceeded,
// network unreachable) with a rate limit. Frames are written with the
// shared packet builder (polycube/packet.h), the one the tests use.
#include <arpa/inet.h>

#include <algorithm>

#include "polycube/checksum.h"
#include "polycube/clock.h"
#include "polycube/mac.h"
#include "polycube/packet.h"
#include "polycube/runtime.h"
#include "router.h"
#include "router_bpf_maps.h"

namespace polycube::services {

namespace maps = polycube::bpf_maps::router_bpf;

using ipv4::Cidr;
namespace pk = polycube::packet;

namespace {

void put_mac(std::string &f, size_t at, uint64_t mac) { polycube::mac_to_bytes(mac, reinterpret_cast<uint8_t *>(&f[at])); }

uint32_t be32(const uint8_t *p) { return uint32_t(p[0]) << 24 | uint32_t(p[1]) << 16 | uint32_t(p[2]) << 8 | p[3]; }

}  // namespace

std::optional<Cidr> Router::source_for(const std::string &port, uint32_t towards) const {
  auto it = config_.ports.find(port);
  if (it == config_.ports.end()) return std::nullopt;
  const auto &a = it->second;
  for (const auto &s : a.secondary)
    if (s.contains(towards) && !(a.primary && a.primary->contains(towards))) return s;
  if (a.primary) return a.primary;
  if (!a.secondary.empty()) return a.secondary.front();
  return std::nullopt;
}

std::string Router::arp_request(uint64_t src_mac, uint32_t src_ip, uint32_t target) const {
  pk::Packet p;
  p.eth(pk::mac(0xffffffffffffull), pk::mac(src_mac));
  p.arp = pk::Arp{1, pk::mac(src_mac), {}, src_ip, target};  // target MAC left zero
  return pk::build(p);
}

void Router::on_packet_in(const PacketIn &pkt) {
  switch (pkt.reason) {
    case RT_REASON_ARP_MISS: on_arp_miss(pkt); break;
    case RT_REASON_ARP_REPLY: on_arp_reply(pkt); break;
    case RT_REASON_TTL_EXCEEDED: send_icmp_error(pkt, 11, 0); break;
    case RT_REASON_NO_ROUTE: send_icmp_error(pkt, 3, 0); break;
    default: break;
  }
}

void Router::on_arp_miss(const PacketIn &pkt) {
  if (pkt.data.size() != pkt.len || pkt.data.size() < 14) return;  // truncated: cannot be sent on
  uint32_t nexthop = ntohl(pkt.user[0]), out = pkt.user[1];
  std::string port = port_name_of(out);
  if (port.empty()) return;
  auto now = std::chrono::steady_clock::now();
  std::string request;
  std::optional<uint64_t> known;
  {
    std::lock_guard<std::recursive_mutex> lock(rt_.mutex());
    // Resolved while this frame was in the ring: send it on at once.
    auto e = map<uint32_t, rt_arp_entry>(maps::rt_arp).get(htonl(nexthop));
    if (e && e->port == out && monotonic_seconds() - e->timestamp <= config_.arp_aging) known = polycube::mac_from_bytes(e->mac);
    std::lock_guard<std::mutex> slow(slow_mu_);
    if (!known) {
      if (!pending_.count(nexthop) && pending_.size() >= kMaxPendingNexthops) {
        counters_.queue_drops++;
        return;
      }
      Pending &p = pending_[nexthop];
      p.port = out;
      while (!p.frames.empty() && (p.frames.size() >= kQueuePerNexthop || now - p.frames.front().first > kQueueLifetime)) {
        p.frames.pop_front();  // oldest first, as the Linux neighbour queue
        counters_.queue_drops++;
      }
      p.frames.emplace_back(now, pkt.data);
      counters_.queued++;
      if (now - p.last_request >= kArpRetransmit) {
        auto src = source_for(port, nexthop);
        if (src) {
          request = arp_request(port_mac(port), src->addr, nexthop);
          p.last_request = now;
          counters_.arp_requests_sent++;
        }
      }
    } else {
      counters_.reinjected++;
    }
  }
  if (known) {
    std::string f = pkt.data;
    put_mac(f, 0, *known);
    checksum::complete_partial(f);  // the punt lost the skb's offload state
    packet_out(port, f);
  } else if (!request.empty()) {
    packet_out(port, request);
  }
}

void Router::on_tick(std::chrono::steady_clock::time_point now) {
  std::vector<std::pair<std::string, std::string>> requests;  // port, frame
  {
    std::lock_guard<std::recursive_mutex> lock(rt_.mutex());
    std::lock_guard<std::mutex> slow(slow_mu_);
    for (auto it = pending_.begin(); it != pending_.end();) {
      auto &[nexthop, p] = *it;
      while (!p.frames.empty() && now - p.frames.front().first > kQueueLifetime) {
        p.frames.pop_front();
        counters_.queue_drops++;
      }
      if (p.frames.empty()) {  // nothing waits any more: forget the next hop
        it = pending_.erase(it);
        continue;
      }
      if (now - p.last_request >= kArpRetransmit) {
        std::string port = port_name_of(p.port);
        auto src = port.empty() ? std::nullopt : source_for(port, nexthop);
        if (src) {
          requests.emplace_back(port, arp_request(port_mac(port), src->addr, nexthop));
          p.last_request = now;
          counters_.arp_requests_sent++;
        }
      }
      ++it;
    }
  }
  for (const auto &[port, frame] : requests) packet_out(port, frame);
}

void Router::on_arp_reply(const PacketIn &pkt) {
  std::optional<pk::Arp> reply = pk::arp_of(pk::parse(pkt.data));
  if (!reply) return;
  uint64_t mac = polycube::mac_from_bytes(reply->sha.b);
  uint32_t ip = reply->spa;
  std::string port = port_name_of(pkt.port_index);
  if (port.empty() || ip == 0) return;
  std::deque<std::pair<std::chrono::steady_clock::time_point, std::string>> frames;
  {
    std::lock_guard<std::recursive_mutex> lock(rt_.mutex());
    rt_arp_entry e{};
    polycube::mac_to_bytes(mac, e.mac);
    e.port = pkt.port_index;
    e.timestamp = monotonic_seconds();
    map<uint32_t, rt_arp_entry>(maps::rt_arp).set(htonl(ip), e);
    std::lock_guard<std::mutex> slow(slow_mu_);
    auto it = pending_.find(ip);
    if (it == pending_.end()) return;
    if (it->second.port == pkt.port_index) frames.swap(it->second.frames);
    pending_.erase(it);
  }
  auto now = std::chrono::steady_clock::now();
  for (auto &[queued_at, f] : frames) {
    if (now - queued_at > kQueueLifetime) continue;
    put_mac(f, 0, mac);
    checksum::complete_partial(f);  // the punt lost the skb's offload state
    packet_out(port, f);
    std::lock_guard<std::mutex> slow(slow_mu_);
    counters_.reinjected++;
  }
}

bool Router::take_icmp_token() {
  std::lock_guard<std::mutex> slow(slow_mu_);
  auto now = std::chrono::steady_clock::now();
  if (now - icmp_refill_ >= std::chrono::seconds(1)) {
    icmp_tokens_ = kIcmpErrorsPerSecond;
    icmp_refill_ = now;
  }
  if (icmp_tokens_ == 0) return false;
  icmp_tokens_--;
  counters_.icmp_errors_sent++;
  return true;
}

// ICMP error about the frame as it arrived: sent back out of the input
// port to the frame's source MAC (the previous hop), from the input port's
// address on the sender's network (else its primary), with the offending
// header and the start of its payload (RFC 1812 4.3.2.3: up to 576 bytes).
void Router::send_icmp_error(const PacketIn &pkt, uint8_t type, uint8_t code) {
  const std::string &in = pkt.data;
  if (in.size() < 14 + 20) return;
  const uint8_t *d = reinterpret_cast<const uint8_t *>(in.data());
  size_t ihl = size_t(d[14] & 0x0f) * 4;
  if ((d[14] >> 4) != 4 || ihl < 20 || in.size() < 14 + ihl) return;
  uint32_t src = be32(d + 14 + 12);
  uint16_t frag = uint16_t((d[14 + 6] << 8) | d[14 + 7]);
  uint8_t first = uint8_t(src >> 24);
  if (src == 0 || first >= 224 || first == 127 || (frag & 0x1fff)) return;  // RFC 1812 4.3.2.7
  if (d[14 + 9] == 1 && in.size() >= 14 + ihl + 1) {
    uint8_t t = d[14 + ihl];
    if (t != 0 && t != 8) return;  // never an error about an error
  }
  std::string port = pkt.port_name.empty() ? port_name_of(pkt.port_index) : pkt.port_name;
  std::optional<Cidr> from;
  uint64_t mac;
  {
    std::lock_guard<std::recursive_mutex> lock(rt_.mutex());
    if (port.empty()) return;
    from = source_for(port, src);
    mac = port_mac(port);
    for (const auto &[p, a] : config_.ports) {  // from ourselves
      if (a.primary && a.primary->addr == src) return;
      for (const auto &s : a.secondary)
        if (s.addr == src) return;
    }
  }
  if (!from || !take_icmp_token()) return;
  size_t quoted = std::min<size_t>(in.size() - 14, 576 - 20 - 8);
  pk::Packet err;
  std::copy(d + 6, d + 12, err.dst.b);  // back to the previous hop
  err.src = pk::mac(mac);
  err.ipv4(from->addr, src, 64);
  err.ip4->tos = 0xc0;  // internetwork control
  err.with_icmp(type, code);
  err.payload = in.substr(14, quoted);
  packet_out(port, pk::build(err));
}

}  // namespace polycube::services
