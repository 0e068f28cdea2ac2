#include "polycube/runtime.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/magic.h>
#include <spdlog/spdlog.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <fcntl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <unistd.h>
#include <sys/vfs.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <filesystem>

#include "leftovers.h"
#include "names.h"
#include "netlink.h"
#include "polycube/netdev.h"
#include "pcn_hook_bpf.h"

namespace polycube {

namespace fs = std::filesystem;

namespace {

void ensure_bpffs() {
  struct statfs st {};
  if (statfs("/sys/fs/bpf", &st) == 0 && st.f_type == BPF_FS_MAGIC)
    return;
  fs::create_directories("/sys/fs/bpf");
  if (mount("bpf", "/sys/fs/bpf", "bpf", 0, nullptr) != 0)
    check_kernel(-errno, "mount bpffs on /sys/fs/bpf");
}

pcn_target drop_target() { return pcn_target{PCN_T_DROP, 0, 0, 0}; }
pcn_target pass_target() { return pcn_target{PCN_T_PASS, 0, 0, 0}; }
pcn_target entry_target(const Cube &c, const Port &p) {
  return pcn_target{PCN_T_PROG, c.slot(PCN_SLOT_INGRESS), p.index, p.gport};
}
pcn_target handler_target(const Cube &t, uint32_t dir) {
  return pcn_target{PCN_T_PROG, t.slot(dir), dir, 0};
}
bool same_family(Mode a, Mode b) { return is_xdp(a) == is_xdp(b); }

}  // namespace

std::string default_pin_root() {
  const char *env = std::getenv("PCN_PIN_ROOT");
  return env && *env ? env : "/sys/fs/bpf/polycube";
}

Runtime::Runtime(RuntimeOptions opts) : opts_(std::move(opts)) {
  init_libbpf_logging();
  ensure_bpffs();
  remove_dead_runtime_leftovers();
  // One runtime per pin root: a second one would take the first one's state
  // for a dead run's.
  lock_ = std::make_unique<PinRootLock>(opts_.pin_root);
  set_aside_previous_runs();
  if (!opts_.keep_stale_until_released)
    release_stale();
  fs::create_directories(globals_dir());
  fs::create_directories(opts_.pin_root + "/cubes");
  fs::create_directories(opts_.pin_root + "/hooks");
  fs::create_directories(opts_.pin_root + "/qdiscs");
  fs::create_directories(opts_.pin_root + "/netdevs");
  slot_used_.resize(PCN_MAX_PROG_SLOTS);
  gport_used_.resize(PCN_MAX_GPORTS);
  gport_used_[0] = true;  // sink for "no port"

  auto src = pcn_hook_bpf();
  for (bool xdp : {false, true}) {
    Hooks &h = xdp ? xdp_ : tc_;
    LoadSpec spec;
    spec.pin_root = globals_dir();
    h.obj = load_object(xdp ? src.xdp : src.tc, spec);
    const char *sfx = xdp ? "_xdp" : "_tc";
    h.ingress_fd = h.obj->prog_fd("pcn_netdev_ingress");
    bpf_prog_info info{};
    uint32_t len = sizeof(info);
    bpf_obj_get_info_by_fd(h.ingress_fd, &info, &len);
    h.ingress_id = info.id;
    h.netdev_in = h.obj->map_fd(std::string("pcn_netdev_in") + sfx);
    h.progs = h.obj->map_fd(std::string("pcn_progs") + sfx);
    h.stats = h.obj->map_fd(std::string("pcn_stats") + sfx);
    h.ring = h.obj->map_fd(std::string("pcn_slowpath") + sfx);
    h.inject_fd = h.obj->prog_fd("pcn_inject");
    h.inject_map = h.obj->map_fd(std::string("pcn_inject") + sfx);
    std::string inject_pin = opts_.pin_root + "/hooks/" + (xdp ? "xdp_inject" : "tc_inject");
    bpf_obj_pin(h.inject_fd, inject_pin.c_str());
    std::string pin = opts_.pin_root + "/hooks/" + (xdp ? "xdp_ingress" : "tc_ingress");
    bpf_obj_pin(h.ingress_fd, pin.c_str());
    if (!xdp) {
      h.egress_fd = h.obj->prog_fd("pcn_netdev_egress");
      h.netdev_eg = h.obj->map_fd("pcn_netdev_eg_tc");
      pin = opts_.pin_root + "/hooks/tc_egress";
      bpf_obj_pin(h.egress_fd, pin.c_str());
    }
  }
  if (opts_.slowpath) {
    ring_ = ring_buffer__new(tc_.ring, &Runtime::on_ring_event, this, nullptr);
    if (!ring_ || ring_buffer__add(ring_, xdp_.ring, &Runtime::on_ring_event, this) != 0)
      throw Error(ErrorCode::kKernel, "cannot open the slow-path ring buffers");
    slowpath_thread_ = std::thread([this] { slowpath_loop(); });
  }
}

Runtime::~Runtime() {
  stop_ = true;
  if (slowpath_thread_.joinable())
    slowpath_thread_.join();
  if (ring_)
    ring_buffer__free(ring_);
  std::lock_guard<std::recursive_mutex> lock(mu_);
  // Transparent cubes first, then every cube; one failure (say, a netdev
  // deleted under a port) must not leave the others behind.
  for (auto &[name, c] : cubes_)
    if (c->transparent() && !c->attached_to().empty()) {
      try {
        detach(name, c->attached_to());
      } catch (const std::exception &e) {
        spdlog::error("shutdown: detach {}: {}", name, e.what());
        c->attached_to_.clear();
      }
    }
  while (!cubes_.empty()) {
    std::string name = cubes_.begin()->first;
    try {
      delete_cube(name);
    } catch (const std::exception &e) {
      spdlog::error("shutdown: delete {}: {}", name, e.what());
      cubes_.begin()->second->teardown();
      cubes_.erase(cubes_.begin());
    }
  }
  for (auto &[ifindex, _] : std::map<uint32_t, NetdevUse>(netdevs_))
    netdev_release(ifindex);
  if (inject_sock_ >= 0)
    close(inject_sock_);
  if (!inject_if_.empty()) {
    try {
      netlink::delete_link(inject_if_);
    } catch (const std::exception &e) {
      spdlog::error("shutdown: {}", e.what());
    }
  }
  tc_.obj.reset();
  xdp_.obj.reset();
  if (stale_generations_.empty()) {
    std::error_code ec;
    fs::remove_all(opts_.pin_root, ec);
  } else {
    // Stopped before taking over (a restore that failed): the previous
    // run's data path still forwards; the next start takes it over.
    remove_own_generation();
  }
}

void Runtime::set_aside_previous_runs() {
  const std::string &root = opts_.pin_root;
  std::error_code ec;
  for (const char *dir : {"/qdiscs", "/netdevs"})
    for (const auto &entry : fs::directory_iterator(root + dir, ec)) {
      auto ifindex = static_cast<uint32_t>(std::strtoul(entry.path().filename().c_str(), nullptr, 10));
      if (ifindex) (dir[1] == 'q' ? inherited_qdiscs_ : inherited_netdevs_).insert(ifindex);
    }
  // The previous run's objects move (rename: they stay pinned) into a new
  // generation under stale/. A run that dies during start-up leaves its
  // own partial objects there too, next to the older ones its hooks may
  // still use; every generation stays until one run has replaced them all.
  std::vector<fs::path> current;
  for (const auto &entry : fs::directory_iterator(root, ec)) {
    std::string name = entry.path().filename();
    if (name != "stale" && name != "qdiscs" && name != "netdevs") current.push_back(entry.path());
  }
  if (!current.empty()) {
    unsigned long gen = 0;
    for (const auto &entry : fs::directory_iterator(root + "/stale", ec))
      gen = std::max(gen, std::strtoul(entry.path().filename().c_str(), nullptr, 10) + 1);
    std::string dir = root + "/stale/" + std::to_string(gen);
    fs::create_directories(dir);
    for (const auto &p : current) fs::rename(p, dir + "/" + p.filename().string());
  }
  for (const auto &entry : fs::directory_iterator(root + "/stale", ec)) stale_generations_.push_back(entry.path());
  if (!stale_generations_.empty())
    spdlog::warn("previous runs' state under {}: {} generation(s) kept forwarding until this run takes over",
                 root, stale_generations_.size());
}

void Runtime::drop_previous_hooks(uint32_t ifindex) {
  // Only what can be ours: our filter handle/priority, an XDP program named
  // pcn_..., a qdisc we recorded creating.
  tc_detach(ifindex, false);
  tc_detach(ifindex, true);
  xdp_detach_ours(ifindex);
  std::error_code ec;
  if (inherited_qdiscs_.count(ifindex)) {
    tc_destroy_qdisc(ifindex);
    fs::remove(qdisc_marker(ifindex), ec);
  }
  fs::remove(netdev_marker(ifindex), ec);
}

void Runtime::release_stale() {
  std::lock_guard<std::recursive_mutex> lock(mu_);
  for (auto &[ifindex, use] : netdevs_) {
    if (use.tc_in || use.xdp)
      continue;
    try {
      attach_hooks(ifindex, use);  // replaces the previous run's hook in place
    } catch (const std::exception &e) {
      spdlog::error("netdev {}: cannot take it over: {}", netdev_name(ifindex), e.what());
    }
  }
  // Netdevs the previous runs hooked that this configuration does not use
  // (say, a cube created just before a crash and never committed).
  std::set<uint32_t> unused = inherited_netdevs_;
  unused.insert(inherited_qdiscs_.begin(), inherited_qdiscs_.end());
  for (uint32_t ifindex : unused)
    if (!netdevs_.count(ifindex)) drop_previous_hooks(ifindex);
  inherited_netdevs_.clear();
  for (auto it = inherited_qdiscs_.begin(); it != inherited_qdiscs_.end();)
    it = netdevs_.count(*it) ? std::next(it) : inherited_qdiscs_.erase(it);
  // Now nothing runs the old objects: unpin exactly the generations found
  // at start.
  std::error_code ec;
  for (const auto &dir : stale_generations_) fs::remove_all(dir, ec);
  if (!stale_generations_.empty()) fs::remove(opts_.pin_root + "/stale", ec);  // only if empty
  stale_generations_.clear();
}

void Runtime::remove_own_generation() {
  std::error_code ec;
  for (const auto &entry : fs::directory_iterator(opts_.pin_root, ec)) {
    std::string name = entry.path().filename();
    if (name != "stale" && name != "qdiscs" && name != "netdevs") fs::remove_all(entry.path(), ec);
  }
}

int Runtime::previous_map(const std::string &cube, const std::string &map) const {
  std::lock_guard<std::recursive_mutex> lock(mu_);
  // The newest generation that has it: a run that died during start-up
  // had adopted the same map object (kept maps are reused, not recreated).
  std::vector<std::pair<unsigned long, std::string>> gens;
  for (const auto &dir : stale_generations_)
    gens.emplace_back(std::strtoul(fs::path(dir).filename().c_str(), nullptr, 10), dir);
  std::sort(gens.rbegin(), gens.rend());
  for (const auto &[n, dir] : gens) {
    std::string path = dir + "/cubes/" + bpffs_name(cube) + "/maps/" + map;
    if (!fs::exists(path)) continue;
    int fd = bpf_obj_get(path.c_str());
    if (fd >= 0) return fd;
  }
  return -1;
}

void Runtime::check_new_name(const std::string &name) const {
  check_name("cube", name);
  if (cubes_.count(name))
    throw Error(ErrorCode::kExists, "a cube named '" + name + "' already exists");
}

void Runtime::register_cube(const std::shared_ptr<Cube> &cube) {
  cubes_[cube->name()] = cube;
  for (uint32_t s : cube->slots_)
    by_slot_[s] = cube;
}

std::shared_ptr<Cube> Runtime::get(const std::string &name) const {
  std::lock_guard<std::recursive_mutex> lock(mu_);
  auto it = cubes_.find(name);
  if (it == cubes_.end())
    throw Error(ErrorCode::kNotFound, "unknown cube '" + name + "'");
  return it->second;
}

std::vector<std::shared_ptr<Cube>> Runtime::cubes() const {
  std::lock_guard<std::recursive_mutex> lock(mu_);
  std::vector<std::shared_ptr<Cube>> out;
  for (auto &[_, c] : cubes_) out.push_back(c);
  return out;
}

void Runtime::delete_cube(const std::string &name) {
  std::lock_guard<std::recursive_mutex> lock(mu_);
  auto cube = get(name);
  if (cube->transparent()) {
    if (!cube->attached_to().empty())
      throw Error(ErrorCode::kInUse, "cube " + name + " is attached to " + cube->attached_to() +
                                         "; detach it first");
  } else {
    for (auto &[pname, port] : cube->ports_) {
      for (const auto &t : std::vector<std::string>(port.transparent))
        detach(t, name + ":" + pname);
      unlink_peer(*cube, port);
    }
  }
  for (uint32_t s : cube->slots_)
    by_slot_.erase(s);
  cube->teardown();
  cubes_.erase(name);
  spdlog::info("cube {} deleted", name);
}

uint32_t Runtime::alloc_slot() {
  auto it = std::find(slot_used_.begin(), slot_used_.end(), false);
  if (it == slot_used_.end())
    throw Error(ErrorCode::kInvalid, "no free program slot (limit " + std::to_string(PCN_MAX_PROG_SLOTS) + ")");
  *it = true;
  return static_cast<uint32_t>(it - slot_used_.begin());
}

void Runtime::free_slot(uint32_t slot) {
  if (slot < slot_used_.size()) slot_used_[slot] = false;
}

uint32_t Runtime::alloc_gport() {
  auto it = std::find(gport_used_.begin(), gport_used_.end(), false);
  if (it == gport_used_.end())
    throw Error(ErrorCode::kInvalid, "no free port id (limit " + std::to_string(PCN_MAX_GPORTS) + ")");
  *it = true;
  uint32_t id = static_cast<uint32_t>(it - gport_used_.begin());
  for (int fd : {tc_.stats, xdp_.stats})  // a reused id starts from zero
    PercpuMap<uint32_t, pcn_port_stats>(fd).set_all(id, pcn_port_stats{});
  return id;
}

void Runtime::free_gport(uint32_t gport) {
  if (gport > 0 && gport < gport_used_.size()) gport_used_[gport] = false;
}

void Runtime::set_prog_slot(Mode mode, uint32_t slot, int prog_fd) {
  check_kernel(bpf_map_update_elem(hooks(mode).progs, &slot, &prog_fd, BPF_ANY) ? -errno : 0,
               "register program slot " + std::to_string(slot));
}

void Runtime::clear_prog_slot(Mode mode, uint32_t slot) {
  bpf_map_delete_elem(hooks(mode).progs, &slot);
}

PortStats Runtime::stats(uint32_t gport, Mode mode) const {
  PortStats out;
  for (const auto &s : PercpuMap<uint32_t, pcn_port_stats>(hooks(mode).stats).get(gport)) {
    out.rx_pkts += s.rx_pkts;
    out.rx_bytes += s.rx_bytes;
    out.tx_pkts += s.tx_pkts;
    out.tx_bytes += s.tx_bytes;
    out.drops += s.drops;
  }
  return out;
}

// ---- topology ----

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
    np.ifindex = usable_netdev_ifindex(peer);
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

namespace {
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
  uint32_t ifindex = usable_netdev_ifindex(where);
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

// ---- slow path ----

void Runtime::ensure_inject_veth() {
  if (inject_a_)
    return;
  // Our own veth pair, named after this process so concurrent runtimes never
  // share it; deleted in the destructor. TC packet-out is sent on A and runs
  // the TC inject program at B's ingress; XDP packet-out is sent on B and
  // runs the XDP inject program (generic mode: its redirects take the skb
  // path, so they reach any netdev) at A.
  std::string a = inject_veth_name(getpid()), b = a + "b";
  netlink::delete_link(a);  // a dead process with our pid may have left it
  netlink::create_veth_pair(a, b);
  inject_if_ = a;  // from here on the destructor deletes it
  uint32_t ia = netdev_ifindex(a), ib = netdev_ifindex(b);
  tc_attach(ib, false, tc_.inject_fd);
  xdp_attach(ia, xdp_.inject_fd, false);
  if (inject_sock_ < 0) inject_sock_ = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
  check_kernel(inject_sock_ < 0 ? -errno : 0, "packet-out socket");
  inject_a_ = ia;  // ready: later calls skip all this
  inject_b_ = ib;
}

void Runtime::inject(uint32_t gport, Mode mode, const pcn_target &egress, const std::string &frame) {
  std::lock_guard<std::recursive_mutex> lock(mu_);
  const Hooks &h = hooks(mode);
  check_kernel(bpf_map_update_elem(h.inject_map, &gport, &egress, BPF_ANY) ? -errno : 0, "packet-out map");
  ensure_inject_veth();
  std::string buf;
  sockaddr_ll sll{};
  sll.sll_family = AF_PACKET;
  sll.sll_halen = ETH_ALEN;
  int mark = 0;
  if (is_xdp(mode)) {  // XDP has no mark: the global port id travels as a 4-byte prefix
    buf.assign(reinterpret_cast<const char *>(&gport), sizeof(gport));
    buf += frame;
    sll.sll_ifindex = static_cast<int>(inject_b_);
  } else {
    buf = frame;
    mark = static_cast<int>(gport);
    sll.sll_ifindex = static_cast<int>(inject_a_);
  }
  std::memcpy(sll.sll_addr, buf.data(), ETH_ALEN);
  check_kernel(setsockopt(inject_sock_, SOL_SOCKET, SO_MARK, &mark, sizeof(mark)) ? -errno : 0, "SO_MARK");
  check_kernel(sendto(inject_sock_, buf.data(), buf.size(), 0, reinterpret_cast<sockaddr *>(&sll), sizeof(sll)) < 0
                   ? -errno
                   : 0,
               "packet-out send");
}

void Runtime::slowpath_loop() {
  auto next_tick = std::chrono::steady_clock::now() + kTickInterval;
  while (!stop_) {
    int n = ring_buffer__poll(ring_, 100);
    if (n < 0 && n != -EINTR)
      spdlog::warn("slow path poll: {}", std::strerror(-n));
    auto now = std::chrono::steady_clock::now();
    if (now < next_tick) continue;
    next_tick = now + kTickInterval;
    std::vector<std::shared_ptr<Cube>> live;
    {
      std::lock_guard<std::recursive_mutex> lock(mu_);
      live.reserve(by_slot_.size());
      for (const auto &[slot, weak] : by_slot_)
        if (auto cube = weak.lock()) live.push_back(std::move(cube));
    }
    for (const auto &cube : live) {
      try {
        cube->on_tick(now);
      } catch (const std::exception &e) {
        spdlog::warn("cube {}: timer failed: {}", cube->name(), e.what());
      }
    }
  }
}

int Runtime::on_ring_event(void *ctx, void *data, size_t size) {
  auto *rt = static_cast<Runtime *>(ctx);
  if (size < sizeof(uint32_t))
    return 0;
  const auto *ev = static_cast<const pcn_pkt_event *>(data);
  std::shared_ptr<Cube> cube;
  {
    std::lock_guard<std::recursive_mutex> lock(rt->mu_);
    auto it = rt->by_slot_.find(ev->cube_slot);
    if (it != rt->by_slot_.end())
      cube = it->second.lock();
  }
  if (cube)
    cube->dispatch_packet_in(*ev, size);
  return 0;
}

}  // namespace polycube
