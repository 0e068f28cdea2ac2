// The runtime's core: its lifetime (hooks loaded at start, everything
// released at stop), the cube registry, program slots, global port ids and
// port counters. Topology (runtime_topology.cpp), netdev hooks
// (runtime_netdev.cpp), taking over a previous run (runtime_restart.cpp), the
// slow path (runtime_slowpath.cpp) and netdevs that go away
// (runtime_links.cpp) are the other parts of Runtime.
#include "polycube/runtime.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/magic.h>
#include <spdlog/spdlog.h>
#include <fnmatch.h>
#include <sys/mount.h>
#include <unistd.h>
#include <sys/vfs.h>

#include <algorithm>
#include <cstdlib>
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
  if (opts_.watch_links) {
    links_ = std::make_unique<netlink::LinkMonitor>();  // subscribed from here on
    link_thread_ = std::thread([this] { watch_links(); });
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
  if (link_thread_.joinable())
    link_thread_.join();
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

void Runtime::set_netdev_allowlist(std::vector<std::string> patterns) {
  std::lock_guard<std::recursive_mutex> lock(mu_);
  netdev_allowlist_ = std::move(patterns);
}

uint32_t Runtime::allowed_netdev_ifindex(const std::string &name) const {
  uint32_t ifindex = usable_netdev_ifindex(name);
  if (netdev_allowlist_.empty() || netdevs_.count(ifindex))
    return ifindex;
  for (const auto &pattern : netdev_allowlist_)
    if (fnmatch(pattern.c_str(), name.c_str(), 0) == 0)
      return ifindex;
  std::string list;
  for (const auto &pattern : netdev_allowlist_)
    list += (list.empty() ? "" : " ") + pattern;
  throw Error(ErrorCode::kDenied, "netdev '" + name + "' is not in the daemon's netdev allow-list (" + list +
                                      "); polycubed --netdev-allow sets it");
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
    // Detached first, as a qdisc goes with the interface it sits on.
    if (!cube->attached_to().empty())
      detach(name, cube->attached_to());
  } else {
    for (auto &[pname, port] : cube->ports_) {
      for (const auto &t : std::vector<std::string>(port.transparent))
        detach(t, name + ":" + pname);
      unlink_peer(*cube, port, true);
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

}  // namespace polycube
