#include "firewall.h"

#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <spdlog/spdlog.h>
#include <time.h>
#include <unistd.h>

#include <cstring>
#include <unordered_map>

#include "firewall_bpf.h"
#include "polycube/runtime.h"

namespace polycube::services {

namespace {

const char *kFieldNames[FW_NFIELDS] = {"src", "dst", "proto", "sport", "dport", "flags", "ctstate"};

uint64_t monotonic_ns() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return uint64_t(ts.tv_sec) * 1000000000ull + uint64_t(ts.tv_nsec);
}

std::string rule_key(const fw::Rule &r) { return r.to_json().dump(); }

}  // namespace

const char *Firewall::field_name(int field) { return kFieldNames[field]; }

ServiceInfo Firewall::info() {
  return ServiceInfo{"firewall",
                     firewall_bpf(),
                     {{"fw_ingress", PCN_SLOT_INGRESS}, {"fw_egress", PCN_SLOT_EGRESS}, {"fw_action", FW_SLOT_ACTION}},
                     true};
}

Firewall::Firewall(Runtime &rt, const std::string &name, Mode mode) : Cube(rt, name, info(), CubeOptions{mode, 1}) {
  // Writing a map-in-map waits for running programs (synchronize_rcu in
  // the kernel): the barrier between generations.
  sync_inner_ = bpf_map_create(BPF_MAP_TYPE_ARRAY, "fw_sync_in", 4, 4, 1, nullptr);
  LIBBPF_OPTS(bpf_map_create_opts, o, .inner_map_fd = static_cast<__u32>(sync_inner_));
  sync_outer_ = sync_inner_ < 0 ? -1 : bpf_map_create(BPF_MAP_TYPE_ARRAY_OF_MAPS, "fw_sync", 4, 4, 1, &o);
  if (sync_outer_ < 0) {
    if (sync_inner_ >= 0) ::close(sync_inner_);
    throw Error(ErrorCode::kKernel, "firewall: cannot create the generation barrier map");
  }
  for (uint32_t s = FW_COUNTERS; s-- > 0;) free_slots_.push_back(s);
  sessions_fd_ = ::dup(map_fd("fw_sessions"));
  apply(fw::Config{});
  gc_ = std::thread([this] { gc_loop(); });
}

Firewall::~Firewall() {
  {
    std::lock_guard<std::mutex> l(gc_mu_);
    stop_ = true;
  }
  gc_cv_.notify_all();
  if (gc_.joinable()) gc_.join();
  for (int fd : {sync_outer_, sync_inner_, sessions_fd_})
    if (fd >= 0) ::close(fd);
}

void Firewall::sync_packets() {
  uint32_t zero = 0, inner = static_cast<uint32_t>(sync_inner_);
  if (bpf_map_update_elem(sync_outer_, &zero, &inner, BPF_ANY) != 0)
    throw Error(ErrorCode::kKernel, std::string("firewall: generation barrier: ") + std::strerror(errno));
}

