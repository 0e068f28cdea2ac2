#include "bridge.h"

#include <time.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <functional>

#include "bridge_bpf.h"
#include "polycube/mac.h"
#include "polycube/runtime.h"
#include <spdlog/spdlog.h>
#include "bridge_bpf_maps.h"

namespace polycube::services {

namespace maps = polycube::bpf_maps::bridge_bpf;

namespace {

double monotonic_now() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<double>(ts.tv_sec) + ts.tv_nsec / 1e9;
}

br_fdb_key fdb_key(uint16_t vlan, const std::string &mac) {
  br_fdb_key k{};
  k.vlan = vlan;
  unsigned v[6];
  if (std::sscanf(mac.c_str(), "%x:%x:%x:%x:%x:%x", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5]) != 6)
    throw Error(ErrorCode::kInvalid, "bad MAC address '" + mac + "'");
  for (int i = 0; i < 6; i++) k.mac[i] = static_cast<uint8_t>(v[i]);
  return k;
}

void check_vlan(uint32_t v, const std::string &what) {
  if (v < 1 || v > 4094)
    throw Error(ErrorCode::kInvalid, what + " " + std::to_string(v) + " out of range 1..4094");
}

// A locally administered MAC derived from the cube name: the bridge id of
// the spanning tree and the source of its BPDUs.
uint64_t mac_from_name(const std::string &name) {
  uint64_t h = 1469598103934665603ull;  // FNV-1a
  for (char c : name) h = (h ^ static_cast<uint8_t>(c)) * 1099511628211ull;
  return (h & 0x0000ffffffffffffull & ~(0xffull << 40)) | (0x02ull << 40);
}

// The frame without its 802.1Q tag (if any).
std::string untagged(const std::string &f) {
  if (f.size() >= 18 && static_cast<uint8_t>(f[12]) == 0x81 && f[13] == 0x00) return f.substr(0, 12) + f.substr(16);
  return f;
}

std::string tagged(const std::string &f, uint16_t vlan) {
  std::string tag = {'\x81', '\x00', static_cast<char>((vlan >> 8) & 0x0f), static_cast<char>(vlan & 0xff)};
  return f.substr(0, 12) + tag + f.substr(12);
}

int egress_tagging(const Bridge::PortVlan &p, uint16_t vlan) {
  if (!p.trunk) return vlan == p.vlan ? 0 : -1;
  if (vlan == p.native_vlan) return 0;
  return p.allowed.count(vlan) ? 1 : -1;
}

uint32_t dp_state_of(StpState s) {
  switch (s) {
    case StpState::kForwarding: return BR_STP_FORWARDING;
    case StpState::kLearning: return BR_STP_LEARNING;
    default: return BR_STP_BLOCKING;
  }
}

}  // namespace

ServiceInfo Bridge::info() { return ServiceInfo{std::string(kServiceName), bridge_bpf(), {{"br_main", PCN_SLOT_INGRESS}}, false}; }

Bridge::Bridge(Runtime &rt, const std::string &name, Mode mode)
    : Cube(rt, name, info(), CubeOptions{mode, BR_MAX_PORTS}),
      ports_fd_(map_fd(maps::br_ports)),
      fdb_fd_(map_fd(maps::br_fdb)),
      config_fd_(map_fd(maps::br_config)),
      learned_fdb_(fdb_fd_, map_fd(maps::br_fdb_gen), BR_FDB_SIZE),
      mac_(mac_from_name(name)) {
  write_config();
  stp_.configure((uint64_t(stp_cfg_.priority) << 48) | mac_, stp_cfg_.timers);
}

Bridge::~Bridge() { stop_stp_thread(); }

void Bridge::write_config() { Map<uint32_t, br_config>(config_fd_).set(0, cfg_); }

void Bridge::write_flood_list() {
  // Entries first, then the count: a reader never indexes an unwritten slot.
  auto list = map<uint32_t, uint32_t>(maps::br_flood_ports);
  for (uint32_t i = 0; i < flood_ports_.size(); i++) list.set(i, flood_ports_[i]);
  cfg_.nports = static_cast<uint32_t>(flood_ports_.size());
  write_config();
}

