// A cube: a named instance of a service with ports and a pipeline of
// micro-blocks. Service control planes derive from Cube; the runtime owns the
// instances. All methods are safe to call from any thread (they take the
// runtime's lock).
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <type_traits>
#include <vector>

#include "polycube/bpf_loader.h"
#include "polycube/embedded_object.h"
#include "polycube/map.h"
#include "polycube/map_ref.h"
#include "polycube/metric_sample.h"
#include "polycube/types.h"

struct bpf_insn;

namespace spdlog {
class logger;
}

namespace polycube {

class Runtime;

// A block the service loads when the cube is created.
struct BlockSpec {
  std::string program;  // BPF program (function) name
  uint32_t slot;        // slot in the cube's program array
};

// What a service declares about its data plane.
struct ServiceInfo {
  std::string service;            // service name, e.g. "simplebridge"
  BpfSource bpf;                  // its BPF object, both modes
  std::vector<BlockSpec> blocks;  // blocks loaded at creation
  bool transparent = false;       // no ports; attaches to a port or netdev
  // Maps holding learned state (sessions...) that a cube of the same name
  // takes over from the previous run of the runtime (a daemon restart), so
  // the data plane goes on with it; the others start empty.
  std::vector<std::string> kept_maps;
  // Map sizes known only at run time (e.g. one entry per CPU), by map name.
  std::map<std::string, uint32_t> max_entries = {};
};

struct CubeOptions {
  Mode mode = Mode::kTc;
  uint32_t max_ports = PCN_DEFAULT_MAX_PORTS;
};

// The other end of a port.
struct Peer {
  enum Kind { kNone, kNetdev, kCubePort } kind = kNone;
  std::string netdev;  // kNetdev
  // 0 with kNetdev: the netdev was deleted and the port waits for one of
  // that name to come back (Port::reattach); its packets are dropped.
  uint32_t ifindex = 0;
  std::string cube, port;  // kCubePort
  // kCubePort: false while the other port does not name this one back
  // (one side set; the link is up once both sides name each other). Its
  // packets are dropped meanwhile.
  bool linked = true;
  std::string to_string() const;
};

struct Port {
  std::string name;
  uint32_t index = 0;  // index in this cube's port map (md.in_port)
  uint32_t gport = 0;  // global id (counters)
  Peer peer;
  std::vector<std::string> transparent;  // attached transparent cubes, outermost first
  // When the peer netdev is deleted: false (default), the peer is cleared
  // (the daemon clears it in the configuration too) and a netdev that later
  // takes that name is not attached; true, the port keeps the name and
  // takes the new netdev of that name as its peer when it appears.
  bool reattach = false;
  // The peer netdev that was deleted under this port (until a peer is set
  // again): what its status reports.
  std::string lost_peer;
};

// What a port's link is doing, for its status: "up", "no peer", "down:
// peer netdev X was deleted", "waiting for netdev X ...", "waiting for the
// other side ...".
std::string port_status(const Port &p);

struct BlockInfo {
  uint32_t slot;
  std::string program;
  uint32_t prog_id;  // kernel program id
};

class Cube {
 public:
  Cube(Runtime &rt, const std::string &name, ServiceInfo info, CubeOptions opts);
  virtual ~Cube();
  Cube(const Cube &) = delete;
  Cube &operator=(const Cube &) = delete;

  const std::string &name() const { return name_; }
  const std::string &service() const { return info_.service; }
  Mode mode() const { return opts_.mode; }
  bool transparent() const { return info_.transparent; }
  uint32_t slot(uint32_t which = PCN_SLOT_INGRESS) const { return slots_.at(which); }
  const std::string &attached_to() const { return attached_to_; }
  // The position it was attached with ("first", "last", "before:x", ...).
  const std::string &attached_position() const { return attached_position_; }

  // This cube's control-plane logger: the daemon's sinks and format, its
  // own level (polycube-base `loglevel`), named after the cube.
  spdlog::logger &log() const { return *log_; }
  // TRACE, DEBUG, INFO, WARN, ERR, CRITICAL, OFF (any case); kInvalid otherwise.
  void set_log_level(const std::string &level);

  // Ports (not for transparent cubes). `peer` is "", a netdev name, or
  // "cube:port".
  Port add_port(const std::string &name, const std::string &peer = "");
  void del_port(const std::string &name);
  void set_peer(const std::string &port, const std::string &peer);
  // See Port::reattach.
  void set_reattach(const std::string &port, bool reattach);
  Port port(const std::string &name) const;
  std::vector<Port> ports() const;
  PortStats port_stats(const std::string &port) const;

  // Micro-blocks: load or replace the program in `slot` (atomic; the
  // replacement shares the cube's maps). `src` defaults to the service's own
  // object. On any failure the previous block keeps running.
  void load_block(uint32_t slot, const std::string &program, const EmbeddedObject *src = nullptr);
  void remove_block(uint32_t slot);
  // The same for a program built at run time (e.g. translated from classic
  // BPF): `insns` are loaded as a program of the cube's mode named `name`
  // (at most 15 characters); maps it uses are referenced by fd
  // (BPF_PSEUDO_MAP_FD). Throws kInvalid with the verifier's log when the
  // kernel refuses it; the previous block then keeps running.
  void load_block_insns(uint32_t slot, const std::string &name, const bpf_insn *insns, size_t count);
  std::vector<BlockInfo> blocks() const;

