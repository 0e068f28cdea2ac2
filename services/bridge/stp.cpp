#include "stp.h"

#include <cstdio>

namespace polycube::services {

const char *to_string(StpState s) {
  switch (s) {
    case StpState::kDisabled: return "disabled";
    case StpState::kBlocking: return "blocking";
    case StpState::kListening: return "listening";
    case StpState::kLearning: return "learning";
    case StpState::kForwarding: return "forwarding";
  }
  return "disabled";
}

const char *to_string(StpRole r) {
  switch (r) {
    case StpRole::kDisabled: return "disabled";
    case StpRole::kRoot: return "root";
    case StpRole::kDesignated: return "designated";
    case StpRole::kAlternate: return "alternate";
    case StpRole::kBackup: return "backup";
  }
  return "disabled";
}

std::string bridge_id_string(uint64_t id) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%04x.%02x:%02x:%02x:%02x:%02x:%02x", unsigned(id >> 48) & 0xffff,
                unsigned(id >> 40) & 0xff, unsigned(id >> 32) & 0xff, unsigned(id >> 24) & 0xff,
                unsigned(id >> 16) & 0xff, unsigned(id >> 8) & 0xff, unsigned(id) & 0xff);
  return buf;
}

namespace {

constexpr size_t kBpduOffset = 17;  // 14 Ethernet + 3 LLC
constexpr size_t kConfigBpduLen = 35;

void put_be(std::string &f, size_t at, uint64_t v, int bytes) {
  for (int i = bytes - 1; i >= 0; i--, v >>= 8) f[at + i] = static_cast<char>(v & 0xff);
}

uint64_t get_be(const std::string &f, size_t at, int bytes) {
  uint64_t v = 0;
  for (int i = 0; i < bytes; i++) v = (v << 8) | static_cast<uint8_t>(f[at + i]);
  return v;
}

uint16_t to_units(double seconds) { return static_cast<uint16_t>(seconds * 256.0 + 0.5); }

}  // namespace

std::string encode_bpdu(const Bpdu &b, const uint8_t src_mac[6]) {
  std::string f(60, '\0');
  const uint8_t dst[6] = {0x01, 0x80, 0xc2, 0x00, 0x00, 0x00};
  for (int i = 0; i < 6; i++) {
    f[i] = static_cast<char>(dst[i]);
    f[6 + i] = static_cast<char>(src_mac[i]);
  }
  put_be(f, 12, 3 + kConfigBpduLen, 2);  // 802.3 length
  f[14] = f[15] = 0x42;                  // LLC DSAP/SSAP: spanning tree
  f[16] = 0x03;                          // UI
  size_t o = kBpduOffset;
  // protocol id 0, version 0, type 0 (configuration)
  f[o + 4] = static_cast<char>((b.topology_change ? 0x01 : 0) | (b.topology_change_ack ? 0x80 : 0));
  put_be(f, o + 5, b.root_id, 8);
  put_be(f, o + 13, b.root_path_cost, 4);
  put_be(f, o + 17, b.bridge_id, 8);
  put_be(f, o + 25, b.port_id, 2);
  put_be(f, o + 27, to_units(b.message_age), 2);
  put_be(f, o + 29, to_units(b.max_age), 2);
  put_be(f, o + 31, to_units(b.hello_time), 2);
  put_be(f, o + 33, to_units(b.forward_delay), 2);
  return f;
}

std::optional<Bpdu> parse_bpdu(const std::string &f) {
  if (f.size() < kBpduOffset + kConfigBpduLen) return std::nullopt;
  if (get_be(f, 0, 6) != 0x0180c2000000ull) return std::nullopt;
  if (get_be(f, 12, 2) > 1500) return std::nullopt;  // must be 802.3, not Ethernet II
  if (static_cast<uint8_t>(f[14]) != 0x42 || static_cast<uint8_t>(f[15]) != 0x42 || f[16] != 0x03)
    return std::nullopt;
  size_t o = kBpduOffset;
  if (get_be(f, o, 2) != 0) return std::nullopt;
  uint8_t type = static_cast<uint8_t>(f[o + 3]);
  if (type != 0x00 && type != 0x02) return std::nullopt;  // configuration or RST
  Bpdu b;
  uint8_t flags = static_cast<uint8_t>(f[o + 4]);
  b.topology_change = flags & 0x01;
  b.topology_change_ack = flags & 0x80;
  b.root_id = get_be(f, o + 5, 8);
  b.root_path_cost = static_cast<uint32_t>(get_be(f, o + 13, 4));
  b.bridge_id = get_be(f, o + 17, 8);
  b.port_id = static_cast<uint16_t>(get_be(f, o + 25, 2));
  b.message_age = get_be(f, o + 27, 2) / 256.0;
  b.max_age = get_be(f, o + 29, 2) / 256.0;
  b.hello_time = get_be(f, o + 31, 2) / 256.0;
  b.forward_delay = get_be(f, o + 33, 2) / 256.0;
  return b;
}

void SpanningTree::configure(uint64_t bridge_id, const StpTimers &t) {
  bridge_id_ = bridge_id;
  t_ = t;
}

void SpanningTree::add_port(uint32_t index, double now) {
  PortInfo p;
  p.port_id = static_cast<uint16_t>(0x8000 | ((index + 1) & 0x0fff));
  p.state_since = now;
  ports_[index] = p;
}

void SpanningTree::remove_port(uint32_t index) {
  ports_.erase(index);
  if (root_port_ && *root_port_ == index) root_port_.reset();
}

SpanningTree::Output SpanningTree::restart(double now) {
  Output out;
  root_ = Bpdu{};
  root_.root_id = bridge_id_;
  root_port_.reset();
  tc_until_ = 0;
  for (auto &[index, p] : ports_) {
    p.received.reset();
    p.role = StpRole::kDesignated;
    p.state = StpState::kBlocking;
    p.state_since = now;
    out.states.emplace_back(index, p.state);
  }
  recompute(now, out);
  advance(now, out);
  hello(now, out);
  return out;
}

