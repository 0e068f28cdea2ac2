// Topology: which port or netdev each port's packets go to, and the stacks
// of transparent cubes attached on the way, written as the next-hop targets
// the data path reads.
#include "polycube/runtime.h"

#include <bpf/bpf.h>
#include <spdlog/spdlog.h>

#include <algorithm>

#include "polycube/netdev.h"

namespace polycube {

namespace {

pcn_target drop_target() { return pcn_target{PCN_T_DROP, 0, 0, 0}; }
pcn_target pass_target() { return pcn_target{PCN_T_PASS, 0, 0, 0}; }
pcn_target entry_target(const Cube &c, const Port &p) {
  return pcn_target{PCN_T_PROG, c.slot(PCN_SLOT_INGRESS), p.index, p.gport};
}
pcn_target handler_target(const Cube &t, uint32_t dir) {
  return pcn_target{PCN_T_PROG, t.slot(dir), dir, 0};
}
bool same_family(Mode a, Mode b) { return is_xdp(a) == is_xdp(b); }

void insert_at(std::vector<std::string> &chain, const std::string &name, const Position &pos) {
  auto other = std::find(chain.begin(), chain.end(), pos.other);
  switch (pos.kind) {
    case Position::kFirst: chain.insert(chain.begin(), name); return;
    case Position::kLast: chain.push_back(name); return;
    case Position::kBefore:
    case Position::kAfter:
      if (other == chain.end())
        throw Error(ErrorCode::kInvalid, "cube " + pos.other + " is not attached there");
      chain.insert(pos.kind == Position::kBefore ? other : other + 1, name);
      return;
  }
}

}  // namespace

std::pair<Cube *, Port *> Runtime::resolve_port(const std::string &ref) const {
  auto colon = ref.find(':');
  if (colon == std::string::npos)
    throw Error(ErrorCode::kInvalid, "'" + ref + "' is not a cube port (expected cube:port)");
  auto cube = get(ref.substr(0, colon));
  if (cube->transparent())
    throw Error(ErrorCode::kInvalid, "transparent cube " + cube->name() + " has no ports");
  return {cube.get(), &cube->port_ref(ref.substr(colon + 1))};
}

pcn_target Runtime::write_ingress_chain(const std::vector<std::string> &chain, const pcn_target &final) {
  pcn_target next = final;
  for (auto it = chain.rbegin(); it != chain.rend(); ++it) {
    auto t = get(*it);
    t->map<uint32_t, pcn_target>("pcn_tnext").set(PCN_SLOT_INGRESS, next);
    next = handler_target(*t, PCN_SLOT_INGRESS);
  }
  return next;
}

pcn_target Runtime::write_egress_chain(const std::vector<std::string> &chain, const pcn_target &final) {
  pcn_target next = final;
  for (const auto &name : chain) {
    auto t = get(name);
    t->map<uint32_t, pcn_target>("pcn_tnext").set(PCN_SLOT_EGRESS, next);
    next = handler_target(*t, PCN_SLOT_EGRESS);
  }
  return next;
}

std::vector<std::string> Runtime::port_chain(const Port &port) const {
  // Transparent cubes attached to the port's peer netdev sit outside the
  // port's own: between the wire and them.
  if (port.peer.kind != Peer::kNetdev || port.peer.ifindex == 0) return port.transparent;
  auto it = netdevs_.find(port.peer.ifindex);
  if (it == netdevs_.end() || it->second.transparent.empty()) return port.transparent;
  std::vector<std::string> chain = it->second.transparent;
  chain.insert(chain.end(), port.transparent.begin(), port.transparent.end());
  return chain;
}

void Runtime::sync_port(Cube &cube, Port &port) {
  const std::vector<std::string> chain = port_chain(port);
  pcn_target head_in = write_ingress_chain(chain, entry_target(cube, port));
  pcn_target final = drop_target();
  if (port.peer.kind == Peer::kNetdev && port.peer.ifindex != 0) {  // 0: gone, waiting (drop)
    netdev_hook_in(port.peer.ifindex, head_in);
    final = pcn_target{PCN_T_NETDEV, port.peer.ifindex, 0, 0};
  } else if (port.peer.kind == Peer::kCubePort && port.peer.linked) {
    auto peer = get(port.peer.cube);
    Port &q = peer->port_ref(port.peer.port);
    final = write_ingress_chain(q.transparent, entry_target(*peer, q));
    peer->write_port(q, write_egress_chain(q.transparent, head_in));
  }
  cube.write_port(port, write_egress_chain(chain, final));
}

void Runtime::sync_bare_netdev(uint32_t ifindex) {
  NetdevUse &use = netdevs_.at(ifindex);
  netdev_hook_in(ifindex, write_ingress_chain(use.transparent, pass_target()));
  if (!is_xdp(use.mode)) {
    pcn_target eg = write_egress_chain(use.transparent, pass_target());
    check_kernel(bpf_map_update_elem(tc_.netdev_eg, &ifindex, &eg, BPF_ANY) ? -errno : 0, "netdev egress map");
  }
}

void Runtime::unlink_peer(Cube &cube, Port &port, bool other_goes) {
  Peer old = port.peer;
  port.peer = Peer{};
  sync_port(cube, port);  // our egress now drops
  if (old.kind == Peer::kNetdev && old.ifindex == 0) {
    waiting_netdevs_.erase(old.netdev);
  } else if (old.kind == Peer::kNetdev) {
    netdev_unown(old.ifindex);
  } else if (old.kind == Peer::kCubePort && old.linked) {
    // The other side still names this port: it waits for it again (or,
    // when this port goes away, it has no peer).
    auto peer = get(old.cube);
    Port &q = peer->port_ref(old.port);
    if (other_goes) q.peer = Peer{};
    else q.peer.linked = false;
    sync_port(*peer, q);
  }
}

void Runtime::apply_peer(Cube &cube, Port &port, const std::string &peer) {
  std::lock_guard<std::recursive_mutex> lock(mu_);
  if (peer == port.peer.to_string())
    return;
  Peer np;
  Port *q = nullptr;
  Cube *d = nullptr;
  if (peer.empty()) {
    np.kind = Peer::kNone;
  } else if (peer.find(':') != std::string::npos) {
    std::tie(d, q) = resolve_port(peer);
    if (q == &port)
      throw Error(ErrorCode::kInvalid, "a port cannot be its own peer");
    const std::string me = cube.name() + ":" + port.name;
    // The other side is free (this one waits for it) or names this port.
    if (q->peer.kind != Peer::kNone && q->peer.to_string() != me)
      throw Error(ErrorCode::kInUse, "port " + peer + " is already connected to " + q->peer.to_string());
    if (!same_family(cube.mode(), d->mode()))
      throw Error(ErrorCode::kInvalid, "cannot connect " + cube.name() + " (" + to_string(cube.mode()) +
                                           ") to " + d->name() + " (" + to_string(d->mode()) + ")");
    np.kind = Peer::kCubePort;
    np.cube = d->name();
    np.port = q->name;
    np.linked = q->peer.kind == Peer::kCubePort;  // it names us: the link is up
    if (!np.linked) q = nullptr;                   // nothing changes on its side
  } else {
    np.kind = Peer::kNetdev;
    np.netdev = peer;
    np.ifindex = allowed_netdev_ifindex(peer);
    auto held = netdevs_.find(np.ifindex);
    if (held != netdevs_.end() && held->second.owner.empty()) {
      netdev_own(np.ifindex, cube, cube.name() + ":" + port.name);
    } else {
      netdev_claim(np.ifindex, cube.mode(), cube.name() + ":" + port.name,
                   write_ingress_chain(port.transparent, entry_target(cube, port)));
    }
  }
  Peer old = port.peer;
  try {
    unlink_peer(cube, port);
    port.peer = np;
    if (q)
      q->peer.linked = true;
    sync_port(cube, port);
    port.lost_peer.clear();
  } catch (...) {
    // Only map writes can fail here; put the port back unconnected rather
    // than half-linked, and release what we claimed.
    if (q) q->peer.linked = false;
    port.peer = Peer{};
    if (np.kind == Peer::kNetdev) netdev_unown(np.ifindex);
    try {
      sync_port(cube, port);
      if (q) sync_port(*d, *q);
    } catch (...) {
    }
    spdlog::error("setting peer of {}:{} to '{}' failed; was '{}', now unconnected", cube.name(), port.name, peer,
                  old.to_string());
    throw;
  }
}

void Runtime::set_reattach(Cube &cube, Port &port, bool reattach) {
  std::lock_guard<std::recursive_mutex> lock(mu_);
  port.reattach = reattach;
  if (reattach || port.peer.kind != Peer::kNetdev || port.peer.ifindex != 0) return;
  // Waiting for a netdev that it no longer asks for: the peer is cleared
  // as it would have been when the netdev went away.
  waiting_netdevs_.erase(port.peer.netdev);
  port.lost_peer = port.peer.netdev;
  port.peer = Peer{};
  sync_port(cube, port);
}

void Runtime::connect(const std::string &a, const std::string &b) {
  std::lock_guard<std::recursive_mutex> lock(mu_);
  auto [c, p] = resolve_port(a);
  if (p->peer.kind != Peer::kNone)
    throw Error(ErrorCode::kInUse, "port " + a + " is already connected to " + p->peer.to_string());
  auto [d, q] = resolve_port(b);
  if (q->peer.kind != Peer::kNone)
    throw Error(ErrorCode::kInUse, "port " + b + " is already connected to " + q->peer.to_string());
  // Both sides: a waits for b, then b names a and the link is up.
  apply_peer(*c, *p, b);
  try {
    apply_peer(*d, *q, a);
  } catch (...) {
    apply_peer(*c, *p, "");
    throw;
  }
}

void Runtime::disconnect(const std::string &a, const std::string &b) {
  std::lock_guard<std::recursive_mutex> lock(mu_);
  auto [c, p] = resolve_port(a);
  auto [d, q] = resolve_port(b);
  if (p->peer.to_string() != b)
    throw Error(ErrorCode::kInvalid, a + " is not connected to " + b);
  apply_peer(*c, *p, "");
  if (q->peer.to_string() == a) apply_peer(*d, *q, "");
}

void Runtime::attach(const std::string &tcube, const std::string &where, const std::string &position) {
  std::lock_guard<std::recursive_mutex> lock(mu_);
  auto t = get(tcube);
  if (!t->transparent())
    throw Error(ErrorCode::kInvalid, "cube " + tcube + " is not transparent");
  if (!t->attached_to().empty())
    throw Error(ErrorCode::kInUse, "cube " + tcube + " is already attached to " + t->attached_to());
  Position pos = Position::parse(position);
  if (where.find(':') != std::string::npos) {
    auto [c, p] = resolve_port(where);
    if (!same_family(c->mode(), t->mode()))
      throw Error(ErrorCode::kInvalid, "cannot attach " + tcube + " (" + to_string(t->mode()) + ") to " +
                                           c->name() + " (" + to_string(c->mode()) + ")");
    std::vector<std::string> before = p->transparent;
    insert_at(p->transparent, tcube, pos);
    t->attached_to_ = where;
    t->attached_position_ = position.empty() ? "last" : position;
    try {
      sync_port(*c, *p);
    } catch (...) {
      p->transparent = before;
      t->attached_to_.clear();
      sync_port(*c, *p);
      throw;
    }
    return;
  }
  uint32_t ifindex = allowed_netdev_ifindex(where);
  auto it = netdevs_.find(ifindex);
  if (it != netdevs_.end() && !it->second.owner.empty()) {
    // The netdev side of a port: outside the port's own stack.
    auto [c, p] = resolve_port(it->second.owner);
    if (!same_family(c->mode(), t->mode()))
      throw Error(ErrorCode::kInvalid, "cannot attach " + tcube + " (" + to_string(t->mode()) + ") to netdev " + where +
                                           ", the peer of " + it->second.owner + " (" + to_string(c->mode()) + ")");
    std::vector<std::string> before = it->second.transparent;
    insert_at(it->second.transparent, tcube, pos);
    t->attached_to_ = where;
    t->attached_position_ = position.empty() ? "last" : position;
    try {
      sync_port(*c, *p);
    } catch (...) {
      it->second.transparent = before;
      t->attached_to_.clear();
      sync_port(*c, *p);
      throw;
    }
    return;
  }
  if (it != netdevs_.end() && it->second.mode != t->mode())
    throw Error(ErrorCode::kInvalid, "netdev " + where + " already runs cubes in mode " +
                                         to_string(it->second.mode));
  bool fresh = it == netdevs_.end();
  std::vector<std::string> chain = fresh ? std::vector<std::string>{} : it->second.transparent;
  insert_at(chain, tcube, pos);
  if (fresh)
    netdev_claim(ifindex, t->mode(), "", write_ingress_chain(chain, pass_target()));
  std::vector<std::string> before = netdevs_[ifindex].transparent;
  netdevs_[ifindex].transparent = chain;
  t->attached_to_ = where;
  t->attached_position_ = position.empty() ? "last" : position;
  try {
    sync_bare_netdev(ifindex);
  } catch (...) {
    t->attached_to_.clear();
    if (fresh) {
      netdev_release(ifindex);
    } else {
      netdevs_[ifindex].transparent = before;
      sync_bare_netdev(ifindex);
    }
    throw;
  }
}

void Runtime::detach(const std::string &tcube, const std::string &where) {
  std::lock_guard<std::recursive_mutex> lock(mu_);
  auto t = get(tcube);
  if (t->attached_to() != where)
    throw Error(ErrorCode::kInvalid, "cube " + tcube + " is not attached to " + where);
  auto drop_from = [&](std::vector<std::string> &chain) {
    chain.erase(std::remove(chain.begin(), chain.end(), tcube), chain.end());
  };
  if (where.find(':') != std::string::npos) {
    auto [c, p] = resolve_port(where);
    drop_from(p->transparent);
    try {
      sync_port(*c, *p);
    } catch (const std::exception &e) {
      // Finish the detach anyway: a cube stuck "attached" to a stack that
      // no longer lists it could never be detached or deleted.
      spdlog::error("detach {} from {}: {}", tcube, where, e.what());
    }
  } else {
    uint32_t ifindex = netdev_ifindex(where);
    NetdevUse &use = netdevs_.at(ifindex);
    drop_from(use.transparent);
    if (!use.owner.empty()) {
      auto [c, p] = resolve_port(use.owner);
      sync_port(*c, *p);
    } else if (use.transparent.empty()) {
      netdev_release(ifindex);
    } else {
      sync_bare_netdev(ifindex);
    }
  }
  // The handler's own next targets stay as they were: packets already inside
  // it finish their trip; nothing points at it any more.
  t->attached_to_.clear();
}

}  // namespace polycube
