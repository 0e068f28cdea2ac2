// Netdevs that go away under the runtime. A port's peer netdev that is
// deleted (or moved to another namespace) stops being a redirect target at
// once: its ifindex may be given to an unrelated new interface, which must
// not receive the port's traffic. The port's peer is cleared (or, with
// Port::reattach, kept as a name the port waits for), transparent cubes on a
// bare netdev that went away are detached, and the daemon is told so that
// its configuration says the same.
#include <net/if.h>
#include <spdlog/spdlog.h>

#include "netlink.h"
#include "polycube/netdev.h"
#include "polycube/runtime.h"

namespace polycube {

void Runtime::on_netdev_loss(std::function<void(const std::vector<NetdevLoss> &)> fn) {
  std::lock_guard<std::mutex> lock(loss_mu_);
  on_loss_ = std::move(fn);
}

void Runtime::netdev_gone(uint32_t ifindex, std::vector<NetdevLoss> &lost) {
  auto it = netdevs_.find(ifindex);
  if (it == netdevs_.end()) return;
  // A stale notification: the netdev we claimed under this ifindex is there
  // (deleted and made again, then claimed, before we read the deletion).
  if (!it->second.name.empty() && netdev_name(ifindex) == it->second.name) return;
  NetdevUse use = it->second;
  netdevs_lost_++;
  if (!use.owner.empty()) {
    auto [cube, port] = resolve_port(use.owner);
    std::string name = port->peer.netdev;
    port->lost_peer = name;
    if (port->reattach) {
      port->peer.ifindex = 0;
      waiting_netdevs_[name] = use.owner;
    } else {
      port->peer = Peer{};
    }
    // The port's egress drops before the netdev's entries go.
    try {
      sync_port(*cube, *port);
    } catch (const std::exception &e) {
      spdlog::error("netdev {} went away: port {}: {}", name, use.owner, e.what());
    }
    netdev_forget(ifindex);
    spdlog::warn("netdev {} (ifindex {}), the peer of port {}, went away; {}", name, ifindex, use.owner,
                 port->reattach ? "the port waits for a netdev of that name" : "the port's peer is cleared");
    lost.push_back({name, cube->name(), cube->service(), port->name, port->reattach});
  } else {
    netdev_forget(ifindex);
  }
  // Transparent cubes attached to the netdev itself.
  for (const auto &t : use.transparent) {
    auto cube = get(t);
    cube->attached_to_.clear();
    spdlog::warn("netdev {} (ifindex {}) went away; transparent cube {} is detached", use.name, ifindex, t);
    lost.push_back({use.name, t, cube->service(), "", false});
  }
}

void Runtime::netdev_appeared(uint32_t ifindex, const std::string &name) {
  auto it = waiting_netdevs_.find(name);
  if (it == waiting_netdevs_.end() || netdevs_.count(ifindex)) return;
  std::string owner = it->second;
  auto [cube, port] = resolve_port(owner);
  if (port->peer.kind != Peer::kNetdev || port->peer.ifindex != 0 || port->peer.netdev != name) {
    waiting_netdevs_.erase(it);
    return;
  }
  try {
    netdev_claim(ifindex, cube->mode(), owner, write_ingress_chain(port->transparent, pcn_target{PCN_T_PROG, cube->slot(PCN_SLOT_INGRESS), port->index, port->gport}));
    port->peer.ifindex = ifindex;
    sync_port(*cube, *port);
  } catch (const std::exception &e) {
    port->peer.ifindex = 0;
    netdev_release(ifindex);
    spdlog::error("netdev {} came back but port {} cannot take it: {}", name, owner, e.what());
    return;
  }
  waiting_netdevs_.erase(name);
  port->lost_peer.clear();
  spdlog::info("netdev {} came back (ifindex {}); port {} takes it as its peer again (reattach)", name, ifindex, owner);
}

void Runtime::watch_links() {
  while (!stop_) {
    bool overflowed = false;
    std::vector<netlink::LinkEvent> events = links_->wait(200, &overflowed);
    if (events.empty() && !overflowed) continue;
    std::vector<NetdevLoss> lost;
    {
      std::lock_guard<std::recursive_mutex> lock(mu_);
      for (const auto &e : events) {
        try {
          if (e.removed) netdev_gone(e.ifindex, lost);
          else netdev_appeared(e.ifindex, e.name);
        } catch (const std::exception &ex) {
          spdlog::error("link notification for ifindex {}: {}", e.ifindex, ex.what());
        }
      }
      if (overflowed) {
        // Notifications were lost: what we hold against what exists. Costs
        // the netdevs in use, and only after an overflow.
        spdlog::warn("link notifications overflowed; checking the netdevs in use");
        std::vector<uint32_t> held;
        for (const auto &[ifindex, _] : netdevs_) held.push_back(ifindex);
        for (uint32_t ifindex : held) netdev_gone(ifindex, lost);
        for (const auto &[name, _] : std::map<std::string, std::string>(waiting_netdevs_))
          if (uint32_t ifindex = if_nametoindex(name.c_str())) netdev_appeared(ifindex, name);
      }
    }
    if (lost.empty()) continue;
    std::lock_guard<std::mutex> lock(loss_mu_);
    if (!on_loss_) continue;
    try {
      on_loss_(lost);
    } catch (const std::exception &e) {
      spdlog::error("clearing what named netdevs that went away: {}", e.what());
    }
  }
}

}  // namespace polycube
