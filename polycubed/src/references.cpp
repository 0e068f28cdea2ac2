#include "references.h"

#include <algorithm>
#include <nlohmann/json.hpp>

namespace polycube::daemon {

namespace {

bool is_cube_port(const std::string &ref) { return ref.find(':') != std::string::npos; }

std::string cube_of_port(const std::string &ref) { return ref.substr(0, ref.find(':')); }
std::string port_of(const std::string &ref) { return ref.substr(ref.find(':') + 1); }

}  // namespace

References::Cube References::of(const CubeChange &change) {
  Cube c;
  c.module = change.module;
  if (change.op == CubeChange::kDelete || change.json.empty()) return c;
  auto doc = nlohmann::json::parse(change.json);
  const auto &inst = doc.begin()->at(0);
  if (inst.contains("ports"))
    for (const auto &p : inst["ports"]) c.peers[p.value("name", "")] = p.value("peer", "");
  if (inst.contains("attached-to")) c.attached = inst["attached-to"].get<std::string>();
  return c;
}

void References::check(const std::vector<CubeChange> &changes) const {
  // The changed cubes as they will be; the others as indexed.
  std::map<std::string, Cube> next;
  std::set<std::string> deleted;
  for (const auto &ch : changes) {
    if (ch.op == CubeChange::kDelete) {
      deleted.insert(ch.name);
      continue;
    }
    if (next.count(ch.name))
      throw Error(ErrorCode::kExists, "a cube named '" + ch.name + "' already exists (names are global)");
    auto old = cubes_.find(ch.name);
    if (old != cubes_.end() && old->second.module != ch.module && !std::any_of(changes.begin(), changes.end(), [&](const CubeChange &d) {
          return d.op == CubeChange::kDelete && d.name == ch.name && d.module == old->second.module;
        }))
      throw Error(ErrorCode::kExists, "a cube named '" + ch.name + "' already exists (names are global)");
    next[ch.name] = of(ch);
  }
  auto lookup = [&](const std::string &cube) -> const Cube * {
    if (auto it = next.find(cube); it != next.end()) return &it->second;
    if (deleted.count(cube)) return nullptr;
    auto it = cubes_.find(cube);
    return it == cubes_.end() ? nullptr : &it->second;
  };
  auto peer_of = [&](const std::string &ref, bool &exists) -> std::string {
    const Cube *c = lookup(cube_of_port(ref));
    exists = false;
    if (!c) return "";
    auto p = c->peers.find(port_of(ref));
    if (p == c->peers.end()) return "";
    exists = true;
    return p->second;
  };
  auto existed = [&](const std::string &ref) {
    auto it = cubes_.find(cube_of_port(ref));
    return it != cubes_.end() && it->second.peers.count(port_of(ref));
  };
  // Peers of the changed cubes' ports resolve and name them back.
  for (const auto &[name, c] : next)
    for (const auto &[port, peer] : c.peers) {
      if (!is_cube_port(peer)) continue;
      std::string me = name + ":" + port;
      bool exists = false;
      std::string back = peer_of(peer, exists);
      if (!exists) {
        if (existed(peer))
          throw Error(ErrorCode::kInUse, "cannot remove " + peer + ": port " + me + " is connected to it; disconnect first");
        throw Error(ErrorCode::kNotFound, "peer " + peer + " of port " + me + " does not exist");
      }
      // One side alone is accepted: it waits until the other names it back
      // (its status says so). A peer that names a third port is taken.
      if (!back.empty() && back != me)
        throw Error(ErrorCode::kInUse, "port " + me + " names peer " + peer + " but " + peer + " is connected to " +
                                           back);
    }
  // Ports of changed or deleted cubes that go away or change peer: what
  // pointed at them must be changed in the same write.
  auto old_ports = [&](const std::string &name) -> const Cube * {
    auto it = cubes_.find(name);
    return it == cubes_.end() ? nullptr : &it->second;
  };
  std::set<std::string> touched = deleted;
  for (const auto &[name, _] : next) touched.insert(name);
  for (const auto &name : touched) {
    const Cube *before = old_ports(name);
    if (!before) continue;
    const Cube *after = lookup(name);
    for (const auto &[port, peer] : before->peers) {
      std::string me = name + ":" + port;
      bool gone = !after || !after->peers.count(port);
      // A port that names this one (linked, or waiting for it) after the
      // write: this one cannot go.
      if (gone)
        if (auto n = named_by_.find(me); n != named_by_.end())
          for (const auto &x : n->second) {
            bool exists = false;
            if (x != me && peer_of(x, exists) == me && exists)
              throw Error(ErrorCode::kInUse, "cannot remove " + me + ": port " + x + " is connected to it; disconnect first");
          }
      // Transparent cubes attached here.
      if (gone)
        if (auto a = attached_to_.find(me); a != attached_to_.end())
          for (const auto &t : a->second) {
            const Cube *tc = lookup(t);
            if (tc && tc->attached == me)
              throw Error(ErrorCode::kInUse, "cannot remove " + me + ": " + t + " is attached to it; detach first");
          }
    }
  }
  // Attachments of the changed cubes resolve.
  for (const auto &[name, c] : next) {
    if (c.attached.empty() || !is_cube_port(c.attached)) continue;
    bool exists = false;
    peer_of(c.attached, exists);
    if (exists) continue;
    if (existed(c.attached))
      throw Error(ErrorCode::kInUse, "cannot remove " + c.attached + ": " + name + " is attached to it; detach first");
    throw Error(ErrorCode::kNotFound, "cannot attach " + name + ": no port " + c.attached);
  }
  // A transparent cube deleted while attached is detached first (by the
  // runtime): nothing else names it.
}

std::vector<std::pair<std::string, std::string>> References::attached_to_removed(const std::vector<CubeChange> &changes) const {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto &ch : changes) {
    auto old = cubes_.find(ch.name);
    if (old == cubes_.end() || old->second.module != ch.module || attached_to_.empty()) continue;
    std::map<std::string, std::string> after;
    if (ch.op != CubeChange::kDelete) after = of(ch).peers;
    for (const auto &[port, _] : old->second.peers) {
      if (after.count(port)) continue;
      auto a = attached_to_.find(ch.name + ":" + port);
      if (a == attached_to_.end()) continue;
      for (const auto &t : a->second)
        if (auto tc = cubes_.find(t); tc != cubes_.end()) out.emplace_back(tc->second.module, t);
    }
  }
  return out;
}

void References::update(const std::vector<CubeChange> &changes) {
  for (const auto &ch : changes) {
    auto old = cubes_.find(ch.name);
    if (old != cubes_.end() && old->second.module == ch.module) {
      for (const auto &[port, peer] : old->second.peers) {
        if (!is_cube_port(peer)) continue;
        auto &s = named_by_[peer];
        s.erase(ch.name + ":" + port);
        if (s.empty()) named_by_.erase(peer);
      }
      if (!old->second.attached.empty()) {
        auto &s = attached_to_[old->second.attached];
        s.erase(ch.name);
        if (s.empty()) attached_to_.erase(old->second.attached);
      }
      cubes_.erase(old);
    }
    if (ch.op == CubeChange::kDelete) continue;
    Cube c = of(ch);
    if (!c.attached.empty()) attached_to_[c.attached].insert(ch.name);
    for (const auto &[port, peer] : c.peers)
      if (is_cube_port(peer)) named_by_[peer].insert(ch.name + ":" + port);
    cubes_[ch.name] = std::move(c);
  }
}

void References::clear() {
  cubes_.clear();
  attached_to_.clear();
  named_by_.clear();
}

}  // namespace polycube::daemon
