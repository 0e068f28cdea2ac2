// The runtime's hooks on netdevs: claiming a netdev (its ingress map entry,
// then its TC or XDP hook), recording what a crash must let the next run
// undo, and releasing it.
#include "polycube/runtime.h"

#include <bpf/bpf.h>

#include <filesystem>

#include "polycube/netdev.h"

namespace polycube {

namespace fs = std::filesystem;

std::string Runtime::qdisc_marker(uint32_t ifindex) const {
  return opts_.pin_root + "/qdiscs/" + std::to_string(ifindex);
}

std::string Runtime::netdev_marker(uint32_t ifindex) const {
  return opts_.pin_root + "/netdevs/" + std::to_string(ifindex);
}

void Runtime::netdev_hook_in(uint32_t ifindex, const pcn_target &t) {
  const Hooks &h = hooks(netdevs_.at(ifindex).mode);
  check_kernel(bpf_map_update_elem(h.netdev_in, &ifindex, &t, BPF_ANY) ? -errno : 0, "netdev ingress map");
}

void Runtime::netdev_claim(uint32_t ifindex, Mode mode, const std::string &owner, const pcn_target &first) {
  if (netdevs_.count(ifindex)) {
    const NetdevUse &u = netdevs_.at(ifindex);
    throw Error(ErrorCode::kInUse, "netdev " + netdev_name(ifindex) + " is already used by " +
                                       (u.owner.empty() ? "transparent cube " + u.transparent.front() : u.owner));
  }
  // The hook's map entry before the hook: a hook that replaces a previous
  // run's one must find where to send packets from its first packet on.
  check_kernel(bpf_map_update_elem(hooks(mode).netdev_in, &ifindex, &first, BPF_ANY) ? -errno : 0,
               "netdev ingress map");
  NetdevUse use;
  use.mode = mode;
  use.name = netdev_name(ifindex);
  use.owner = owner;
  if (!stale_generations_.empty()) {
    // Rebuilding a previous run's topology: its hooks still forward. Ours
    // go on in release_stale(), once every cube and port exists, so each
    // netdev switches straight to a complete new data path.
    netdevs_[ifindex] = use;
    return;
  }
  try {
    attach_hooks(ifindex, use);
  } catch (...) {
    bpf_map_delete_elem(hooks(mode).netdev_in, &ifindex);
    throw;
  }
  netdevs_[ifindex] = use;
}

void Runtime::attach_hooks(uint32_t ifindex, NetdevUse &use) {
  const Mode mode = use.mode;
  fs::create_directories(netdev_marker(ifindex));  // before the hook: a crash may follow it
  if (is_xdp(mode)) {
    xdp_attach(ifindex, xdp_.ingress_fd, mode == Mode::kXdpDrv);
    use.xdp = true;
  } else {
    bool created = tc_create_clsact(ifindex);
    if (created) fs::create_directories(qdisc_marker(ifindex));  // at once: the record must outlive us
    use.created_qdisc = created || inherited_qdiscs_.count(ifindex);
    inherited_qdiscs_.erase(ifindex);
    auto undo_qdisc = [&] {
      if (!use.created_qdisc) return;
      tc_destroy_qdisc(ifindex);
      std::error_code ec;
      fs::remove(qdisc_marker(ifindex), ec);
    };
    try {
      tc_attach(ifindex, false, tc_.ingress_fd);
    } catch (...) {
      undo_qdisc();
      throw;
    }
    use.tc_in = true;
    if (use.owner.empty()) {  // a bare netdev's stack also sees what leaves it
      try {
        tc_attach(ifindex, true, tc_.egress_fd);
      } catch (...) {
        tc_detach(ifindex, false);
        undo_qdisc();
        throw;
      }
      use.tc_eg = true;
    }
  }
}

void Runtime::netdev_release(uint32_t ifindex) {
  auto it = netdevs_.find(ifindex);
  if (it == netdevs_.end()) return;
  const NetdevUse &u = it->second;
  if (u.xdp) xdp_detach(ifindex, u.mode == Mode::kXdpDrv, xdp_.ingress_id);
  if (u.tc_in) tc_detach(ifindex, false);
  if (u.tc_eg) tc_detach(ifindex, true);
  std::error_code ec;
  if (u.created_qdisc) {
    tc_destroy_qdisc(ifindex);
    fs::remove(qdisc_marker(ifindex), ec);
  }
  if (u.xdp || u.tc_in) fs::remove(netdev_marker(ifindex), ec);
  bpf_map_delete_elem(hooks(u.mode).netdev_in, &ifindex);
  if (u.tc_eg) bpf_map_delete_elem(tc_.netdev_eg, &ifindex);
  netdevs_.erase(it);
}

void Runtime::netdev_forget(uint32_t ifindex) {
  // The netdev is gone and its hooks (and a qdisc we made) with it; what
  // stays is ours: its map entries and the markers a restart would undo.
  auto it = netdevs_.find(ifindex);
  if (it == netdevs_.end()) return;
  const NetdevUse &u = it->second;
  std::error_code ec;
  fs::remove(qdisc_marker(ifindex), ec);
  fs::remove(netdev_marker(ifindex), ec);
  bpf_map_delete_elem(hooks(u.mode).netdev_in, &ifindex);
  if (u.tc_eg) bpf_map_delete_elem(tc_.netdev_eg, &ifindex);
  netdevs_.erase(it);
}

void Runtime::netdev_own(uint32_t ifindex, Cube &cube, const std::string &owner) {
  // A bare netdev with transparent cubes becomes a port's peer: its stack
  // now runs in the port's chains (sync_port), so the egress hook, which
  // would run it a second time on what the port sends, goes.
  NetdevUse &use = netdevs_.at(ifindex);
  if (is_xdp(use.mode) != is_xdp(cube.mode()))
    throw Error(ErrorCode::kInvalid, "netdev " + use.name + " runs transparent cubes in mode " + to_string(use.mode) +
                                         "; cube " + cube.name() + " is " + to_string(cube.mode()));
  if (use.tc_eg) {
    tc_detach(ifindex, true);
    bpf_map_delete_elem(tc_.netdev_eg, &ifindex);
    use.tc_eg = false;
  }
  use.owner = owner;
}

void Runtime::netdev_unown(uint32_t ifindex) {
  auto it = netdevs_.find(ifindex);
  if (it == netdevs_.end()) return;
  NetdevUse &use = it->second;
  if (use.transparent.empty()) {
    netdev_release(ifindex);
    return;
  }
  // Its transparent cubes stay attached to the netdev, now a bare one.
  use.owner.clear();
  if (!is_xdp(use.mode) && !use.tc_eg) {
    tc_attach(ifindex, true, tc_.egress_fd);
    use.tc_eg = true;
  }
  sync_bare_netdev(ifindex);
}

}  // namespace polycube
