#include "firewall.h"

#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <malloc.h>
#include <spdlog/spdlog.h>
#include <time.h>
#include <unistd.h>

#include <cstring>
#include <functional>
#include <unordered_map>

#include "firewall_bpf.h"
#include "polycube/runtime.h"
#include "firewall_bpf_maps.h"

namespace polycube::services {

namespace maps = polycube::bpf_maps::firewall_bpf;

namespace {

const char *kFieldNames[FW_NFIELDS] = {"src", "dst", "proto", "sport", "dport", "flags", "ctstate"};

uint64_t monotonic_ns() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return uint64_t(ts.tv_sec) * 1000000000ull + uint64_t(ts.tv_nsec);
}

size_t rule_hash(const fw::Rule &r) {
  size_t h = r.action;
  auto mix = [&](uint64_t v) { h = h * 1000003u ^ std::hash<uint64_t>{}(v); };
  if (r.src) mix(uint64_t(r.src->addr) << 8 | r.src->len);
  if (r.dst) mix(uint64_t(r.dst->addr) << 8 | r.dst->len | 1ull << 40);
  if (r.proto) mix(*r.proto | 2ull << 40);
  if (r.sport) mix(uint64_t(r.sport->lo) << 16 | r.sport->hi | 3ull << 40);
  if (r.dport) mix(uint64_t(r.dport->lo) << 16 | r.dport->hi | 4ull << 40);
  if (r.flags) mix(uint64_t(r.flags->first) << 8 | r.flags->second | 5ull << 40);
  if (r.ct) mix(*r.ct | 6ull << 40);
  return h;
}

[[noreturn]] void kernel_error(const std::string &what) {
  throw Error(ErrorCode::kKernel, "firewall: " + what + ": " + std::strerror(errno));
}

// Array map writes in one syscall where the kernel can batch them.
template <class V>
void update_array(int fd, const std::vector<uint32_t> &keys, const std::vector<V> &values, const char *what) {
  if (keys.empty()) return;
  __u32 count = static_cast<__u32>(keys.size());
  if (bpf_map_update_batch(fd, keys.data(), values.data(), &count, nullptr) == 0) return;
  for (size_t i = 0; i < keys.size(); i++)  // kernels without batch ops
    if (bpf_map_update_elem(fd, &keys[i], &values[i], BPF_ANY) != 0) kernel_error(what);
}

}  // namespace

const char *Firewall::field_name(int field) { return kFieldNames[field]; }

