#include "simplebridge.h"

#include <time.h>

#include <algorithm>
#include <cstdio>
#include <mutex>

#include "polycube/clock.h"
#include "polycube/mac.h"
#include "polycube/runtime.h"
#include "simplebridge_bpf.h"
#include "simplebridge_bpf_maps.h"

namespace polycube::services {

namespace maps = polycube::bpf_maps::simplebridge_bpf;

ServiceInfo SimpleBridge::info() {
  return ServiceInfo{std::string(kServiceName), simplebridge_bpf(), {{"sb_main", PCN_SLOT_INGRESS}}, false};
}

SimpleBridge::SimpleBridge(Runtime &rt, const std::string &name, Mode mode)
    : Cube(rt, name, info(), CubeOptions{mode, SB_MAX_PORTS}),
      learned_fdb_(map_fd(maps::sb_fdb), map_fd(maps::sb_fdb_gen), SB_FDB_SIZE) {
  write_config();
}

void SimpleBridge::write_config() { map<uint32_t, sb_config>(maps::sb_config).set(0, cfg_); }

void SimpleBridge::write_flood_list() {
  // Entries first, then the count: a reader never indexes an unwritten slot.
  auto list = map<uint32_t, uint32_t>(maps::sb_flood_ports);
  for (uint32_t i = 0; i < flood_ports_.size(); i++) list.set(i, flood_ports_[i]);
  cfg_.nports = static_cast<uint32_t>(flood_ports_.size());
  write_config();
}

void SimpleBridge::on_port_added(const Port &p) {
  flood_ports_.push_back(p.index);
  write_flood_list();
}

void SimpleBridge::on_port_removed(const Port &p) {
  flood_ports_.erase(std::remove(flood_ports_.begin(), flood_ports_.end(), p.index), flood_ports_.end());
  write_flood_list();
  map<uint32_t, uint32_t>(maps::sb_devmap).erase(p.index);
  cube_peered_.erase(p.index);
  auto fdb = map<uint64_t, sb_fdb_entry>(maps::sb_fdb);
  for (uint64_t mac : fdb.keys()) {
    auto e = fdb.get(mac);
    if (e && e->port == p.index) fdb.erase(mac);
  }
}

void SimpleBridge::on_port_egress(const Port &p, const pcn_target &egress) {
  auto devmap = map<uint32_t, uint32_t>(maps::sb_devmap);
  bool in_devmap = false;
  if (egress.kind == PCN_T_NETDEV) {
    try {
      devmap.set(p.index, egress.id);
      in_devmap = true;
    } catch (const Error &) {
      // The netdev is gone (the kernel refuses its ifindex): nothing to
      // broadcast to; the port stays usable and can be re-peered.
    }
  }
  if (!in_devmap)
    devmap.erase(p.index);
  if (egress.kind == PCN_T_PROG)
    cube_peered_[p.index] = p.name;
  else
    cube_peered_.erase(p.index);
}

void SimpleBridge::on_packet_in(const PacketIn &pkt) {
  if (pkt.reason != SB_REASON_FLOOD || pkt.data.size() != pkt.len)
    return;
  auto targets = locked([&] {
    std::vector<std::string> out;
    for (const auto &[index, name] : cube_peered_)
      if (index != pkt.port_index) out.push_back(name);
    return out;
  });
  for (const auto &port : targets) packet_out(port, pkt.data);
}

std::vector<SimpleBridge::FdbEntry> SimpleBridge::fdb() {
  std::lock_guard<std::recursive_mutex> lock(rt_.mutex());
  std::map<uint32_t, std::string> names;
  for (const auto &p : ports()) names[p.index] = p.name;
  uint64_t now = monotonic_seconds();
  std::vector<FdbEntry> out;
  auto fdb = map<uint64_t, sb_fdb_entry>(maps::sb_fdb);
  std::vector<uint64_t> expired;
  learned_fdb_.for_each([&](const uint64_t &mac, const sb_fdb_entry &e) {
    uint64_t age = now > e.timestamp ? now - e.timestamp : 0;
    auto name = names.find(e.port);
    if (age > cfg_.aging_time || name == names.end()) {
      expired.push_back(mac);
      return;
    }
    out.push_back({mac_to_string(mac), name->second, static_cast<uint32_t>(age)});
  });
  for (uint64_t mac : expired) fdb.erase(mac);
  std::sort(out.begin(), out.end(), [](const FdbEntry &a, const FdbEntry &b) { return a.mac < b.mac; });
  return out;
}

void SimpleBridge::flush_fdb() {
  std::lock_guard<std::recursive_mutex> lock(rt_.mutex());
  auto fdb = map<uint64_t, sb_fdb_entry>(maps::sb_fdb);
  for (uint64_t mac : fdb.keys()) fdb.erase(mac);
}

void SimpleBridge::set_aging_time(uint32_t seconds) {
  if (seconds < 1 || seconds > 1000000)
    throw Error(ErrorCode::kInvalid, "aging time " + std::to_string(seconds) + " out of range 1..1000000");
  update_entry(map<uint32_t, sb_config>(maps::sb_config), 0, cfg_, [&](sb_config &c) { c.aging_time = seconds; });
}

uint32_t SimpleBridge::aging_time() const {
  return locked([&] { return cfg_.aging_time; });
}

}  // namespace polycube::services
