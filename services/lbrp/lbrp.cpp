#include "lbrp.h"

#include <arpa/inet.h>
#include <spdlog/spdlog.h>

#include <cstring>
#include <set>

#include "lbrp_bpf.h"
#include "polycube/ipv4.h"
#include "polycube/runtime.h"
#include "lbrp_bpf_maps.h"

namespace polycube::services {

namespace maps = polycube::bpf_maps::lbrp_bpf;

namespace {

lbrp_service_key dp_key(uint32_t vip, uint16_t vport, uint8_t proto) {
  return lbrp_service_key{htonl(vip), htons(vport), proto, 0};
}

}  // namespace

ServiceInfo Lbrp::info() {
  // Sessions and backend slots outlive a daemon restart: established flows
  // keep their backend and new ones hash to the same backends as before.
  return ServiceInfo{std::string(kServiceName),
                     lbrp_bpf(),
                     {{"lbrp_main", PCN_SLOT_INGRESS}},
                     false,
                     {maps::lbrp_sessions.name, maps::lbrp_reverse.name, maps::lbrp_backends.name, maps::lbrp_port_names.name}};
}

Lbrp::Lbrp(Runtime &rt, const std::string &name, Mode mode)
    : Cube(rt, name, info(), CubeOptions{mode, LBRP_MAX_PORTS}) {
  tables_ = std::make_unique<maglev::Tables>(map_fd(maps::lbrp_tables));
  sessions_ = std::make_unique<xlate::Sessions>(map_fd(maps::lbrp_sessions), map_fd(maps::lbrp_reverse), sizeof(lbrp_session));
  map<lbrp_backend_key, lbrp_backend>(maps::lbrp_backends).for_each([&](const lbrp_backend_key &k, const lbrp_backend &b) {
    adopted_[{DpKey{ntohl(k.svc.vip), ntohs(k.svc.vport), k.svc.proto}, ntohl(b.ip)}] = k.slot;
  });
  if (!adopted_.empty()) log().info("{} backend slots kept from the previous run", adopted_.size());
  Map<uint32_t, uint64_t>(map_fd(maps::lbrp_port_names)).for_each([&](uint32_t index, uint64_t id) {
    if (id) ports_before_[id] = index;
  });
  lbrp_config c{LBRP_NO_PORT, LBRP_NO_PORT, 0, 0, {}};
  map<uint32_t, lbrp_config>(maps::lbrp_config).set(0, c);
  gc_ = std::make_unique<conntrack::Collector>(std::chrono::seconds(2), [this] {
    size_t n = collect();
    if (n) log().debug("{} sessions removed", n);
  });
}

Lbrp::~Lbrp() { gc_.reset(); }

void Lbrp::apply_ports(const lbrp::Config &cfg) {
  Map<uint32_t, uint32_t> types(map_fd(maps::lbrp_ports)), fronts(map_fd(maps::lbrp_frontends));
  lbrp_config c{LBRP_NO_PORT, LBRP_NO_PORT, uint8_t(any_port_ > 0), cfg.multi, {}};
  std::map<uint32_t, uint32_t> by_ip;  // MULTI: client address -> port index
  for (const Port &p : ports()) {
    auto it = cfg.frontend.find(p.name);
    uint32_t type = it == cfg.frontend.end() ? LBRP_PORT_NONE : it->second ? LBRP_PORT_FRONTEND : LBRP_PORT_BACKEND;
    types.set(p.index, type);
    if (type == LBRP_PORT_BACKEND) c.backend_port = p.index;
    if (type == LBRP_PORT_FRONTEND && (c.frontend_port == LBRP_NO_PORT || p.index < c.frontend_port))
      c.frontend_port = p.index;
    if (auto ip = cfg.port_ip.find(p.name); ip != cfg.port_ip.end()) by_ip[htonl(ip->second)] = p.index;
  }
  for (const auto &[ip, port] : by_ip) fronts.set(ip, port);
  for (uint32_t ip : fronts.keys())
    if (!by_ip.count(ip)) fronts.erase(ip);
  map<uint32_t, lbrp_config>(maps::lbrp_config).set(0, c);
  if (!ports_before_.empty()) move_adopted_sessions();
  Map<uint32_t, uint64_t> names(map_fd(maps::lbrp_port_names));
  std::vector<uint64_t> now(LBRP_MAX_PORTS, 0);
  for (const Port &p : ports())
    if (p.index < LBRP_MAX_PORTS) now[p.index] = port_id(p.name);
  for (uint32_t i = 0; i < LBRP_MAX_PORTS; i++)
    if (now[i] != port_names_[i]) names.set(i, now[i]);
  port_names_ = std::move(now);
}

uint64_t Lbrp::port_id(const std::string &name) {
  uint64_t h = 14695981039346656037ull;  // FNV-1a: the same in every build
  for (unsigned char ch : name) h = (h ^ ch) * 1099511628211ull;
  return h ? h : 1;
}

void Lbrp::move_adopted_sessions() {
  std::map<uint32_t, uint32_t> moved;  // previous run's index -> this run's
  for (const Port &p : ports())
    if (auto it = ports_before_.find(port_id(p.name)); it != ports_before_.end() && it->second != p.index)
      moved[it->second] = p.index;
  ports_before_.clear();
  if (moved.empty()) return;
  // Until the new data path replaces the old one on the netdevs (a few ms
  // after the restored configuration is complete), the old one reads the
  // moved sessions with its own indexes: a reply in between may leave by
  // the wrong port, and TCP sends it again.
  Map<pcn_tuple, lbrp_session> sessions(map_fd(maps::lbrp_sessions));
  std::vector<std::pair<pcn_tuple, lbrp_session>> fix;
  sessions.for_each([&](const pcn_tuple &k, const lbrp_session &s) {
    if (moved.count(s.in_port)) fix.emplace_back(k, s);
  });
  for (auto &[k, s] : fix) {
    s.in_port = moved[s.in_port];
    sessions.set(k, s, BPF_EXIST);
  }
  log().info("{} sessions moved to this run's port indexes", fix.size());
}

void Lbrp::on_port_removed(const Port &p) {
  Map<uint32_t, uint32_t>(map_fd(maps::lbrp_ports)).set(p.index, LBRP_PORT_NONE);
  auto cfgmap = map<uint32_t, lbrp_config>(maps::lbrp_config);
  lbrp_config c = cfgmap.get(0).value_or(lbrp_config{LBRP_NO_PORT, LBRP_NO_PORT, 0, 0, {}});
  if (c.backend_port == p.index) c.backend_port = LBRP_NO_PORT;
  if (c.frontend_port == p.index) c.frontend_port = LBRP_NO_PORT;
  cfgmap.set(0, c);
}

void Lbrp::count_vip(uint32_t vip, int delta) {
  Map<uint32_t, uint32_t> vips(map_fd(maps::lbrp_vips));
  uint32_t &n = vips_[vip];
  n += delta;
  if (n == 0) {
    vips_.erase(vip);
    vips.erase(htonl(vip));
    writes_++;
  } else if (n == 1 && delta > 0) {
    vips.set(htonl(vip), 1);
    writes_++;
  }
}

uint16_t Lbrp::adopted_slot(const DpKey &key, uint32_t ip, const std::set<uint16_t> &used) const {
  if (auto it = adopted_.find({key, ip}); it != adopted_.end() && !used.count(it->second)) return it->second;
  uint16_t slot = 0;
  while (used.count(slot)) slot++;
  return slot;
}

void Lbrp::sync_service(const DpKey &key, const lbrp::Service *before, const lbrp::Service *now) {
  auto [vip, vport, proto] = key;
  lbrp_service_key k = dp_key(vip, vport, proto);
  Map<lbrp_service_key, lbrp_service> services(map_fd(maps::lbrp_services));
  Map<lbrp_backend_key, lbrp_backend> backends(map_fd(maps::lbrp_backends));
  auto port_of = [&](const lbrp::Backend &b) { return uint16_t(b.port ? b.port : vport); };
  auto found = dp_.find(key);
  DpService old = found == dp_.end() ? DpService{} : found->second;
  std::vector<Doomed> doomed;

  if (!now) {
    if (found == dp_.end()) return;
    services.erase(k);
    for (const auto &[ip, slot] : old.slots) backends.erase(lbrp_backend_key{k, slot, 0});
    writes_ += 1 + old.slots.size();
    tables_->release(old.table);
    if (before && before->reset)
      for (const auto &[ip, b] : before->backends) doomed.push_back({k, htonl(ip), htons(port_of(b))});
    count_vip(vip, -1);
    if (!vport) any_port_--;
    backends_ -= old.slots.size();
    dp_.erase(found);
  } else {
    // Slots: a backend keeps its own; a new one takes the one the previous
    // run gave it, else the lowest free one (a removed backend's slot is
    // free again: its successor takes over its share of the table).
    std::map<uint32_t, uint16_t> slots;
    std::set<uint16_t> used;
    for (const auto &[ip, b] : now->backends)
      if (auto s = old.slots.find(ip); s != old.slots.end()) {
        slots[ip] = s->second;
        used.insert(s->second);
      }
    for (const auto &[ip, b] : now->backends)
      if (!slots.count(ip)) {
        uint16_t s = adopted_slot(key, ip, used);
        slots[ip] = s;
        used.insert(s);
      }
    std::vector<maglev::Endpoint> eps;
    for (const auto &[ip, b] : now->backends) eps.push_back({slots[ip], b.weight, slots[ip]});
    uint32_t table = tables_->acquire(eps);  // first: if it throws, nothing is written
    // Backends before the table that names their slots; then the service.
    for (const auto &[ip, b] : now->backends) {
      const lbrp::Backend *was = nullptr;
      if (before)
        if (auto it = before->backends.find(ip); it != before->backends.end()) was = &it->second;
      auto s = old.slots.find(ip);
      if (was && *was == b && s != old.slots.end() && s->second == slots[ip]) continue;
      backends.set(lbrp_backend_key{k, slots[ip], 0}, lbrp_backend{htonl(ip), htons(port_of(b)), b.weight});
      writes_++;
    }
    lbrp_service sv{table, uint16_t(now->backends.size()), uint8_t(now->reset ? LBRP_SVC_RESET : 0), 0};
    services.set(k, sv);
    writes_++;
    tables_->release(old.table);
    for (const auto &[ip, slot] : old.slots)
      if (!now->backends.count(ip)) {
        if (!used.count(slot)) {
          backends.erase(lbrp_backend_key{k, slot, 0});
          writes_++;
        }
        if (before && now->reset)
          if (auto b = before->backends.find(ip); b != before->backends.end())
            doomed.push_back({k, htonl(ip), htons(port_of(b->second))});
      }
    if (found == dp_.end()) {
      count_vip(vip, +1);
      if (!vport) any_port_++;
    }
    backends_ += slots.size();
    backends_ -= old.slots.size();
    dp_[key] = DpService{table, std::move(slots)};
  }
  if (!doomed.empty()) {
    std::lock_guard<std::mutex> l(doomed_mu_);
    doomed_.insert(doomed_.end(), doomed.begin(), doomed.end());
  }
}

void Lbrp::apply(const lbrp::Config &cfg) {
  std::lock_guard<std::recursive_mutex> lock(rt_.mutex());
  // Services: a merge of the two sorted maps, so unchanged services cost a
  // comparison and no kernel write.
  auto a = cfg_.services.cbegin(), b = cfg.services.cbegin();
  while (a != cfg_.services.cend() || b != cfg.services.cend()) {
    const lbrp::ServiceKey *key;
    const lbrp::Service *before = nullptr, *now = nullptr;
    if (b == cfg.services.end() || (a != cfg_.services.end() && a->first < b->first)) {
      key = &a->first;
      before = &(a++)->second;
    } else if (a == cfg_.services.end() || b->first < a->first) {
      key = &b->first;
      now = &(b++)->second;
    } else {
      key = &a->first;
      before = &(a++)->second;
      now = &(b++)->second;
      if (*before == *now) continue;
    }
    for (uint8_t p : lbrp::protocols(key->proto)) sync_service(DpKey{key->vip, key->vport, p}, before, now);
  }
  apply_ports(cfg);  // also writes the every-port switch the services set
  if (!adopted_.empty()) {
    // The previous run's slots of backends no longer configured.
    Map<lbrp_backend_key, lbrp_backend> backends(map_fd(maps::lbrp_backends));
    for (const auto &[k, slot] : adopted_) {
      auto d = dp_.find(k.first);
      if (d == dp_.end() || !d->second.slots.count(k.second) || d->second.slots.at(k.second) != slot) {
        auto [vip, vport, proto] = k.first;
        lbrp_backend_key bk{dp_key(vip, vport, proto), slot, 0};
        auto cur = backends.get(bk);
        if (cur && ntohl(cur->ip) == k.second) backends.erase(bk);
      }
    }
    adopted_.clear();
  }
  cfg_ = cfg;
  bool wake;
  {
    std::lock_guard<std::mutex> l(doomed_mu_);
    wake = !doomed_.empty();
  }
  if (wake && gc_) gc_->wake();
}

std::vector<Lbrp::Session> Lbrp::sessions() const { return sessions_->entries<lbrp_session>(); }

lbrp_stats Lbrp::stats() const {
  lbrp_stats sum{};
  for (const auto &c : PercpuMap<uint32_t, lbrp_stats>(map_fd(maps::lbrp_stats)).get(0)) {
    sum.sessions_created += c.sessions_created;
    sum.echo_answered += c.echo_answered;
    sum.no_backend += c.no_backend;
    sum.table_full += c.table_full;
    sum.clashes += c.clashes;
  }
  return sum;
}

Lbrp::Counts Lbrp::counts() const {
  return locked([&] { return Counts{dp_.size(), backends_, tables_->size(), writes_}; });
}

size_t Lbrp::collect() {
  std::lock_guard<std::mutex> serial(collect_mu_);
  size_t n = sessions_->collect(conntrack::now_ns());
  std::vector<Doomed> doomed;
  {
    std::lock_guard<std::mutex> l(doomed_mu_);
    doomed.swap(doomed_);
  }
  if (!doomed.empty()) {
    // (vip, vport, proto, backend ip, backend port), network order; an
    // every-port service's entries have both ports 0.
    std::set<std::tuple<uint32_t, uint16_t, uint8_t, uint32_t, uint16_t>> gone;
    for (const auto &d : doomed) gone.insert({d.svc.vip, d.svc.vport, d.svc.proto, d.ip, d.svc.vport ? d.port : 0});
    size_t ended = sessions_->end_if([&](const pcn_tuple &orig, const void *v) {
      const auto *s = static_cast<const lbrp_session *>(v);
      return gone.count({orig.daddr, orig.dport, orig.proto, s->xlated.daddr, s->xlated.dport}) ||
             gone.count({orig.daddr, 0, orig.proto, s->xlated.daddr, 0});
    });
    if (ended) log().info("{} sessions of removed backends ended", ended);
    n += ended;
  }
  tables_->collect();
  return n;
}

}  // namespace polycube::services