// Called with mu_ held.
void Bridge::write_port(uint32_t index) {
  br_port p{};
  auto v = vlans_.find(index);
  if (v != vlans_.end()) {
    p.configured = 1;
    p.mode = v->second.trunk ? BR_MODE_TRUNK : BR_MODE_ACCESS;
    p.pvid = v->second.trunk ? v->second.native_vlan : v->second.vlan;
    for (uint16_t a : v->second.allowed) p.tagged[a >> 6] |= 1ull << (a & 63);
    auto s = dp_state_.find(index);
    p.stp_state = s == dp_state_.end() ? BR_STP_FORWARDING : s->second;
  }
  Map<uint32_t, br_port>(ports_fd_).set(index, p);
}

void Bridge::write_stp_state(uint32_t index, StpState s) {
  dp_state_[index] = dp_state_of(s);
  if (vlans_.count(index)) write_port(index);
}

void Bridge::on_port_added(const Port &p) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    names_[p.index] = p.name;
    vlans_[p.index] = PortVlan{};  // access, VLAN 1 until configured
    if (stp_cfg_.enabled) {
      stp_.add_port(p.index, monotonic_now());
      dp_state_[p.index] = BR_STP_BLOCKING;  // a new port waits for the tree
    } else {
      dp_state_[p.index] = BR_STP_FORWARDING;
    }
    write_port(p.index);
  }
  flood_ports_.push_back(p.index);
  write_flood_list();
}

void Bridge::on_port_removed(const Port &p) {
  flood_ports_.erase(std::remove(flood_ports_.begin(), flood_ports_.end(), p.index), flood_ports_.end());
  write_flood_list();
  {
    std::lock_guard<std::mutex> lock(mu_);
    names_.erase(p.index);
    vlans_.erase(p.index);
    dp_state_.erase(p.index);
    stp_.remove_port(p.index);
    write_port(p.index);  // not configured: the slot forwards nothing
  }
  map<uint32_t, bpf_devmap_val>(maps::br_devmap).erase(p.index);
  cube_peered_.erase(p.index);
  auto fdb = Map<br_fdb_key, br_fdb_entry>(fdb_fd_);
  for (const auto &k : fdb.keys()) {
    auto e = fdb.get(k);
    if (e && e->port == p.index) fdb.erase(k);
  }
}

int Bridge::devmap_egress_fd() {
  if (!devmap_prog_) {
    LoadSpec spec;
    spec.pin_root = rt_.globals_dir();
    spec.rodata_u32["pcn_cube_slot"] = slot();
    spec.max_entries["pcn_ports"] = BR_MAX_PORTS;
    for (const char *m : {"pcn_blocks", "pcn_ports", "pcn_tnext", "br_ports", "br_fdb", "br_config", "br_flood_ports",
                          "br_devmap", "br_ifport", "br_counters", "br_flood_budget", "br_fdb_gen"})
      spec.reuse_maps[m] = map_fd(m);
    spec.programs = {"br_devmap_egress"};
    devmap_prog_ = load_object(bridge_bpf().xdp, spec);
  }
  return devmap_prog_->prog_fd("br_devmap_egress");
}

void Bridge::on_port_egress(const Port &p, const pcn_target &egress) {
  auto devmap = map<uint32_t, bpf_devmap_val>(maps::br_devmap);
  auto ifport = map<uint32_t, uint32_t>(maps::br_ifport);
  // Forget the old netdev of this port.
  for (uint32_t ifindex : ifport.keys()) {
    auto v = ifport.get(ifindex);
    if (v && *v == p.index) ifport.erase(ifindex);
  }
  bool in_devmap = false;
  if (egress.kind == PCN_T_NETDEV && is_xdp(mode())) {
    try {
      bpf_devmap_val v{};
      v.ifindex = egress.id;
      v.bpf_prog.fd = devmap_egress_fd();
      ifport.set(egress.id, p.index);
      devmap.set(p.index, v);
      in_devmap = true;
    } catch (const Error &e) {
      // The netdev is gone (the kernel refuses its ifindex): nothing to
      // broadcast to; the port stays usable and can be re-peered.
      log().warn("port {}: no XDP flooding to it: {}", p.name, e.what());
    }
  }
  if (!in_devmap) devmap.erase(p.index);
  if (egress.kind == PCN_T_PROG) cube_peered_[p.index] = p.name;
  else cube_peered_.erase(p.index);
}

