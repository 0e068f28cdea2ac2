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
        throw Error(ErrorCode::kNotFound, "cube " + pos.other + " is not attached there");
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

void Runtime::sync_port(Cube &cube, Port &port) {
  pcn_target head_in = write_ingress_chain(port.transparent, entry_target(cube, port));
  pcn_target final = drop_target();
  if (port.peer.kind == Peer::kNetdev) {
    netdev_hook_in(port.peer.ifindex, head_in);
    final = pcn_target{PCN_T_NETDEV, port.peer.ifindex, 0, 0};
  } else if (port.peer.kind == Peer::kCubePort) {
    auto peer = get(port.peer.cube);
    Port &q = peer->port_ref(port.peer.port);
    final = write_ingress_chain(q.transparent, entry_target(*peer, q));
    peer->write_port(q, write_egress_chain(q.transparent, head_in));
  }
  cube.write_port(port, write_egress_chain(port.transparent, final));
}

void Runtime::sync_bare_netdev(uint32_t ifindex) {
  NetdevUse &use = netdevs_.at(ifindex);
  netdev_hook_in(ifindex, write_ingress_chain(use.transparent, pass_target()));
  if (!is_xdp(use.mode)) {
    pcn_target eg = write_egress_chain(use.transparent, pass_target());
    check_kernel(bpf_map_update_elem(tc_.netdev_eg, &ifindex, &eg, BPF_ANY) ? -errno : 0, "netdev egress map");
  }
}

void Runtime::unlink_peer(Cube &cube, Port &port) {
  Peer old = port.peer;
  port.peer = Peer{};
  sync_port(cube, port);  // our egress now drops
  if (old.kind == Peer::kNetdev) {
    netdev_release(old.ifindex);
  } else if (old.kind == Peer::kCubePort) {
    auto peer = get(old.cube);
    Port &q = peer->port_ref(old.port);
    q.peer = Peer{};
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
    if (q->peer.kind != Peer::kNone)
      throw Error(ErrorCode::kInUse, "port " + peer + " is already connected to " + q->peer.to_string());
    if (!same_family(cube.mode(), d->mode()))
      throw Error(ErrorCode::kInvalid, "cannot connect " + cube.name() + " (" + to_string(cube.mode()) +
                                           ") to " + d->name() + " (" + to_string(d->mode()) + ")");
    np.kind = Peer::kCubePort;
    np.cube = d->name();
    np.port = q->name;
  } else {
    np.kind = Peer::kNetdev;
    np.netdev = peer;
    np.ifindex = allowed_netdev_ifindex(peer);
    netdev_claim(np.ifindex, cube.mode(), cube.name() + ":" + port.name,
                 write_ingress_chain(port.transparent, entry_target(cube, port)));
  }
  Peer old = port.peer;
  try {
    unlink_peer(cube, port);
    port.peer = np;
    if (q)
      q->peer = Peer{Peer::kCubePort, "", 0, cube.name(), port.name};
    sync_port(cube, port);
  } catch (...) {
    // Only map writes can fail here; put the port back unconnected rather
    // than half-linked, and release what we claimed.
    if (q) q->peer = Peer{};
    port.peer = Peer{};
    if (np.kind == Peer::kNetdev) netdev_release(np.ifindex);
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

void Runtime::connect(const std::string &a, const std::string &b) {
  std::lock_guard<std::recursive_mutex> lock(mu_);
  auto [c, p] = resolve_port(a);
  if (p->peer.kind != Peer::kNone)
    throw Error(ErrorCode::kInUse, "port " + a + " is already connected to " + p->peer.to_string());
  apply_peer(*c, *p, b);
}

void Runtime::disconnect(const std::string &a, const std::string &b) {
  std::lock_guard<std::recursive_mutex> lock(mu_);
  auto [c, p] = resolve_port(a);
  resolve_port(b);
  if (p->peer.to_string() != b)
    throw Error(ErrorCode::kInvalid, a + " is not connected to " + b);
  apply_peer(*c, *p, "");
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
  if (it != netdevs_.end() && !it->second.owner.empty())
    throw Error(ErrorCode::kInUse, "netdev " + where + " is the peer of " + it->second.owner +
                                       "; attach to that port instead");
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
    if (use.transparent.empty())
      netdev_release(ifindex);
    else
      sync_bare_netdev(ifindex);
  }
  // The handler's own next targets stay as they were: packets already inside
  // it finish their trip; nothing points at it any more.
  t->attached_to_.clear();
}

}  // namespace polycube
