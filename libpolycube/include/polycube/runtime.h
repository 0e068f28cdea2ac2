// The datapath runtime: global maps and hook programs, id allocation, the
// registry of cubes, the topology (peers and transparent stacks) and the slow
// path. One instance per process.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "polycube/bpf_loader.h"
#include "polycube/cube.h"
#include "polycube/error.h"
#include "polycube/types.h"

struct ring_buffer;

namespace polycube {

class PinRootLock;
namespace netlink {
class LinkMonitor;
}

// A netdev the configuration named that went away (deleted, or moved to
// another network namespace): the peer of port `port` of `cube`, or, with
// `port` empty, the attachment point of transparent cube `cube`.
struct NetdevLoss {
  std::string netdev;
  std::string cube, service;
  std::string port;
  bool waiting = false;  // the port keeps the name and waits for it (Port::reattach)
};

// Default bpffs root: /sys/fs/bpf/polycube, or $PCN_PIN_ROOT when set (lets
// several test runs share one machine without touching each other).
std::string default_pin_root();

struct RuntimeOptions {
  std::string pin_root = default_pin_root();
  bool slowpath = true;  // run the slow-path thread
  // A previous run's pinned objects are moved aside at start, still pinned,
  // to <pin root>/stale/<n>. By default they are let go at once; a daemon
  // that rebuilds that run's topology keeps them until release_stale(), so
  // the old data path (whose program arrays the kernel empties with their
  // last user reference) forwards until the new one has replaced it on
  // every netdev, even if this process dies before that.
  bool keep_stale_until_released = false;
  // Watch link notifications: a netdev that goes away stops being a
  // redirect target at once (docs/architecture.md, Netdevs that go away).
  bool watch_links = true;
};

// Removes a stopped runtime's data plane under `pin_root`: its hooks on
// every netdev, the clsact qdiscs it created and every pinned object (the
// cubes' programs and maps with them). Throws Error(kInUse) while a runtime
// uses that root. Returns how many netdevs carried its hooks.
size_t teardown_data_plane(const std::string &pin_root = default_pin_root());

class Runtime {
 public:
  // How often the slow-path thread calls every cube's on_tick().
  static constexpr std::chrono::milliseconds kTickInterval{200};

  explicit Runtime(RuntimeOptions opts = {});
  ~Runtime();
  Runtime(const Runtime &) = delete;
  Runtime &operator=(const Runtime &) = delete;

  // Creates a cube of type T (a Cube subclass constructed as
  // T(Runtime&, name, args...)). Names are unique across services.
  template <class T, class... Args>
  std::shared_ptr<T> create(const std::string &name, Args &&...args) {
    std::lock_guard<std::recursive_mutex> lock(mu_);
    check_new_name(name);
    auto cube = std::make_shared<T>(*this, name, std::forward<Args>(args)...);
    register_cube(cube);
    return cube;
  }
  // Deletes a cube: detaches what is attached to it (those cubes stay,
  // detached) and unlinks its peers. A transparent cube that is attached
  // somewhere is detached first.
  void delete_cube(const std::string &name);
  std::shared_ptr<Cube> get(const std::string &name) const;  // throws kNotFound
  std::vector<std::shared_ptr<Cube>> cubes() const;

  // Links two cube ports ("cube:port"); both must be free and of one mode
  // family. (Setting one side's peer, Cube::set_peer, leaves it waiting
  // until the other side names it.)
  void connect(const std::string &a, const std::string &b);
  void disconnect(const std::string &a, const std::string &b);
  // Attaches a transparent cube to "cube:port" or a netdev name.
  void attach(const std::string &tcube, const std::string &where, const std::string &position = "last");
  void detach(const std::string &tcube, const std::string &where);

  // Puts this run's hooks on every netdev it claimed (replacing the previous
  // runs' in place), takes the previous runs' hooks off the netdevs this
  // run does not use, then unpins exactly the generations set aside at
  // start (see RuntimeOptions).
  void release_stale();
  // Ends the process and leaves the data plane to the kernel, as kill -9
  // would: programs, maps, pins and hooks stay and keep forwarding, and the
  // next start adopts them (docs/daemon.md, Restart). Only what serves this
  // process goes: the slow path, the packet-out veth and the pin root's
  // lock. No destructor runs (they would remove the data plane); a process
  // calls this once its own state is safe. teardown_data_plane() removes
  // what stays. Defined in runtime_exit.cpp.
  [[noreturn]] void exit_leaving_data_plane(int status);
  // Called on the link watcher's thread, without the runtime lock, once the
  // data plane has let go of netdevs that went away: the daemon clears the
  // peers and attachments that named them in its configuration. Replacing
  // it waits for a call in progress.
  void on_netdev_loss(std::function<void(const std::vector<NetdevLoss> &)> fn);
  // Netdevs in use (a port's peer or an attachment point) that went away.
  uint64_t netdevs_lost() const { return netdevs_lost_; }
  // A new fd on map `map` that the previous run's cube `cube` had pinned,
  // while that state is held (before release_stale()); -1 if there is none.
  int previous_map(const std::string &cube, const std::string &map) const;

  // Netdevs a cube may newly take as a port peer or attachment point
  // (fnmatch patterns; empty: any). A netdev outside them is refused with
  // kDenied; netdevs already in use stay usable (a restore or a rollback
  // re-applies what was accepted before).
  void set_netdev_allowlist(std::vector<std::string> patterns);