void Bridge::on_packet_in(const PacketIn &pkt) {
  if (pkt.data.size() != pkt.len) return;  // truncated: never forward a part
  if (pkt.reason == BR_REASON_BPDU) {
    auto b = parse_bpdu(pkt.data);
    if (!b) return;
    SpanningTree::Output out;
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (!stp_cfg_.enabled) return;
      out = stp_.receive(pkt.port_index, *b, monotonic_now());
    }
    apply(out);
    return;
  }
  if (pkt.reason != BR_REASON_FLOOD) return;
  double now = monotonic_now();
  flood_tokens_ = std::min<double>(BR_SLOWPATH_FLOOD_BURST, flood_tokens_ + (now - flood_refill_at_) * BR_SLOWPATH_FLOOD_PPS);
  flood_refill_at_ = now;
  if (flood_tokens_ < 1) {
    slowpath_flood_drops_++;
    return;
  }
  flood_tokens_ -= 1;
  uint16_t vlan = static_cast<uint16_t>(pkt.user[0]);
  std::string plain = untagged(pkt.data);
  std::vector<std::pair<std::string, std::string>> sends;
  {
    std::lock_guard<std::recursive_mutex> rlock(rt_.mutex());
    std::lock_guard<std::mutex> lock(mu_);
    for (const auto &[index, name] : cube_peered_) {
      if (index == pkt.port_index) continue;
      auto v = vlans_.find(index);
      auto s = dp_state_.find(index);
      if (v == vlans_.end() || (s != dp_state_.end() && s->second != BR_STP_FORWARDING)) continue;
      int t = egress_tagging(v->second, vlan);
      if (t < 0) continue;
      sends.emplace_back(name, t ? tagged(plain, vlan) : plain);
    }
  }
  for (const auto &[port, frame] : sends) {
    try {
      packet_out(port, frame);
    } catch (const Error &) {
      // The port lost its peer meanwhile: nothing to deliver to.
    }
  }
}

void Bridge::set_port_vlan(const std::string &port, const PortVlan &v) {
  if (v.trunk) {
    for (uint16_t a : v.allowed) check_vlan(a, "allowed VLAN");
    if (v.native_vlan) check_vlan(v.native_vlan, "native VLAN");
  } else {
    check_vlan(v.vlan, "VLAN");
    if (!v.allowed.empty() || v.native_vlan)
      throw Error(ErrorCode::kInvalid, "port " + port + ": allowed and native-vlan are for trunk ports");
  }
  std::lock_guard<std::recursive_mutex> rlock(rt_.mutex());
  uint32_t index = index_of(port);
  std::lock_guard<std::mutex> lock(mu_);
  if (vlans_[index] == v) return;
  vlans_[index] = v;
  write_port(index);
  // Entries learned in the old VLANs of this port would point frames at it.
  auto fdb = Map<br_fdb_key, br_fdb_entry>(fdb_fd_);
  for (const auto &k : fdb.keys()) {
    auto e = fdb.get(k);
    if (e && e->port == index && !e->is_static) fdb.erase(k);
  }
}

Bridge::PortVlan Bridge::port_vlan(const std::string &port) const {
  std::lock_guard<std::recursive_mutex> rlock(rt_.mutex());
  uint32_t index = index_of(port);
  std::lock_guard<std::mutex> lock(mu_);
  return vlans_.at(index);
}

uint32_t Bridge::index_of(const std::string &port) const { return this->port(port).index; }

std::vector<Bridge::FdbEntry> Bridge::fdb() {
  std::lock_guard<std::recursive_mutex> rlock(rt_.mutex());
  std::map<uint32_t, std::string> names;
  for (const auto &p : ports()) names[p.index] = p.name;
  uint64_t now = static_cast<uint64_t>(monotonic_now());
  std::vector<FdbEntry> out;
  auto fdb = Map<br_fdb_key, br_fdb_entry>(fdb_fd_);
  std::vector<br_fdb_key> expired;
  learned_fdb_.for_each([&](const br_fdb_key &k, const br_fdb_entry &e) {
    uint64_t age = now > e.timestamp ? now - e.timestamp : 0;
    auto name = names.find(e.port);
    if (name == names.end() || (!e.is_static && age > cfg_.aging_time)) {
      expired.push_back(k);
      return;
    }
    out.push_back({k.vlan, mac_to_string(mac_from_bytes(k.mac)), name->second, e.is_static ? 0u : static_cast<uint32_t>(age),
                   e.is_static != 0});
  });
  for (const auto &k : expired) fdb.erase(k);
  std::sort(out.begin(), out.end(),
            [](const FdbEntry &a, const FdbEntry &b) { return std::tie(a.vlan, a.mac) < std::tie(b.vlan, b.mac); });
  return out;
}