ServiceInfo Firewall::info() {
  return ServiceInfo{std::string(kServiceName),
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
  for (int f = 0; f < FW_NFIELDS; f++) field_fd_[f] = map_fd(std::string("fw_m_") + kFieldNames[f]);
  wild_fd_ = map_fd(maps::fw_wild);
  rules_fd_ = map_fd(maps::fw_rules);
  chains_fd_ = map_fd(maps::fw_chains);
  active_fd_ = map_fd(maps::fw_active);
  counters_fd_ = map_fd(maps::fw_counters);
  for (uint32_t s = FW_COUNTERS; s-- > 0;) free_slots_.push_back(s);
  sessions_fd_ = ::dup(map_fd(maps::fw_sessions));
  write_chains(0);
  write_chains(1);
  uint32_t zero = 0;
  fw_active a{0};
  if (bpf_map_update_elem(active_fd_, &zero, &a, BPF_ANY) != 0) kernel_error("active generation");
  worker_ = std::thread([this] { worker_loop(); });
  gc_ = std::thread([this] { gc_loop(); });
}

Firewall::~Firewall() {
  {
    std::lock_guard<std::mutex> l(work_mu_);
    work_stop_ = true;
  }
  work_cv_.notify_all();
  if (worker_.joinable()) worker_.join();
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
  if (bpf_map_update_elem(sync_outer_, &zero, &inner, BPF_ANY) != 0) kernel_error("generation barrier");
}

bool Firewall::needs(uint32_t slot) const {
  if (slot == FW_SLOT_CONNTRACK) return tracking();
  int f = static_cast<int>(slot - FW_SLOT_FIELD0);
  return tables_[0].uses(f) || tables_[1].uses(f);
}

void Firewall::write(const std::array<fw::WriteSet, 2> &ws, uint32_t gen) {
  for (uint32_t ch = 0; ch < 2; ch++) {
    const fw::WriteSet &w = ws[ch];
    // In order; runs of updates of one field go in one batch syscall
    // (100,000 entries: ~90 ms instead of ~125 ms one by one).
    std::vector<fw_lpm_key> keys;
    std::vector<fw_bits> values;
    int run_field = -1;
    auto flush = [&] {
      if (keys.empty()) return;
      int fd = field_fd_[run_field];
      __u32 count = static_cast<__u32>(keys.size());
      if (bpf_map_update_batch(fd, keys.data(), values.data(), &count, nullptr) != 0)
        for (size_t i = 0; i < keys.size(); i++)
          if (bpf_map_update_elem(fd, &keys[i], &values[i], BPF_ANY) != 0)
            kernel_error(std::string(kFieldNames[run_field]) + " table");
      keys.clear();
      values.clear();
    };
    for (const auto &l : w.lpm) {
      fw_lpm_key k{};
      k.prefixlen = 32 + l.len;
      k.sel = (gen << 24) | (ch << 16) | l.chunk;
      uint32_t be = htonl(l.value);
      std::memcpy(k.val, &be, 4);
      if (l.erase || l.field != run_field) flush();
      run_field = l.field;
      if (!l.erase) {
        keys.push_back(k);
        values.push_back(l.bits);
      } else if (bpf_map_delete_elem(field_fd_[l.field], &k) != 0 && errno != ENOENT) {
        kernel_error(std::string(kFieldNames[l.field]) + " table");
      }
    }
    flush();
    std::vector<uint32_t> idx;
    std::vector<fw_bits> bits;
    for (const auto &x : w.wild) {
      idx.push_back(FW_WILD_INDEX(gen, ch, uint32_t(x.field), x.chunk));
      bits.push_back(x.bits);
    }
    update_array(wild_fd_, idx, bits, "wildcard table");
    idx.clear();
    std::vector<fw_rule_info> infos;
    for (const auto &r : w.rules) {
      idx.push_back((gen * 2 + ch) * FW_MAX_RULES + r.pos);
      infos.push_back(r.info);
    }
    update_array(rules_fd_, idx, infos, "rule table");
  }
}

void Firewall::write_chains(uint32_t gen) {
  bool ct = tracking();
  for (uint32_t ch = 0; ch < 2; ch++) {
    const fw::ChainTables &t = tables_[ch];
    fw_chain_cfg c{};
    c.nrules = static_cast<uint32_t>(t.size());
    c.nchunks = t.nchunks();
    c.default_action = default_[ch];
    // The stages this chain's rules need (a matcher over a field no rule
    // of the chain uses would clear every bit).
    for (int f = 0; f < FW_NFIELDS; f++)
      if (t.uses(f)) c.stages[c.nstages++] = static_cast<uint8_t>(FW_SLOT_FIELD0 + f);
    c.conntrack = ct;
    c.accept_established = accept_established_;
    c.parse_l4 = ct || t.uses(FW_F_SPORT) || t.uses(FW_F_DPORT) || t.uses(FW_F_FLAGS);
    c.first_pos = t.first_pos();
    uint32_t key = gen * 2 + ch;
    if (bpf_map_update_elem(chains_fd_, &key, &c, BPF_ANY) != 0) kernel_error("chain configuration");
  }
}

void Firewall::rebuild(uint32_t gen) {
  // Every entry of that generation goes, then the tables are written anew.
  for (int f = 0; f < FW_NFIELDS; f++) {
    std::vector<fw_lpm_key> mine;
    for (const auto &k : Map<fw_lpm_key, fw_bits>(field_fd_[f]).keys())
      if ((k.sel >> 24) == gen) mine.push_back(k);
    for (const auto &m : mine) bpf_map_delete_elem(field_fd_[f], &m);
  }
  std::array<fw::WriteSet, 2> ws;
  for (int ch = 0; ch < 2; ch++) tables_[ch].rewrite_all(ws[ch]);
  write(ws, gen);
}

void Firewall::commit(std::array<fw::WriteSet, 2> ws, std::vector<uint32_t> released) {
  uint32_t next = gen_ ^ 1;
  try {
    // 1. The inactive generation (packets still use the other one).
    if (stale_[next]) rebuild(next);
    else write(ws, next);
    write_chains(next);
    // 2. The blocks it runs, in their slots.
    for (uint32_t slot = FW_SLOT_CONNTRACK; slot < FW_SLOT_FIELD0 + FW_NFIELDS; slot++)
      if (needs(slot) && !loaded_.count(slot)) {
        load_block(slot, slot == FW_SLOT_CONNTRACK ? "fw_conntrack"
                                                   : std::string("fw_match_") + kFieldNames[slot - FW_SLOT_FIELD0]);
        loaded_.insert(slot);
      }
    // 3. Switch: one 4-byte write.
    uint32_t zero = 0;
    fw_active a{next};
    if (bpf_map_update_elem(active_fd_, &zero, &a, BPF_ANY) != 0) kernel_error("switch");
  } catch (...) {
    stale_[next] = true;  // half written: rewritten whole next time
    throw;
  }
  stale_[next] = false;
  gen_ = next;
  // 4. The worker brings the old generation to the same state once no
  // packet can still use it, then frees the counter slots of removed rules.
  {
    std::lock_guard<std::mutex> l(work_mu_);
    work_ws_ = std::move(ws);
    work_released_ = std::move(released);
    work_gen_ = next ^ 1;
    work_pending_ = true;
  }
  work_cv_.notify_all();
  bool unload = false;
  for (uint32_t slot : loaded_) unload |= !needs(slot);
  if (unload) settle();  // blocks go once neither generation runs them
  log().debug("rules applied: generation {}, {} INGRESS and {} EGRESS rules, {} blocks", next, tables_[0].size(),
              tables_[1].size(), loaded_.size() + 3);
}

void Firewall::worker_loop() {
  std::unique_lock<std::mutex> l(work_mu_);
  for (;;) {
    work_cv_.wait(l, [&] { return work_pending_ || work_stop_; });
    if (work_stop_) return;
    std::array<fw::WriteSet, 2> ws = std::move(work_ws_);
    std::vector<uint32_t> released = std::move(work_released_);
    uint32_t gen = work_gen_;
    l.unlock();
    bool ok = true;
    try {
      sync_packets();
      if (stale_[gen]) rebuild(gen);
      else write(ws, gen);
      write_chains(gen);
    } catch (const std::exception &e) {
      ok = false;
      log().warn("catch-up of generation {} failed ({}); it is rewritten at the next change", gen, e.what());
    }
    // The slots of removed rules are unused by both generations now:
    // zeroed here, so that a rule taking one starts at zero.
    if (ok && !released.empty()) {
      int ncpus = libbpf_num_possible_cpus();
      std::vector<fw_counter> zeros(released.size() * static_cast<size_t>(ncpus > 0 ? ncpus : 1));
      __u32 count = static_cast<__u32>(released.size());
      if (bpf_map_update_batch(counters_fd_, released.data(), zeros.data(), &count, nullptr) != 0)
        for (uint32_t s : released) bpf_map_update_elem(counters_fd_, &s, zeros.data(), BPF_ANY);
    }
    bool large = ws[0].lpm.size() + ws[1].lpm.size() > 10000;
    ws = {};
    if (large) malloc_trim(0);  // the writes of a batch: tens of MB, back to the system
    l.lock();
    stale_[gen] = !ok;
    if (ok) free_slots_.insert(free_slots_.end(), released.begin(), released.end());
    work_pending_ = false;
    work_cv_.notify_all();
  }
}

void Firewall::settle() {
  {
    std::unique_lock<std::mutex> l(work_mu_);
    work_cv_.wait(l, [&] { return !work_pending_; });
  }
  for (auto it = loaded_.begin(); it != loaded_.end();) {
    if (!needs(*it) && !stale_[0] && !stale_[1]) {
      remove_block(*it);
      it = loaded_.erase(it);
    } else {
      ++it;
    }
  }
}

uint32_t Firewall::take_slot() {
  std::lock_guard<std::mutex> l(work_mu_);
  if (free_slots_.empty()) throw Error(ErrorCode::kInvalid, "firewall: no counter slot left");
  uint32_t s = free_slots_.back();
  free_slots_.pop_back();
  return s;
}

void Firewall::edit(const std::vector<Edit> &edits) {
  settle();
  std::array<fw::WriteSet, 2> ws;
  std::vector<uint32_t> released, taken;
  // What was done so far, to put the tables back if a later step fails.
  struct Done {
    int chain;
    size_t pos, inserted;
    std::vector<fw::PlacedRule> removed;
  };
  std::vector<Done> done;
  std::unique_lock<std::mutex> lock(tables_mu_);
  auto undo = [&] {
    for (auto it = done.rbegin(); it != done.rend(); ++it) {
      fw::WriteSet ignored;
      std::vector<uint32_t> back;
      tables_[it->chain].splice(it->pos, it->inserted, std::move(it->removed), ignored, back);
    }
    std::lock_guard<std::mutex> l(work_mu_);
    free_slots_.insert(free_slots_.end(), taken.begin(), taken.end());
    // The same rules, maybe in other chunks: neither generation matches
    // the tables' layout any more, so both are rewritten (the running one
    // after the next switch).
    if (!done.empty()) stale_ = {true, true};
  };
  try {
    for (const auto &e : edits) {
      if (e.chain != FW_INGRESS && e.chain != FW_EGRESS) throw Error(ErrorCode::kInvalid, "firewall: no such chain");
      fw::ChainTables &t = tables_[e.chain];
      if (e.pos > t.size() || e.remove > t.size() - e.pos)
        throw Error(ErrorCode::kInvalid, "rule " + std::to_string(e.pos) + " out of range: the chain has " +
                                             std::to_string(t.size()) + " rules");
      Done d{e.chain, e.pos, e.rules.size(), t.range(e.pos, e.remove)};
      std::vector<fw::PlacedRule> placed;
      placed.reserve(e.rules.size());
      for (const auto &r : e.rules) {
        placed.push_back({r, take_slot()});
        taken.push_back(placed.back().counter);
      }
      t.splice(e.pos, e.remove, std::move(placed), ws[e.chain], released);
      done.push_back(std::move(d));
    }
    lock.unlock();
    commit(std::move(ws), std::move(released));
  } catch (...) {
    if (!lock.owns_lock()) lock.lock();
    undo();
    throw;
  }
}

bool Firewall::tracking() const {
  if (conntrack_ != Conntrack::kAuto) return conntrack_ == Conntrack::kOn;
  return accept_established_ || tables_[0].uses(FW_F_CTSTATE) || tables_[1].uses(FW_F_CTSTATE);
}

bool Firewall::rules_use_conntrack() const {
  std::lock_guard<std::mutex> l(tables_mu_);
  return tables_[0].uses(FW_F_CTSTATE) || tables_[1].uses(FW_F_CTSTATE);
}

long Firewall::find_rule(int chain, const fw::Rule &r, size_t from, size_t to) const {
  std::lock_guard<std::mutex> l(tables_mu_);
  return tables_[chain].find(r, from, to);
}

void Firewall::set_options(bool accept_established, Conntrack conntrack, const std::array<uint32_t, 2> &default_action) {
  if (accept_established == accept_established_ && conntrack == conntrack_ && default_action == default_) return;
  settle();
  bool ae = accept_established_;
  Conntrack ct = conntrack_;
  auto def = default_;
  accept_established_ = accept_established;
  conntrack_ = conntrack;
  default_ = default_action;
  try {
    commit({}, {});
  } catch (...) {
    accept_established_ = ae;
    conntrack_ = ct;
    default_ = def;
    throw;
  }
}

void Firewall::apply(const fw::Config &cfg) {
  settle();
  for (const auto &c : cfg.chains)
    if (c.rules.size() > FW_MAX_RULES)
      throw Error(ErrorCode::kInvalid, "more than " + std::to_string(FW_MAX_RULES) + " rules in a chain");
  bool ae = accept_established_;
  auto def = default_;
  accept_established_ = cfg.accept_established;
  default_ = {cfg.chains[0].default_action, cfg.chains[1].default_action};
  std::array<fw::WriteSet, 2> ws;
  std::vector<uint32_t> released;
  std::vector<std::pair<int, std::vector<fw::PlacedRule>>> undo_rules;
  std::vector<uint32_t> taken;
  std::unique_lock<std::mutex> lock(tables_mu_);
  try {
    for (int ch = 0; ch < 2; ch++) {
      fw::ChainTables &t = tables_[ch];
      std::vector<fw::PlacedRule> cur;
      cur.reserve(t.size());
      t.for_each([&](size_t, uint32_t, const fw::PlacedRule &r) { cur.push_back(r); });
      const auto &want = cfg.chains[ch].rules;
      size_t head = 0, tail = 0;
      while (head < cur.size() && head < want.size() && cur[head].rule == want[head]) head++;
      while (tail < cur.size() - head && tail < want.size() - head &&
             cur[cur.size() - 1 - tail].rule == want[want.size() - 1 - tail])
        tail++;
      size_t remove = cur.size() - head - tail, add = want.size() - head - tail;
      if (remove == 0 && add == 0) continue;
      // A rule equal to one it replaces keeps that one's counter slot.
      std::unordered_multimap<size_t, size_t> old;
      for (size_t i = head; i < head + remove; i++) old.emplace(rule_hash(cur[i].rule), i);
      std::vector<bool> reused(cur.size(), false);
      std::vector<fw::PlacedRule> placed;
      for (size_t i = head; i < head + add; i++) {
        const fw::Rule &r = want[i];
        uint32_t slot = UINT32_MAX;
        auto range = old.equal_range(rule_hash(r));
        for (auto it = range.first; it != range.second; ++it)
          if (!reused[it->second] && cur[it->second].rule == r) {
            reused[it->second] = true;
            slot = cur[it->second].counter;
            old.erase(it);
            break;
          }
        if (slot == UINT32_MAX) taken.push_back(slot = take_slot());
        placed.push_back({r, slot});
      }
      std::vector<uint32_t> freed;
      t.splice(head, remove, std::move(placed), ws[ch], freed);
      std::set<uint32_t> kept;
      for (size_t i = head; i < head + remove; i++)
        if (reused[i]) kept.insert(cur[i].counter);
      for (uint32_t s : freed)
        if (!kept.count(s)) released.push_back(s);
      undo_rules.emplace_back(ch, std::move(cur));
    }
    lock.unlock();
    commit(std::move(ws), std::move(released));
  } catch (...) {
    if (!lock.owns_lock()) lock.lock();
    // Back to the rules that run (their counters are theirs again).
    for (auto &[ch, rules] : undo_rules) {
      fw::WriteSet ignored;
      std::vector<uint32_t> back;
      tables_[ch].splice(0, tables_[ch].size(), std::move(rules), ignored, back);
    }
    {
      std::lock_guard<std::mutex> l(work_mu_);
      free_slots_.insert(free_slots_.end(), taken.begin(), taken.end());
      if (!undo_rules.empty()) stale_ = {true, true};  // see edit()
    }
    accept_established_ = ae;
    default_ = def;
    throw;
  }
}

std::vector<fw::Rule> Firewall::rules(int chain) const {
  std::lock_guard<std::mutex> l(tables_mu_);
  std::vector<fw::Rule> out;
  out.reserve(tables_[chain].size());
  tables_[chain].for_each([&](size_t, uint32_t, const fw::PlacedRule &r) { out.push_back(r.rule); });
  return out;
}

std::optional<fw::Rule> Firewall::rule_at(int chain, size_t pos) const {
  std::lock_guard<std::mutex> l(tables_mu_);
  auto r = tables_[chain].range(pos, 1);
  if (r.empty()) return std::nullopt;
  return r[0].rule;
}

size_t Firewall::rule_count(int chain) const {
  std::lock_guard<std::mutex> l(tables_mu_);
  return tables_[chain].size();
}

std::vector<Firewall::Counter> Firewall::counters(int chain) const {
  std::vector<uint32_t> slots;
  {
    std::lock_guard<std::mutex> l(tables_mu_);
    slots.reserve(tables_[chain].size());
    tables_[chain].for_each([&](size_t, uint32_t, const fw::PlacedRule &r) { slots.push_back(r.counter); });
  }
  std::vector<Counter> out(slots.size());
  int ncpus = libbpf_num_possible_cpus();
  size_t per = static_cast<size_t>(ncpus > 0 ? ncpus : 1);
  std::vector<fw_counter> values(per);
  if (slots.size() > 4096) {
    // Many rules: the whole counter array in a few batch reads beats one
    // syscall per rule.
    std::vector<fw_counter> all(size_t(FW_COUNTERS) * per);
    std::vector<uint32_t> keys(FW_COUNTERS);
    __u32 out_batch = 0, count = FW_COUNTERS;
    size_t got = 0;
    void *in = nullptr;
    int rc = 0;
    while (got < FW_COUNTERS) {
      count = static_cast<__u32>(FW_COUNTERS - got);
      rc = bpf_map_lookup_batch(counters_fd_, in, &out_batch, keys.data() + got, all.data() + got * per, &count, nullptr);
      got += count;
      in = &out_batch;
      if (rc != 0) break;
    }
    if (got == FW_COUNTERS || (rc != 0 && errno == ENOENT && got == FW_COUNTERS)) {
      for (size_t i = 0; i < slots.size(); i++)
        for (size_t c = 0; c < per; c++) {
          out[i].pkts += all[size_t(slots[i]) * per + c].pkts;
          out[i].bytes += all[size_t(slots[i]) * per + c].bytes;
        }
      return out;
    }
  }
  for (size_t i = 0; i < slots.size(); i++) {
    if (bpf_map_lookup_elem(counters_fd_, &slots[i], values.data()) != 0) continue;
    for (const auto &v : values) {
      out[i].pkts += v.pkts;
      out[i].bytes += v.bytes;
    }
  }
  return out;
}

Firewall::Counter Firewall::counter(int chain, size_t pos) const {
  uint32_t slot = UINT32_MAX;
  {
    std::lock_guard<std::mutex> l(tables_mu_);
    auto r = tables_[chain].range(pos, 1);
    if (!r.empty()) slot = r[0].counter;
  }
  Counter c;
  if (slot == UINT32_MAX) return c;
  for (const auto &v : PercpuMap<uint32_t, fw_counter>(counters_fd_).get(slot)) {
    c.pkts += v.pkts;
    c.bytes += v.bytes;
  }
  return c;
}

Firewall::Counter Firewall::default_counter(int chain) const {
  Counter c;
  for (const auto &v : PercpuMap<uint32_t, fw_counter>(map_fd(maps::fw_default_counters)).get(static_cast<uint32_t>(chain))) {
    c.pkts += v.pkts;
    c.bytes += v.bytes;
  }
  return c;
}

void Firewall::reset_counters(int chain) {
  std::vector<uint32_t> slots;
  {
    std::lock_guard<std::mutex> l(tables_mu_);
    tables_[chain].for_each([&](size_t, uint32_t, const fw::PlacedRule &r) { slots.push_back(r.counter); });
  }
  int ncpus = libbpf_num_possible_cpus();
  std::vector<fw_counter> zeros(slots.size() * static_cast<size_t>(ncpus > 0 ? ncpus : 1));
  __u32 count = static_cast<__u32>(slots.size());
  if (!slots.empty() && bpf_map_update_batch(counters_fd_, slots.data(), zeros.data(), &count, nullptr) != 0) {
    PercpuMap<uint32_t, fw_counter> m(counters_fd_);
    for (uint32_t s : slots) m.set_all(s, fw_counter{});
  }
  PercpuMap<uint32_t, fw_counter>(map_fd(maps::fw_default_counters)).set_all(static_cast<uint32_t>(chain), fw_counter{});
}

std::vector<Firewall::Session> Firewall::sessions() const {
  std::vector<Session> out;
  Map<fw_ct_key, fw_ct_entry>(sessions_fd_).for_each([&](const fw_ct_key &k, const fw_ct_entry &e) { out.push_back({k, e}); });
  return out;
}

size_t Firewall::collect_sessions() {
  uint64_t now = monotonic_ns();
  std::vector<fw_ct_key> dead;
  auto all = sessions();
  for (const auto &s : all)
    if (now > s.entry.last_seen_ns && now - s.entry.last_seen_ns > fw_ct_timeout(&s.entry, s.key.proto))
      dead.push_back(s.key);
  for (const auto &k : dead) bpf_map_delete_elem(sessions_fd_, &k);
  sessions_kept_ = all.size() - dead.size();  // for /metrics: no walk per scrape
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
  int chain = p.user[0] == FW_INGRESS ? FW_INGRESS : FW_EGRESS;
  long rule;
  {
    // The data plane reports the rule's slot; its id is its position now.
    std::lock_guard<std::mutex> l(tables_mu_);
    rule = tables_[chain].position_of(p.user[1]);
  }
  log().info("LOG chain {} rule {}: {} ({} bytes)", chain == FW_INGRESS ? "INGRESS" : "EGRESS", rule, what, p.len);
}

}  // namespace polycube::services
