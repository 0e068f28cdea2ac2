#include "lbdsr.h"

#include <arpa/inet.h>
#include <spdlog/spdlog.h>

#include <mutex>
#include <set>

#include "lbdsr_bpf.h"
#include "polycube/ipv4.h"
#include "polycube/mac.h"
#include "polycube/runtime.h"
#include "lbdsr_bpf_maps.h"

namespace polycube::services {

namespace maps = polycube::bpf_maps::lbdsr_bpf;

ServiceInfo Lbdsr::info() { return ServiceInfo{std::string(kServiceName), lbdsr_bpf(), {{"lbdsr_main", PCN_SLOT_INGRESS}}, false}; }

Lbdsr::Lbdsr(Runtime &rt, const std::string &name, Mode mode) : Cube(rt, name, info(), CubeOptions{mode, 2}) {
  tables_ = std::make_unique<maglev::Tables>(map_fd(maps::lbdsr_tables));
  write_config();
}

Lbdsr::Config Lbdsr::parse_config(const nlohmann::json &cube) {
  Config c;
  if (cube.contains("ports"))
    for (const auto &p : cube["ports"]) {
      std::string name = p.at("name").get<std::string>(), type = p.value("type", "");
      std::string &slot = type == "FRONTEND" ? c.frontend_port : c.backend_port;
      if (type != "FRONTEND" && type != "BACKEND") throw Error(ErrorCode::kInvalid, "port " + name + ": type FRONTEND or BACKEND is required");
      if (!slot.empty())
        throw Error(ErrorCode::kInvalid, "port " + name + ": an lbdsr has one " + type + " port (" + slot + " is)");
      slot = name;
    }
  if (cube.contains("frontend")) {
    const auto &f = cube["frontend"];
    if (f.contains("vip")) {
      auto a = parse_ipv4(f["vip"].get<std::string>());
      if (!a || !*a) throw Error(ErrorCode::kInvalid, "frontend vip: not a usable IPv4 address");
      c.vip = *a;
    }
    if (f.contains("mac")) c.mac = mac_from_string(f["mac"].get<std::string>());
  }
  if (c.vip && !c.mac) throw Error(ErrorCode::kInvalid, "frontend: a vip needs the mac the load balancer answers with");
  if (cube.contains("backend") && cube["backend"].contains("pool"))
    for (const auto &b : cube["backend"]["pool"]) {
      Member m;
      m.mac = mac_from_string(b.at("mac").get<std::string>());
      m.weight = b.value("weight", uint16_t(1));
      c.pool[b.at("id").get<uint32_t>()] = m;
    }
  return c;
}

void Lbdsr::write_config() {
  lbdsr_config c{};
  c.vip = htonl(cfg_.vip);
  mac_to_bytes(cfg_.mac, c.mac);
  c.frontend_port = c.backend_port = LBDSR_NO_PORT;
  for (const Port &p : ports()) {
    if (p.name == cfg_.frontend_port) c.frontend_port = p.index;
    if (p.name == cfg_.backend_port) c.backend_port = p.index;
  }
  c.table = table_;
  map<uint32_t, lbdsr_config>(maps::lbdsr_config).set(0, c);
}

void Lbdsr::on_port_removed(const Port &p) {
  if (p.name == cfg_.frontend_port) cfg_.frontend_port.clear();
  if (p.name == cfg_.backend_port) cfg_.backend_port.clear();
  write_config();
}

void Lbdsr::apply(const Config &cfg) {
  std::lock_guard<std::recursive_mutex> lock(rt_.mutex());
  Map<uint32_t, lbdsr_backend> pool(map_fd(maps::lbdsr_pool));
  // Slots: a member keeps its own, a new one takes the lowest free one.
  std::map<uint32_t, uint16_t> slots;
  std::set<uint16_t> used;
  for (const auto &[id, m] : cfg.pool)
    if (auto s = slots_.find(id); s != slots_.end()) {
      slots[id] = s->second;
      used.insert(s->second);
    }
  for (const auto &[id, m] : cfg.pool)
    if (!slots.count(id)) {
      uint16_t s = 0;
      while (used.count(s)) s++;
      slots[id] = s;
      used.insert(s);
    }
  std::vector<maglev::Endpoint> eps;
  for (const auto &[id, m] : cfg.pool) eps.push_back({id, m.weight, slots[id]});
  uint32_t table = tables_->acquire(eps);  // first: if it throws, nothing is written
  for (const auto &[id, m] : cfg.pool) {
    auto was = cfg_.pool.find(id);
    if (was != cfg_.pool.end() && was->second == m && slots_.at(id) == slots[id]) continue;
    lbdsr_backend b{};
    mac_to_bytes(m.mac, b.mac);
    b.valid = 1;
    pool.set(slots[id], b);
  }
  uint32_t old = table_;
  table_ = table;
  cfg_ = cfg;
  write_config();
  tables_->release(old);
  for (const auto &[id, slot] : slots_)
    if (!used.count(slot)) pool.set(slot, lbdsr_backend{});  // no longer valid
  slots_ = std::move(slots);
  tables_->collect();
  log().info("vip {}, {} backends", cfg_.vip ? ipv4_string(cfg_.vip) : "none", cfg_.pool.size());
}

lbdsr_stats Lbdsr::stats() const {
  lbdsr_stats sum{};
  for (const auto &c : PercpuMap<uint32_t, lbdsr_stats>(map_fd(maps::lbdsr_stats)).get(0)) {
    sum.arp_answered += c.arp_answered;
    sum.balanced += c.balanced;
    sum.flows_created += c.flows_created;
    sum.no_backend += c.no_backend;
    sum.other += c.other;
  }
  return sum;
}

}  // namespace polycube::services