size_t Bridge::fdb_entries() {
  std::lock_guard<std::recursive_mutex> rlock(rt_.mutex());
  std::set<uint32_t> ports_now;
  for (const auto &p : ports()) ports_now.insert(p.index);
  uint64_t now = static_cast<uint64_t>(monotonic_now());
  size_t n = 0;
  learned_fdb_.for_each([&](const br_fdb_key &, const br_fdb_entry &e) {
    uint64_t age = now > e.timestamp ? now - e.timestamp : 0;
    if (ports_now.count(e.port) && (e.is_static || age <= cfg_.aging_time)) n++;
  });
  return n;
}

void Bridge::flush_fdb() {
  auto fdb = Map<br_fdb_key, br_fdb_entry>(fdb_fd_);
  for (const auto &k : fdb.keys()) {
    auto e = fdb.get(k);
    if (e && !e->is_static) fdb.erase(k);
  }
}

void Bridge::set_static_entries(const std::set<StaticEntry> &entries) {
  std::lock_guard<std::recursive_mutex> rlock(rt_.mutex());
  // Validate everything before touching the map.
  std::map<StaticEntry, std::pair<br_fdb_key, uint32_t>> resolved;
  for (const auto &e : entries) {
    check_vlan(e.vlan, "static entry VLAN");
    br_fdb_key k = fdb_key(e.vlan, e.mac);
    if (k.mac[0] & 1) throw Error(ErrorCode::kInvalid, "static entry " + e.mac + ": not a unicast MAC");
    resolved[e] = {k, index_of(e.port)};
  }
  auto fdb = Map<br_fdb_key, br_fdb_entry>(fdb_fd_);
  for (const auto &old : statics_)
    if (!entries.count(old)) fdb.erase(fdb_key(old.vlan, old.mac));
  for (const auto &[e, kp] : resolved) {
    br_fdb_entry v{};
    v.port = kp.second;
    v.is_static = 1;
    fdb.set(kp.first, v);
  }
  if (!resolved.empty()) learned_fdb_.forget();  // keys the data plane did not count
  statics_ = entries;
}

void Bridge::set_aging_time(uint32_t seconds) {
  if (seconds < 1 || seconds > 1000000)
    throw Error(ErrorCode::kInvalid, "aging time " + std::to_string(seconds) + " out of range 1..1000000");
  update_entry(Map<uint32_t, br_config>(config_fd_), 0, cfg_, [&](br_config &c) { c.aging_time = seconds; });
}

void Bridge::set_flood_rate_limit(uint32_t pps) {
  update_entry(Map<uint32_t, br_config>(config_fd_), 0, cfg_, [&](br_config &c) { c.flood_pps = pps; });
}

uint32_t Bridge::flood_rate_limit() const {
  return locked([&] { return cfg_.flood_pps; });
}

uint32_t Bridge::aging_time() const {
  return locked([&] { return cfg_.aging_time; });
}

// ---- spanning tree ----

void Bridge::set_stp(const StpConfig &c) {
  if (c.timers.hello_time < 1 || c.timers.forward_delay < 1 || c.timers.max_age < 2)
    throw Error(ErrorCode::kInvalid, "spanning-tree timers out of range");
  std::lock_guard<std::recursive_mutex> rlock(rt_.mutex());
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (c == stp_cfg_) return;
  }
  stop_stp_thread();
  SpanningTree::Output out;
  {
    std::lock_guard<std::mutex> lock(mu_);
    stp_cfg_ = c;
    stp_ = SpanningTree{};
    stp_.configure((uint64_t(c.priority) << 48) | mac_, c.timers);
    double now = monotonic_now();
    if (c.enabled) {
      for (const auto &[index, name] : names_) stp_.add_port(index, now);
      out = stp_.restart(now);
    } else {
      for (const auto &[index, name] : names_) write_stp_state(index, StpState::kForwarding);
    }
  }
  cfg_.stp = c.enabled ? 1 : 0;
  write_config();
  apply(out);
  flush_fdb();
  if (c.enabled) {
    stp_stop_ = false;
    stp_thread_ = std::thread([this] { stp_loop(); });
  }
}