  PortStats stats(uint32_t gport, Mode mode) const;
  // Sends `frame` along `egress` (a port's next hop) as if the data plane of
  // port `gport` had sent it. Used by Cube::packet_out.
  void inject(uint32_t gport, Mode mode, const pcn_target &egress, const std::string &frame);
  const std::string &pin_root() const { return opts_.pin_root; }
  std::string globals_dir() const { return opts_.pin_root + "/globals"; }
  std::recursive_mutex &mutex() const { return mu_; }

 private:
  friend class Cube;
  struct NetdevUse {
    Mode mode = Mode::kTc;
    std::string name;                      // when claimed
    std::string owner;                     // "cube:port" or "" for transparent-only
    std::vector<std::string> transparent;  // stack on a bare netdev, outermost first
    bool tc_in = false, tc_eg = false, xdp = false, created_qdisc = false;
  };
  struct Hooks {
    std::shared_ptr<LoadedObject> obj;
    int ingress_fd = -1, egress_fd = -1, inject_fd = -1, inject_map = -1;
    uint32_t ingress_id = 0;
    int netdev_in = -1, netdev_eg = -1, progs = -1, stats = -1, ring = -1;
  };

  void check_new_name(const std::string &name) const;
  void register_cube(const std::shared_ptr<Cube> &cube);
  uint32_t alloc_slot();
  void free_slot(uint32_t slot);
  uint32_t alloc_gport();
  void free_gport(uint32_t gport);
  const Hooks &hooks(Mode mode) const { return is_xdp(mode) ? xdp_ : tc_; }
  void set_prog_slot(Mode mode, uint32_t slot, int prog_fd);
  void clear_prog_slot(Mode mode, uint32_t slot);

  // Topology reconciliation: recompute and write every target of one port
  // (and its peer), innermost first so no packet sees a dangling target.
  std::pair<Cube *, Port *> resolve_port(const std::string &ref) const;
  void sync_port(Cube &cube, Port &port);
  void sync_bare_netdev(uint32_t ifindex);
  pcn_target write_ingress_chain(const std::vector<std::string> &chain, const pcn_target &final);
  pcn_target write_egress_chain(const std::vector<std::string> &chain, const pcn_target &final);
  void netdev_claim(uint32_t ifindex, Mode mode, const std::string &owner, const pcn_target &first);
  void attach_hooks(uint32_t ifindex, NetdevUse &use);
  void netdev_hook_in(uint32_t ifindex, const pcn_target &t);
  void netdev_release(uint32_t ifindex);
  // A bare netdev's stack joins / leaves a port that takes / drops it as peer.
  void netdev_own(uint32_t ifindex, Cube &cube, const std::string &owner);
  void netdev_unown(uint32_t ifindex);
  // The port's transparent chain, its peer netdev's cubes outermost.
  std::vector<std::string> port_chain(const Port &port) const;
  std::string qdisc_marker(uint32_t ifindex) const;
  std::string netdev_marker(uint32_t ifindex) const;
  void set_aside_previous_runs();
  void drop_previous_hooks(uint32_t ifindex);
  void remove_own_generation();
  void apply_peer(Cube &cube, Port &port, const std::string &peer);
  uint32_t allowed_netdev_ifindex(const std::string &name) const;
  // `other_goes`: the port is going away, so a cube port that names it has
  // no peer any more (rather than waiting for it).
  void unlink_peer(Cube &cube, Port &port, bool other_goes = false);
  void set_reattach(Cube &cube, Port &port, bool reattach);

  // Link watcher (runtime_links.cpp).
  void watch_links();
  void netdev_gone(uint32_t ifindex, std::vector<NetdevLoss> &lost);
  void netdev_appeared(uint32_t ifindex, const std::string &name);
  void netdev_forget(uint32_t ifindex);

  void ensure_inject_veth();
  void slowpath_loop();
  static int on_ring_event(void *ctx, void *data, size_t size);

  RuntimeOptions opts_;
  std::unique_ptr<PinRootLock> lock_;  // one runtime per pin root
  // Previous runs' objects (<pin root>/stale/<n>), pinned until release_stale().
  std::vector<std::string> stale_generations_;
  // Markers in bpffs, which outlive a crash: netdevs/<ifindex> is written
  // before a hook goes on a netdev, qdiscs/<ifindex> right after we create
  // its clsact qdisc; each goes when we take that off again.
  std::set<uint32_t> inherited_qdiscs_;   // clsact qdiscs a previous run created
  std::set<uint32_t> inherited_netdevs_;  // netdevs a previous run hooked
  mutable std::recursive_mutex mu_;
  Hooks tc_, xdp_;
  std::map<std::string, std::shared_ptr<Cube>> cubes_;
  std::map<uint32_t, std::weak_ptr<Cube>> by_slot_;
  std::vector<bool> slot_used_, gport_used_;
  std::map<uint32_t, NetdevUse> netdevs_;
  std::string inject_if_;      // TC injection veth (ours), created on first use
  uint32_t inject_a_ = 0, inject_b_ = 0;
  int inject_sock_ = -1;
  ring_buffer *ring_ = nullptr;
  std::atomic<bool> stop_{false};
  std::thread slowpath_thread_;
  std::vector<std::string> netdev_allowlist_;
  std::unique_ptr<netlink::LinkMonitor> links_;
  std::thread link_thread_;
  std::map<std::string, std::string> waiting_netdevs_;  // netdev name -> "cube:port" waiting for it
  std::atomic<uint64_t> netdevs_lost_{0};
  std::mutex loss_mu_;  // held while on_loss_ runs
  std::function<void(const std::vector<NetdevLoss> &)> on_loss_;
};

}  // namespace polycube