  int map_fd(const std::string &map_name) const;
  template <class K, class V>
  Map<K, V> map(const std::string &map_name) const {
    return Map<K, V>(map_fd(map_name));
  }
  // The same through the object's own declaration (<var>_maps.h, see
  // polycube/map_ref.h): the name exists, and K and V have its sizes.
  template <class K, class V, uint32_t KeySize, uint32_t ValueSize>
  Map<K, V> map(const MapRef<KeySize, ValueSize, false> &ref) const {
    static_assert(sizeof(K) == KeySize, "the key type's size differs from the BPF map's key size");
    static_assert(sizeof(V) == ValueSize, "the value type's size differs from the BPF map's value size");
    return Map<K, V>(map_fd(ref.name));
  }
  template <uint32_t KeySize, uint32_t ValueSize, bool PerCpu>
  int map_fd(const MapRef<KeySize, ValueSize, PerCpu> &ref) const {
    return map_fd(ref.name);
  }
  template <class K, class V, uint32_t KeySize, uint32_t ValueSize>
  PercpuMap<K, V> percpu_map(const MapRef<KeySize, ValueSize, true> &ref) const {
    static_assert(sizeof(K) == KeySize, "the key type's size differs from the BPF map's key size");
    static_assert(sizeof(V) == ValueSize, "the value type's size differs from the BPF map's value size");
    return PercpuMap<K, V>(map_fd(ref.name));
  }

  // Slow path: send a frame out of a port as if the data plane had sent it.
  void packet_out(const std::string &port, const std::string &frame);

  // <pin root>/cubes/<name>, with '.' written "%2E" (bpffs refuses dots).
  std::string pin_dir() const;

  // The IPv4 address (host order) that `port` of this cube answers for, if
  // it has one (a router port's primary address): what a transparent cube
  // attached to the port (a NAT's masquerade) may need to know.
  virtual std::optional<uint32_t> port_ipv4(const std::string &port) const;

  // The service's data-plane figures for GET /metrics (rule and session
  // counts, table sizes, drops by reason), appended to `out`. Called on a
  // request thread with the runtime lock held; each sample should cost what
  // it reads (a counter, a size the control plane keeps), not a walk of a
  // whole map when a counter can say it. Default: none (the port counters
  // come from the runtime for every cube).
  virtual void metrics(std::vector<MetricSample> &out);

 protected:
  // Service hooks, called with the runtime lock held.
  virtual void on_port_added(const Port &) {}
  virtual void on_port_removed(const Port &) {}
  // The port's next hop changed (peer set/cleared, transparent stack edited).
  virtual void on_port_egress(const Port &, const pcn_target &) {}
  // Called on the slow-path thread without the lock.
  virtual void on_packet_in(const PacketIn &) {}
  // Called on the slow-path thread without the lock about every
  // Runtime::kTickInterval: timers of the slow path (retransmissions, say)
  // that must fire when no packet comes.
  virtual void on_tick(std::chrono::steady_clock::time_point) {}

  // A setter's lock / copy / set / commit, once: under the runtime lock,
  // `edit` changes a copy of `cached`, the copy is written to entry `key`
  // of `m`, and `cached` takes it only once the kernel accepted it, so a
  // refused write (or a throw from `edit`) changes neither.
  //   update_entry(map<uint32_t, my_config>("my_config"), 0, cfg_, [&](my_config &c) { c.limit = n; });
  template <class K, class V, class Edit>
  void update_entry(Map<K, V> m, const std::type_identity_t<K> &key, V &cached, Edit &&edit) {
    std::lock_guard<std::recursive_mutex> lock(runtime_mutex());
    V next = cached;
    edit(next);
    m.set(key, next);
    cached = next;
  }
  // `fn()` under the runtime lock: a getter of what the setters change.
  template <class Fn>
  auto locked(Fn &&fn) const {
    std::lock_guard<std::recursive_mutex> lock(runtime_mutex());
    return fn();
  }
  // The lock the hooks above are called with (Runtime::mutex()).
  std::recursive_mutex &runtime_mutex() const;

  Runtime &rt_;

 private:
  friend class Runtime;
  struct Block {
    std::string program;
    std::shared_ptr<LoadedObject> obj;
    std::shared_ptr<const int> own_fd;  // a program loaded from instructions
    int fd;
    uint32_t prog_id;
  };

  const EmbeddedObject &object_for_mode() const;
  LoadSpec base_spec() const;
  void install_block(uint32_t slot, const std::string &program, std::shared_ptr<LoadedObject> obj);
  void install_block_fd(uint32_t slot, const std::string &program, int fd, std::shared_ptr<LoadedObject> obj,
                        std::shared_ptr<const int> own_fd);
  void write_port(const Port &p, const pcn_target &egress);
  Port &port_ref(const std::string &name);
  void teardown() noexcept;
  void dispatch_packet_in(const pcn_pkt_event &ev, size_t size);

  std::string name_;
  ServiceInfo info_;
  CubeOptions opts_;
  std::vector<uint32_t> slots_;        // global slots (1, or 2 if transparent)
  std::map<std::string, int> map_fds_;  // per-cube maps (owned, dup'd)
  std::map<uint32_t, Block> blocks_;
  std::map<std::string, Port> ports_;
  std::vector<bool> port_index_used_;
  bool torn_down_ = false;
  std::string attached_to_;  // transparent: "cube:port" or netdev, "" if detached
  std::string attached_position_;
  std::shared_ptr<spdlog::logger> log_;
};

}  // namespace polycube
