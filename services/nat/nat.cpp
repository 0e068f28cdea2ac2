#include "nat.h"

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <spdlog/spdlog.h>

#include <cstring>
#include <map>

#include "nat_bpf.h"
#include "polycube/runtime.h"
#include "polycube/service_model.h"
#include "nat_bpf_maps.h"

namespace polycube::services {

namespace maps = polycube::bpf_maps::nat_bpf;


ServiceInfo Nat::info() {
  return ServiceInfo{std::string(kServiceName),
                     nat_bpf(),
                     {{"nat_ingress", PCN_SLOT_INGRESS}, {"nat_egress", PCN_SLOT_EGRESS}},
                     true,
                     {maps::nat_sessions.name, maps::nat_reverse.name}};  // a daemon restart keeps translating
}

Nat::Nat(Runtime &rt, const std::string &name, Mode mode) : Cube(rt, name, info(), CubeOptions{mode, 1}) {
  sessions_ = std::make_unique<xlate::Sessions>(map_fd(maps::nat_sessions), map_fd(maps::nat_reverse), sizeof(nat_session));
  write_config();
  gc_ = std::make_unique<conntrack::Collector>(std::chrono::seconds(2), [this] {
    size_t n = collect();
    if (n) log().debug("{} expired sessions removed", n);
    refresh_masquerade();
  });
}

Nat::~Nat() {
  gc_.reset();  // the collector never waits for the runtime lock: no deadlock with a caller holding it
}

std::optional<uint32_t> Nat::address_of(const std::string &where) const {
  if (where.empty()) return std::nullopt;
  if (auto colon = where.find(':'); colon != std::string::npos) {
    auto cube = find_cube(rt_, where.substr(0, colon));
    if (!cube) return std::nullopt;
    return cube->port_ipv4(where.substr(colon + 1));
  }
  ifaddrs *list = nullptr;
  if (getifaddrs(&list) != 0) return std::nullopt;
  std::optional<uint32_t> found;
  for (ifaddrs *a = list; a && !found; a = a->ifa_next)
    if (a->ifa_addr && a->ifa_addr->sa_family == AF_INET && where == a->ifa_name)
      found = ntohl(reinterpret_cast<sockaddr_in *>(a->ifa_addr)->sin_addr.s_addr);
  freeifaddrs(list);
  return found;
}

void Nat::write_config() {
  std::lock_guard<std::mutex> l(write_mu_);
  nat_config c{};
  c.masq_addr = htonl(masq_addr_.load());
  c.port_min = cfg_.port_min;
  c.port_max = cfg_.port_max;
  c.has_snat = !cfg_.snat.empty();
  c.has_dnat = !cfg_.dnat.empty();
  c.has_pf = !cfg_.forwards.empty();
  uint32_t zero = 0;
  check_kernel(bpf_map_update_elem(map_fd(maps::nat_config), &zero, &c, BPF_ANY) ? -errno : 0, "nat_config");
}

void Nat::apply(const nat::Config &cfg) {
  std::lock_guard<std::recursive_mutex> lock(rt_.mutex());
  if (applied_ && cfg == cfg_) return;
  const nat::Config old = cfg_;
  Map<nat_lpm_key, nat_snat_rule> snat(map_fd(maps::nat_snat));
  Map<uint32_t, nat_dnat_rule> dnat(map_fd(maps::nat_dnat));
  Map<nat_pf_key, nat_pf_rule> pf(map_fd(maps::nat_pf));
  auto snat_key = [](const nat::SnatRule &r) { return nat_lpm_key{r.len, htonl(r.net)}; };
  auto pf_key = [](const nat::PortForward &r) { return nat_pf_key{htonl(r.external), htons(r.external_port), r.proto, 0}; };
  // 1. New and changed entries, before anything points at them.
  for (const auto &r : cfg.snat) snat.set(snat_key(r), nat_snat_rule{htonl(r.external), r.id});
  for (const auto &r : cfg.dnat) dnat.set(htonl(r.external), nat_dnat_rule{htonl(r.internal), r.id});
  for (const auto &r : cfg.forwards) pf.set(pf_key(r), nat_pf_rule{htonl(r.internal), htons(r.internal_port), 0, r.id});
  // 2. The switches (which tables to look at, masquerade, port range).
  cfg_ = cfg;
  applied_ = true;
  masq_addr_ = cfg.masquerade ? address_of(cfg.attached_to).value_or(0) : 0;
  write_config();
  // 3. Entries no longer configured.
  std::set<std::string> keep;
  for (const auto &r : cfg.snat) keep.insert("s" + std::to_string(r.len) + "/" + std::to_string(r.net));
  for (const auto &r : old.snat)
    if (!keep.count("s" + std::to_string(r.len) + "/" + std::to_string(r.net))) snat.erase(snat_key(r));
  for (const auto &r : old.dnat)
    if (std::none_of(cfg.dnat.begin(), cfg.dnat.end(), [&](const auto &n) { return n.external == r.external; }))
      dnat.erase(htonl(r.external));
  for (const auto &r : old.forwards)
    if (std::none_of(cfg.forwards.begin(), cfg.forwards.end(), [&](const auto &n) {
          return n.external == r.external && n.external_port == r.external_port && n.proto == r.proto;
        }))
      pf.erase(pf_key(r));
  // 4. Deleting a rule ends its sessions; other rule changes apply to new flows.
  std::set<std::pair<uint8_t, uint32_t>> gone;
  auto ids = [](const auto &rules) {
    std::set<uint32_t> s;
    for (const auto &r : rules) s.insert(r.id);
    return s;
  };
  auto mark = [&](uint8_t kind, const std::set<uint32_t> &before, const std::set<uint32_t> &after) {
    for (uint32_t id : before)
      if (!after.count(id)) gone.insert({kind, id});
  };
  mark(NAT_K_SNAT, ids(old.snat), ids(cfg.snat));
  mark(NAT_K_DNAT, ids(old.dnat), ids(cfg.dnat));
  mark(NAT_K_PORTFORWARD, ids(old.forwards), ids(cfg.forwards));
  if (old.masquerade && !cfg.masquerade) gone.insert({NAT_K_MASQUERADE, 0});
  if (!gone.empty()) {
    size_t n = sessions_->end_if([&](const pcn_tuple &, const void *v) {
      auto *s = static_cast<const nat_session *>(v);
      return gone.count({s->kind, s->rule}) > 0;
    });
    log().info("{} sessions of deleted rules ended", n);
  }
  log().info("rules: {} snat, {} dnat, {} port-forwarding, masquerade {}", cfg.snat.size(), cfg.dnat.size(),
             cfg.forwards.size(), cfg.masquerade ? "on (" + nat::address_string(masq_addr_) + ")" : "off");
}

nat::Config Nat::config() const {
  return locked([&] { return cfg_; });
}

uint32_t Nat::masquerade_address() const { return masq_addr_; }

bool Nat::refresh_masquerade() {
  std::unique_lock<std::recursive_mutex> lock(rt_.mutex(), std::try_to_lock);
  if (!lock.owns_lock()) return false;
  uint32_t now = cfg_.masquerade ? address_of(cfg_.attached_to).value_or(0) : 0;
  if (now != masq_addr_) {
    log().info("masquerade address {} -> {} (new flows)", nat::address_string(masq_addr_), nat::address_string(now));
    masq_addr_ = now;
    write_config();
  }
  return true;
}

std::vector<Nat::Session> Nat::sessions() const { return sessions_->entries<nat_session>(); }

nat_stats Nat::stats() const {
  nat_stats sum{};
  for (const auto &c : PercpuMap<uint32_t, nat_stats>(map_fd(maps::nat_stats)).get(0)) {
    sum.sessions_created += c.sessions_created;
    sum.ports_exhausted += c.ports_exhausted;
    sum.table_full += c.table_full;
    sum.clashes += c.clashes;
    sum.fragments += c.fragments;
  }
  return sum;
}

size_t Nat::collect() { return sessions_->collect(conntrack::now_ns()); }

}  // namespace polycube::services