Bridge::StpConfig Bridge::stp() const {
  std::lock_guard<std::mutex> lock(mu_);
  return stp_cfg_;
}

Bridge::StpStatus Bridge::stp_status() const {
  std::lock_guard<std::mutex> lock(mu_);
  StpStatus s;
  s.bridge_id = bridge_id_string(stp_.bridge_id());
  s.root_id = bridge_id_string(stp_cfg_.enabled ? stp_.root_id() : stp_.bridge_id());
  if (stp_cfg_.enabled) {
    s.root_path_cost = stp_.root_path_cost();
    if (auto rp = stp_.root_port(); rp && names_.count(*rp)) s.root_port = names_.at(*rp);
  }
  return s;
}

std::string Bridge::port_stp_state(const std::string &port) const {
  std::lock_guard<std::recursive_mutex> rlock(rt_.mutex());
  uint32_t index = index_of(port);
  std::lock_guard<std::mutex> lock(mu_);
  if (!stp_cfg_.enabled) return "forwarding";
  return to_string(stp_.state(index));
}

std::string Bridge::port_stp_role(const std::string &port) const {
  std::lock_guard<std::recursive_mutex> rlock(rt_.mutex());
  uint32_t index = index_of(port);
  std::lock_guard<std::mutex> lock(mu_);
  if (!stp_cfg_.enabled) return "disabled";
  return to_string(stp_.role(index));
}

// Writes the states (with mu_ taken here), then sends the BPDUs. Never
// called with mu_ held: packet_out takes the runtime lock.
void Bridge::apply(const SpanningTree::Output &out) {
  std::vector<std::pair<std::string, std::string>> frames;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (const auto &[index, state] : out.states) write_stp_state(index, state);
    uint8_t src[6];
    for (int i = 0; i < 6; i++) src[i] = static_cast<uint8_t>(mac_ >> (40 - 8 * i));
    for (const auto &[index, bpdu] : out.send)
      if (names_.count(index)) frames.emplace_back(names_.at(index), encode_bpdu(bpdu, src));
  }
  if (out.flush_fdb) flush_fdb();
  for (const auto &[port, frame] : frames) {
    try {
      packet_out(port, frame);
    } catch (const Error &) {
      // No peer on that port: nobody to tell.
    }
  }
}

void Bridge::stp_loop() {
  std::unique_lock<std::mutex> lock(mu_);
  while (!stp_stop_) {
    stp_cv_.wait_for(lock, std::chrono::milliseconds(100));
    if (stp_stop_) break;
    SpanningTree::Output out = stp_.tick(monotonic_now());
    lock.unlock();
    // packet_out needs the runtime lock, which whoever stops this thread may
    // hold while waiting for it: take it only when free, give up on stop.
    bool sent = false;
    while (!stp_stop_ && !sent) {
      if (rt_.mutex().try_lock()) {
        apply(out);
        rt_.mutex().unlock();
        sent = true;
      } else {
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
      }
    }
    lock.lock();
  }
}

void Bridge::stop_stp_thread() {
  if (!stp_thread_.joinable()) return;
  {
    std::lock_guard<std::mutex> lock(mu_);
    stp_stop_ = true;
  }
  stp_cv_.notify_all();
  stp_thread_.join();
}

Bridge::Counters Bridge::counters() const {
  Counters c;
  PercpuMap<uint32_t, br_counters> m(map_fd(maps::br_counters));
  for (const auto &v : m.get(0)) {
    c.floods += v.floods;
    c.vlan_drops += v.vlan_drops;
    c.stp_drops += v.stp_drops;
    c.bpdus += v.bpdus;
    c.flood_drops += v.flood_drops;
  }
  c.slowpath_flood_drops = slowpath_flood_drops_;
  return c;
}

}  // namespace polycube::services