StpState SpanningTree::state(uint32_t index) const {
  auto it = ports_.find(index);
  return it == ports_.end() ? StpState::kDisabled : it->second.state;
}

StpRole SpanningTree::role(uint32_t index) const {
  auto it = ports_.find(index);
  return it == ports_.end() ? StpRole::kDisabled : it->second.role;
}

void SpanningTree::set_state(uint32_t index, PortInfo &p, StpState s, double now, Output &out) {
  if (p.state == s) return;
  if (s == StpState::kForwarding || p.state == StpState::kForwarding) {
    out.flush_fdb = true;  // frames may now take another path
    tc_until_ = now + t_.forward_delay + t_.max_age;
  }
  p.state = s;
  p.state_since = now;
  out.states.emplace_back(index, s);
}

void SpanningTree::recompute(double now, Output &out) {
  // Information heard on a port lives max-age minus its age.
  for (auto &[index, p] : ports_)
    if (p.received && now - p.received_at > p.received->max_age - p.received->message_age) p.received.reset();

  Vector best{bridge_id_, 0, bridge_id_, 0};
  std::optional<uint32_t> best_port;
  uint16_t best_local_id = 0;
  for (auto &[index, p] : ports_) {
    if (!p.received || p.received->bridge_id == bridge_id_) continue;  // our own BPDU looped back
    const Bpdu &r = *p.received;
    Vector v{r.root_id, r.root_path_cost + kPortPathCost, r.bridge_id, r.port_id};
    if (v.root_id >= bridge_id_) continue;  // a root no better than us
    if (!best_port || v < best || (v == best && p.port_id < best_local_id)) {
      best = v;
      best_port = index;
      best_local_id = p.port_id;
    }
  }
  uint64_t old_root = root_.root_id;
  uint32_t old_cost = root_.root_path_cost;
  auto old_port = root_port_;
  if (best_port) {
    const Bpdu &r = *ports_[*best_port].received;
    root_ = r;
    root_.root_path_cost = best.root_path_cost;
    root_port_ = best_port;
  } else {
    root_ = Bpdu{};
    root_.root_id = bridge_id_;
    root_port_.reset();
  }
  bool changed = old_root != root_.root_id || old_cost != root_.root_path_cost || old_port != root_port_;
  for (auto &[index, p] : ports_) {
    StpRole role;
    if (root_port_ && *root_port_ == index) {
      role = StpRole::kRoot;
    } else {
      Vector mine{root_.root_id, root_.root_path_cost, bridge_id_, p.port_id};
      if (!p.received) {
        role = StpRole::kDesignated;
      } else {
        const Bpdu &r = *p.received;
        Vector theirs{r.root_id, r.root_path_cost, r.bridge_id, r.port_id};
        if (mine < theirs) role = StpRole::kDesignated;
        else role = r.bridge_id == bridge_id_ ? StpRole::kBackup : StpRole::kAlternate;
      }
    }
    if (role != p.role) {
      p.role = role;
      changed = true;
    }
  }
  advance(now, out);
  if (changed) hello(now, out);  // tell the neighbours at once
}

void SpanningTree::advance(double now, Output &out) {
  for (auto &[index, p] : ports_) {
    bool active = p.role == StpRole::kRoot || p.role == StpRole::kDesignated;
    if (!active) {
      set_state(index, p, StpState::kBlocking, now, out);
      continue;
    }
    double in_state = now - p.state_since;
    switch (p.state) {
      case StpState::kDisabled:
      case StpState::kBlocking: set_state(index, p, StpState::kListening, now, out); break;
      case StpState::kListening:
        if (in_state >= t_.forward_delay) set_state(index, p, StpState::kLearning, now, out);
        break;
      case StpState::kLearning:
        if (in_state >= t_.forward_delay) set_state(index, p, StpState::kForwarding, now, out);
        break;
      case StpState::kForwarding: break;
    }
  }
}

Bpdu SpanningTree::designated_bpdu(const PortInfo &p) const {
  Bpdu b;
  b.root_id = root_.root_id;
  b.root_path_cost = root_.root_path_cost;
  b.bridge_id = bridge_id_;
  b.port_id = p.port_id;
  b.message_age = root_port_ ? root_.message_age + 1 : 0;
  b.max_age = t_.max_age;
  b.hello_time = t_.hello_time;
  b.forward_delay = t_.forward_delay;
  return b;
}

void SpanningTree::hello(double now, Output &out) {
  last_hello_ = now;
  for (auto &[index, p] : ports_) {
    if (p.role != StpRole::kDesignated) continue;
    Bpdu b = designated_bpdu(p);
    b.topology_change = now < tc_until_;
    out.send.emplace_back(index, b);
  }
}

SpanningTree::Output SpanningTree::receive(uint32_t index, const Bpdu &b, double now) {
  Output out;
  auto it = ports_.find(index);
  if (it == ports_.end()) return out;
  PortInfo &p = it->second;
  if (b.message_age >= b.max_age) return out;  // travelled too far
  p.received = b;
  p.received_at = now;
  if (b.topology_change) {
    out.flush_fdb = true;
    if (root_port_ && *root_port_ == index && tc_until_ < now + t_.forward_delay)
      tc_until_ = now + t_.forward_delay;  // pass it downstream
  }
  recompute(now, out);
  return out;
}

SpanningTree::Output SpanningTree::tick(double now) {
  Output out;
  recompute(now, out);
  if (now - last_hello_ >= t_.hello_time) hello(now, out);
  return out;
}

}  // namespace polycube::services
