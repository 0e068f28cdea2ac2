#include "polycube/cube.h"

#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <spdlog/spdlog.h>

#include <cctype>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>

#include "names.h"
#include "polycube/runtime.h"

namespace polycube {

namespace fs = std::filesystem;

std::string Peer::to_string() const {
  switch (kind) {
    case kNone: return "";
    case kNetdev: return netdev;
    case kCubePort: return cube + ":" + port;
  }
  return "";
}

std::string port_status(const Port &p) {
  switch (p.peer.kind) {
    case Peer::kNetdev:
      return p.peer.ifindex ? "up" : "waiting for netdev " + p.peer.netdev + " (deleted; reattach is set)";
    case Peer::kCubePort:
      return p.peer.linked ? "up" : "waiting for the other side (" + p.peer.to_string() + " does not name this port as its peer)";
    case Peer::kNone:
      break;
  }
  return p.lost_peer.empty() ? "no peer" : "down: peer netdev " + p.lost_peer + " was deleted";
}

Cube::Cube(Runtime &rt, const std::string &name, ServiceInfo info, CubeOptions opts)
    : rt_(rt), name_(name), info_(std::move(info)), opts_(opts) {
  // Shares the daemon's sinks (so its format and destination), not its level.
  auto &sinks = spdlog::default_logger()->sinks();
  log_ = std::make_shared<spdlog::logger>(name_, sinks.begin(), sinks.end());
  log_->set_level(spdlog::level::info);
  if (opts_.max_ports == 0 || opts_.max_ports > 65535)
    throw Error(ErrorCode::kInvalid, "max ports must be in 1..65535");
  port_index_used_.resize(opts_.max_ports);
  try {
    slots_.push_back(rt_.alloc_slot());
    if (info_.transparent)
      slots_.push_back(rt_.alloc_slot());

    LoadSpec spec = base_spec();
    for (const auto &b : info_.blocks)
      spec.programs.insert(b.program);
    std::vector<int> adopted;
    for (const auto &m : info_.kept_maps)
      if (int fd = rt_.previous_map(name_, m); fd >= 0) {
        spec.adopt_maps[m] = fd;
        adopted.push_back(fd);
      }
    std::shared_ptr<LoadedObject> obj;
    try {
      obj = load_object(object_for_mode(), spec);
    } catch (...) {
      for (int fd : adopted) close(fd);
      throw;
    }
    for (int fd : adopted) close(fd);  // the object holds its own reference

    fs::create_directories(pin_dir() + "/maps");
    fs::create_directories(pin_dir() + "/progs");
    bpf_map *m;
    bpf_object__for_each_map(m, obj->get()) {
      // Global maps are pinned by name and shared; internal maps (.rodata)
      // belong to each loaded object.
      if (bpf_map__is_internal(m) || bpf_map__is_pinned(m))
        continue;
      int fd = dup(bpf_map__fd(m));
      check_kernel(fd < 0 ? -errno : 0, "dup map fd");
      map_fds_[bpf_map__name(m)] = fd;
      std::string path = pin_dir() + "/maps/" + bpf_map__name(m);
      check_kernel(bpf_obj_pin(fd, path.c_str()) ? -errno : 0, "pin " + path);
    }
    for (const auto &b : info_.blocks)
      install_block(b.slot, b.program, obj);
  } catch (...) {
    teardown();
    throw;
  }
  log_->info("created ({}, {}), slot {}", info_.service, to_string(opts_.mode), slots_[0]);
}

Cube::~Cube() { teardown(); }

std::recursive_mutex &Cube::runtime_mutex() const { return rt_.mutex(); }

void Cube::teardown() noexcept {
  if (torn_down_)
    return;
  torn_down_ = true;
  for (size_t i = 0; i < slots_.size(); i++) {
    rt_.clear_prog_slot(opts_.mode, slots_[i]);
    rt_.free_slot(slots_[i]);
  }
  slots_.clear();
  for (auto &[_, p] : ports_)
    rt_.free_gport(p.gport);
  ports_.clear();
  blocks_.clear();
  for (auto &[_, fd] : map_fds_)
    close(fd);
  map_fds_.clear();
  std::error_code ec;
  fs::remove_all(pin_dir(), ec);
}

const EmbeddedObject &Cube::object_for_mode() const {
  return is_xdp(opts_.mode) ? info_.bpf.xdp : info_.bpf.tc;
}

std::string Cube::pin_dir() const { return rt_.pin_root() + "/cubes/" + bpffs_name(name_); }

std::optional<uint32_t> Cube::port_ipv4(const std::string &) const { return std::nullopt; }

void Cube::metrics(std::vector<MetricSample> &) {}

LoadSpec Cube::base_spec() const {
  LoadSpec spec;
  spec.pin_root = rt_.globals_dir();
  spec.rodata_u32["pcn_cube_slot"] = slots_.at(0);
  spec.max_entries["pcn_ports"] = opts_.max_ports;
  spec.reuse_maps = map_fds_;
  for (const auto &[map, entries] : info_.max_entries)
    spec.max_entries[map] = entries;
  return spec;
}

void Cube::install_block(uint32_t slot, const std::string &program, std::shared_ptr<LoadedObject> obj) {
  if (slot >= PCN_MAX_BLOCKS)
    throw Error(ErrorCode::kInvalid, "block slot " + std::to_string(slot) + " out of range 0.." +
                                         std::to_string(PCN_MAX_BLOCKS - 1));
  int fd = obj->prog_fd(program);
  install_block_fd(slot, program, fd, std::move(obj), nullptr);
}

void Cube::install_block_fd(uint32_t slot, const std::string &program, int fd, std::shared_ptr<LoadedObject> obj,
                            std::shared_ptr<const int> own_fd) {
  bpf_prog_info info{};
  uint32_t len = sizeof(info);
  check_kernel(bpf_obj_get_info_by_fd(fd, &info, &len) ? -errno : 0, "program info");
  // One atomic update per array: packets see the old block or the new one.
  check_kernel(bpf_map_update_elem(map_fd("pcn_blocks"), &slot, &fd, BPF_ANY) ? -errno : 0,
               "install block " + program);
  if (slot < slots_.size())
    rt_.set_prog_slot(opts_.mode, slots_[slot], fd);
  std::string path = pin_dir() + "/progs/slot" + std::to_string(slot);
  unlink(path.c_str());
  if (bpf_obj_pin(fd, path.c_str()))
    log_->warn("cannot pin {}: {}", path, std::strerror(errno));
  blocks_[slot] = Block{program, std::move(obj), std::move(own_fd), fd, info.id};
}

void Cube::load_block_insns(uint32_t slot, const std::string &name, const bpf_insn *insns, size_t count) {
  std::lock_guard<std::recursive_mutex> lock(rt_.mutex());
  if (slot >= PCN_MAX_BLOCKS)
    throw Error(ErrorCode::kInvalid, "block slot " + std::to_string(slot) + " out of range");
  std::string log(1 << 20, '\0');
  LIBBPF_OPTS(bpf_prog_load_opts, opts, .log_level = 0, .log_size = 0, .log_buf = nullptr);
  bpf_prog_type type = is_xdp(opts_.mode) ? BPF_PROG_TYPE_XDP : BPF_PROG_TYPE_SCHED_CLS;
  if (is_xdp(opts_.mode))
    opts.expected_attach_type = BPF_XDP;
  std::string short_name = name.substr(0, 15);
  int fd = bpf_prog_load(type, short_name.c_str(), "GPL", insns, count, &opts);
  if (fd < 0) {
    // Again with the verifier's log, to say why.
    int err = errno;
    opts.log_level = 1;
    opts.log_size = log.size();
    opts.log_buf = log.data();
    int again = bpf_prog_load(type, short_name.c_str(), "GPL", insns, count, &opts);
    if (again >= 0)
      close(again);
    log.resize(std::strlen(log.c_str()));
    if (log.size() > 2000)
      log = "..." + log.substr(log.size() - 2000);
    throw Error(ErrorCode::kInvalid,
                "the kernel refuses block " + name + ": " + std::strerror(err) + (log.empty() ? "" : "\n" + log));
  }
  auto owner = std::shared_ptr<const int>(new int(fd), [](const int *p) {
    close(*p);
    delete p;
  });
  install_block_fd(slot, name, fd, nullptr, std::move(owner));
}

void Cube::load_block(uint32_t slot, const std::string &program, const EmbeddedObject *src) {
  std::lock_guard<std::recursive_mutex> lock(rt_.mutex());
  if (slot >= PCN_MAX_BLOCKS)
    throw Error(ErrorCode::kInvalid, "block slot " + std::to_string(slot) + " out of range");
  LoadSpec spec = base_spec();
  spec.programs = {program};
  install_block(slot, program, load_object(src ? *src : object_for_mode(), spec));
}

void Cube::remove_block(uint32_t slot) {
  std::lock_guard<std::recursive_mutex> lock(rt_.mutex());
  if (slot < slots_.size())
    throw Error(ErrorCode::kInvalid, "block " + std::to_string(slot) + " is an entry block: replace it instead");
  auto it = blocks_.find(slot);
  if (it == blocks_.end())
    throw Error(ErrorCode::kNotFound, "no block in slot " + std::to_string(slot));
  bpf_map_delete_elem(map_fd("pcn_blocks"), &slot);
  std::string path = pin_dir() + "/progs/slot" + std::to_string(slot);
  unlink(path.c_str());
  blocks_.erase(it);
}

std::vector<BlockInfo> Cube::blocks() const {
  std::lock_guard<std::recursive_mutex> lock(rt_.mutex());
  std::vector<BlockInfo> out;
  for (const auto &[slot, b] : blocks_)
    out.push_back({slot, b.program, b.prog_id});
  return out;
}

int Cube::map_fd(const std::string &map_name) const {
  auto it = map_fds_.find(map_name);
  if (it == map_fds_.end())
    throw Error(ErrorCode::kNotFound, "cube " + name_ + " has no map '" + map_name + "'");
  return it->second;
}

void Cube::write_port(const Port &p, const pcn_target &egress) {
  pcn_port_cfg cfg{};
  cfg.egress = egress;
  cfg.gport = p.gport;
  cfg.flags = PCN_PORT_F_UP;
  check_kernel(bpf_map_update_elem(map_fd("pcn_ports"), &p.index, &cfg, BPF_ANY) ? -errno : 0,
               "write port " + p.name);
  on_port_egress(p, egress);
}

Port &Cube::port_ref(const std::string &name) {
  auto it = ports_.find(name);
  if (it == ports_.end())
    throw Error(ErrorCode::kNotFound, "cube " + name_ + " has no port '" + name + "'");
  return it->second;
}

Port Cube::add_port(const std::string &name, const std::string &peer) {
  std::lock_guard<std::recursive_mutex> lock(rt_.mutex());
  if (info_.transparent)
    throw Error(ErrorCode::kUnsupported, "transparent cube " + name_ + " has no ports");
  check_name("port", name);
  if (ports_.count(name))
    throw Error(ErrorCode::kExists, "cube " + name_ + " already has a port '" + name + "'");
  uint32_t index = 0;
  while (index < port_index_used_.size() && port_index_used_[index]) index++;
  if (index == port_index_used_.size())
    throw Error(ErrorCode::kInvalid, "cube " + name_ + " has no free port (limit " +
                                         std::to_string(opts_.max_ports) + ")");
  Port p;
  p.name = name;
  p.index = index;
  p.gport = rt_.alloc_gport();
  try {
    write_port(p, pcn_target{PCN_T_DROP, 0, 0, 0});
    ports_[name] = p;
    port_index_used_[index] = true;
    on_port_added(p);
    if (!peer.empty())
      rt_.apply_peer(*this, ports_[name], peer);
  } catch (...) {
    if (ports_.count(name)) {
      on_port_removed(p);
      ports_.erase(name);
    }
    port_index_used_[index] = false;
    pcn_port_cfg zero{};
    bpf_map_update_elem(map_fd("pcn_ports"), &index, &zero, BPF_ANY);
    rt_.free_gport(p.gport);
    throw;
  }
  return ports_[name];
}

void Cube::del_port(const std::string &name) {
  std::lock_guard<std::recursive_mutex> lock(rt_.mutex());
  Port &p = port_ref(name);
  if (p.peer.kind != Peer::kNone)
    throw Error(ErrorCode::kInUse, "port " + name_ + ":" + name + " is connected to " +
                                       p.peer.to_string() + "; clear its peer first");
  // Transparent cubes on it are detached (they stay), as removing an
  // interface removes its qdiscs.
  for (const auto &t : std::vector<std::string>(p.transparent)) rt_.detach(t, name_ + ":" + name);
  on_port_removed(p);
  pcn_port_cfg zero{};
  bpf_map_update_elem(map_fd("pcn_ports"), &p.index, &zero, BPF_ANY);
  port_index_used_[p.index] = false;
  rt_.free_gport(p.gport);
  ports_.erase(name);
}

void Cube::set_peer(const std::string &port, const std::string &peer) {
  std::lock_guard<std::recursive_mutex> lock(rt_.mutex());
  rt_.apply_peer(*this, port_ref(port), peer);
}

void Cube::set_reattach(const std::string &port, bool reattach) {
  std::lock_guard<std::recursive_mutex> lock(rt_.mutex());
  rt_.set_reattach(*this, port_ref(port), reattach);
}

Port Cube::port(const std::string &name) const {
  std::lock_guard<std::recursive_mutex> lock(rt_.mutex());
  return const_cast<Cube *>(this)->port_ref(name);
}

std::vector<Port> Cube::ports() const {
  std::lock_guard<std::recursive_mutex> lock(rt_.mutex());
  std::vector<Port> out;
  for (const auto &[_, p] : ports_) out.push_back(p);
  return out;
}

PortStats Cube::port_stats(const std::string &port) const {
  return rt_.stats(this->port(port).gport, opts_.mode);
}

void Cube::packet_out(const std::string &port, const std::string &frame) {
  pcn_port_cfg cfg{};
  {
    std::lock_guard<std::recursive_mutex> lock(rt_.mutex());
    Port &p = port_ref(port);
    check_kernel(bpf_map_lookup_elem(map_fd("pcn_ports"), &p.index, &cfg) ? -errno : 0, "read port");
  }
  if (frame.size() < ETH_HLEN)
    throw Error(ErrorCode::kInvalid, "frame shorter than an Ethernet header");
  if (cfg.egress.kind == PCN_T_DROP)
    throw Error(ErrorCode::kInvalid, "port " + name_ + ":" + port + " has no peer");
  // Through the runtime's inject program, which continues exactly where this
  // port's data plane would (transparent stack, peer cube or netdev) and
  // counts the frame in the port's tx counters.
  rt_.inject(cfg.gport, opts_.mode, cfg.egress, frame);
}

void Cube::dispatch_packet_in(const pcn_pkt_event &ev, size_t size) {
  if (size < offsetof(pcn_pkt_event, data))
    return;
  PacketIn pkt{};
  pkt.port_index = ev.in_port;
  pkt.reason = ev.reason;
  pkt.len = ev.len;
  std::memcpy(pkt.user, ev.user, sizeof(pkt.user));
  uint32_t cap = std::min<uint32_t>(ev.cap_len, PCN_SLOWPATH_CAPTURE);
  pkt.data.assign(reinterpret_cast<const char *>(ev.data), cap);
  {
    std::lock_guard<std::recursive_mutex> lock(rt_.mutex());
    for (const auto &[name, p] : ports_)
      if (p.index == ev.in_port) pkt.port_name = name;
  }
  try {
    on_packet_in(pkt);
  } catch (const std::exception &e) {
    log_->warn("packet-in handler failed: {}", e.what());
  }
}

}  // namespace polycube

namespace polycube {

void Cube::set_log_level(const std::string &level) {
  std::string lower;
  for (char c : level) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  auto lvl = spdlog::level::from_str(lower);
  if (lvl == spdlog::level::off && lower != "off")
    throw Error(ErrorCode::kInvalid, "unknown log level '" + level + "'");
  log_->set_level(lvl);
}

}  // namespace polycube