void Firewall::apply(const fw::Config &cfg) {
  if (applied_ && cfg == cfg_) return;
  for (const auto &c : cfg.chains)
    if (c.rules.size() > FW_MAX_RULES)
      throw Error(ErrorCode::kInvalid, "more than " + std::to_string(FW_MAX_RULES) + " rules in a chain");
  uint32_t next = gen_ ^ 1;
  if (!applied_) next = 0;

  // Counter slots: a rule keeps its slot (and counts) when the same rule
  // is still in the chain; matched in order so duplicates keep theirs too.
  std::array<std::vector<uint32_t>, 2> slots;
  std::vector<uint32_t> fresh, released;
  for (int ch = 0; ch < 2; ch++) {
    std::unordered_map<std::string, std::vector<uint32_t>> old;
    for (size_t i = 0; i < cfg_.chains[ch].rules.size() && i < slots_[ch].size(); i++)
      old[rule_key(cfg_.chains[ch].rules[i])].push_back(slots_[ch][i]);
    std::unordered_map<std::string, size_t> used;
    for (const auto &r : cfg.chains[ch].rules) {
      std::string k = rule_key(r);
      auto it = old.find(k);
      size_t &u = used[k];
      if (it != old.end() && u < it->second.size()) {
        slots[ch].push_back(it->second[u++]);
      } else {
        if (free_slots_.empty()) throw Error(ErrorCode::kInvalid, "firewall: no counter slot left");
        slots[ch].push_back(free_slots_.back());
        fresh.push_back(free_slots_.back());
        free_slots_.pop_back();
      }
    }
    for (auto &[k, v] : old)
      for (size_t i = used.count(k) ? used[k] : 0; i < v.size(); i++) released.push_back(v[i]);
  }
  try {
    PercpuMap<uint32_t, fw_counter> counters(map_fd("fw_counters"));
    for (uint32_t s : fresh) counters.set_all(s, fw_counter{});

    // 1. The next generation's tables (packets still use the current one).
    int wild_fd = map_fd("fw_wild");
    for (int f = 0; f < FW_NFIELDS; f++) {
      int fd = map_fd(std::string("fw_m_") + kFieldNames[f]);
      for (const auto &k : keys_[next][f]) bpf_map_delete_elem(fd, &k);
      keys_[next][f].clear();
      for (int ch = 0; ch < 2; ch++) {
        fw::FieldTables t = fw::compile_field(cfg.chains[ch].rules, f);
        auto put = [&](const fw::LpmEntry &e, uint32_t chunk) {
          fw_lpm_key k{};
          k.prefixlen = 32 + e.len;
          k.sel = (next << 24) | (uint32_t(ch) << 16) | chunk;
          uint32_t be = htonl(e.value);
          std::memcpy(k.val, &be, 4);
          if (bpf_map_update_elem(fd, &k, &e.bits, BPF_ANY) != 0)
            throw Error(ErrorCode::kKernel, std::string("firewall: ") + kFieldNames[f] + " table: " + std::strerror(errno));
          keys_[next][f].push_back(k);
        };
        for (const auto &e : t.entries) put(e, e.chunk);
        for (const auto &e : t.summary) put(e, FW_SUMMARY_CHUNK);
        if (t.wild.empty()) continue;
        std::vector<uint32_t> idx(t.wild.size());
        for (size_t c = 0; c < t.wild.size(); c++) idx[c] = FW_WILD_INDEX(next, uint32_t(ch), uint32_t(f), uint32_t(c));
        __u32 count = static_cast<__u32>(idx.size());
        if (bpf_map_update_batch(wild_fd, idx.data(), t.wild.data(), &count, nullptr) != 0)
          for (size_t c = 0; c < idx.size(); c++)
            if (bpf_map_update_elem(wild_fd, &idx[c], &t.wild[c], BPF_ANY) != 0)
              throw Error(ErrorCode::kKernel, std::string("firewall: wildcard table: ") + std::strerror(errno));
      }
    }
    int rules_fd = map_fd("fw_rules");
    for (int ch = 0; ch < 2; ch++) {
      const auto &rules = cfg.chains[ch].rules;
      if (rules.empty()) continue;
      std::vector<uint32_t> keys(rules.size());
      std::vector<fw_rule_info> vals(rules.size());
      for (size_t i = 0; i < rules.size(); i++) {
        keys[i] = (next * 2 + ch) * FW_MAX_RULES + static_cast<uint32_t>(i);
        vals[i] = fw_rule_info{rules[i].action, slots[ch][i]};
      }
      __u32 count = static_cast<__u32>(keys.size());
      if (bpf_map_update_batch(rules_fd, keys.data(), vals.data(), &count, nullptr) != 0)
        for (size_t i = 0; i < keys.size(); i++)  // kernels without batch ops
          if (bpf_map_update_elem(rules_fd, &keys[i], &vals[i], BPF_ANY) != 0)
            throw Error(ErrorCode::kKernel, std::string("firewall: rule table: ") + std::strerror(errno));
    }
    // 2. The blocks the next generation runs, in their slots.
    std::set<uint32_t> need;
    std::vector<uint8_t> stages;
    for (int f = 0; f < FW_NFIELDS; f++)
      if (cfg.uses(f)) {
        need.insert(FW_SLOT_FIELD0 + f);
        stages.push_back(static_cast<uint8_t>(FW_SLOT_FIELD0 + f));
      }
    bool ct = cfg.needs_conntrack();
    if (ct) need.insert(FW_SLOT_CONNTRACK);
    if (stages.size() > FW_MAX_STAGES) throw Error(ErrorCode::kKernel, "firewall: too many stages");
    for (uint32_t slot : need)
      if (!loaded_.count(slot)) {
        load_block(slot, slot == FW_SLOT_CONNTRACK ? "fw_conntrack"
                                                   : std::string("fw_match_") + kFieldNames[slot - FW_SLOT_FIELD0]);
        loaded_.insert(slot);
      }
    auto chains = map<uint32_t, fw_chain_cfg>("fw_chains");
    for (int ch = 0; ch < 2; ch++) {
      fw_chain_cfg c{};
      c.nrules = static_cast<uint32_t>(cfg.chains[ch].rules.size());
      c.nchunks = (c.nrules + FW_CHUNK_BITS - 1) / FW_CHUNK_BITS;
      c.default_action = cfg.chains[ch].default_action;
      c.nstages = static_cast<uint32_t>(stages.size());
      for (size_t i = 0; i < stages.size(); i++) c.stages[i] = stages[i];
      c.conntrack = ct;
      c.accept_established = cfg.accept_established;
      c.parse_l4 = ct || cfg.uses(FW_F_SPORT) || cfg.uses(FW_F_DPORT) || cfg.uses(FW_F_FLAGS);
      chains.set(next * 2 + ch, c);
    }
    // 3. Switch: one 4-byte write; then wait until no packet runs the old one.
    map<uint32_t, fw_active>("fw_active").set(0, fw_active{next});
    sync_packets();
  } catch (...) {
    for (uint32_t s : fresh) free_slots_.push_back(s);
    throw;
  }
  uint32_t old = gen_;
  gen_ = next;
  bool had = applied_;
  applied_ = true;
  cfg_ = cfg;
  slots_ = slots;
  for (uint32_t s : released) free_slots_.push_back(s);
  // 4. The old generation is unused: free its tables and unneeded blocks.
  if (had && old != next)
    for (int f = 0; f < FW_NFIELDS; f++) {
      int fd = map_fd(std::string("fw_m_") + kFieldNames[f]);
      for (const auto &k : keys_[old][f]) bpf_map_delete_elem(fd, &k);
      keys_[old][f].clear();
    }
  bool ct = cfg.needs_conntrack();
  for (auto it = loaded_.begin(); it != loaded_.end();) {
    uint32_t slot = *it;
    bool needed = slot == FW_SLOT_CONNTRACK ? ct : cfg.uses(static_cast<int>(slot - FW_SLOT_FIELD0));
    if (!needed) {
      remove_block(slot);
      it = loaded_.erase(it);
    } else {
      ++it;
    }
  }
  log().debug("rules applied: generation {}, {} INGRESS and {} EGRESS rules, {} blocks", next,
              cfg.chains[0].rules.size(), cfg.chains[1].rules.size(), loaded_.size() + 3);
}

std::vector<Firewall::Counter> Firewall::counters(int chain) const {
  std::vector<Counter> out;
  PercpuMap<uint32_t, fw_counter> m(map_fd("fw_counters"));
  for (uint32_t s : slots_[chain]) {
    Counter c;
    for (const auto &v : m.get(s)) {
      c.pkts += v.pkts;
      c.bytes += v.bytes;
    }
    out.push_back(c);
  }
  return out;
}

Firewall::Counter Firewall::default_counter(int chain) const {
  Counter c;
  for (const auto &v : PercpuMap<uint32_t, fw_counter>(map_fd("fw_default_counters")).get(static_cast<uint32_t>(chain))) {
    c.pkts += v.pkts;
    c.bytes += v.bytes;
  }
  return c;
}

void Firewall::reset_counters(int chain) {
  PercpuMap<uint32_t, fw_counter> m(map_fd("fw_counters"));
  for (uint32_t s : slots_[chain]) m.set_all(s, fw_counter{});
  PercpuMap<uint32_t, fw_counter>(map_fd("fw_default_counters")).set_all(static_cast<uint32_t>(chain), fw_counter{});
}

std::vector<Firewall::Session> Firewall::sessions() const {
  std::vector<Session> out;
  fw_ct_key k{}, next{};
  const void *prev = nullptr;
  while (bpf_map_get_next_key(sessions_fd_, prev, &next) == 0) {
    Session s{next, {}};
    if (bpf_map_lookup_elem(sessions_fd_, &next, &s.entry) == 0) out.push_back(s);
    k = next;
    prev = &k;
  }
  return out;
}

size_t Firewall::collect_sessions() {
  uint64_t now = monotonic_ns();
  std::vector<fw_ct_key> dead;
  for (const auto &s : sessions())
    if (now > s.entry.last_seen_ns && now - s.entry.last_seen_ns > fw_ct_timeout(&s.entry, s.key.proto))
      dead.push_back(s.key);
  for (const auto &k : dead) bpf_map_delete_elem(sessions_fd_, &k);
  return dead.size();
}

void Firewall::gc_loop() {
  std::unique_lock<std::mutex> l(gc_mu_);
  while (!gc_cv_.wait_for(l, std::chrono::seconds(5), [this] { return stop_; })) {
    l.unlock();
    size_t n = collect_sessions();
    if (n) log().debug("conntrack: {} expired sessions removed", n);
    l.lock();
  }
}

void Firewall::on_packet_in(const PacketIn &p) {
  if (p.reason != FW_REASON_LOG) return;
  logged_++;
  std::string what = "non-IPv4";
  if (p.data.size() >= 34) {
    const auto *b = reinterpret_cast<const uint8_t *>(p.data.data());
    auto ip4 = [&](size_t o) {
      return std::to_string(b[o]) + "." + std::to_string(b[o + 1]) + "." + std::to_string(b[o + 2]) + "." +
             std::to_string(b[o + 3]);
    };
    size_t l4 = 14 + (b[14] & 0xf) * 4;
    what = ip4(26) + " -> " + ip4(30) + " proto " + std::to_string(b[23]);
    if ((b[23] == 6 || b[23] == 17) && p.data.size() >= l4 + 4)
      what += " " + std::to_string(b[l4] << 8 | b[l4 + 1]) + " -> " + std::to_string(b[l4 + 2] << 8 | b[l4 + 3]);
  }
  log().info("LOG chain {} rule {}: {} ({} bytes)", p.user[0] == FW_INGRESS ? "INGRESS" : "EGRESS", p.user[1], what,
             p.len);
}

}  // namespace polycube::services
