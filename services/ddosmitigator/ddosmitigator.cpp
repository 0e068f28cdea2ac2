#include "ddosmitigator.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <spdlog/spdlog.h>
#include <time.h>

#include <algorithm>
#include <functional>
#include <set>
#include <cstring>
#include <mutex>
#include <type_traits>

#include "ddosmitigator_bpf.h"
#include "polycube/clock.h"
#include "polycube/runtime.h"
#include "ddosmitigator_bpf_maps.h"

namespace polycube::services {

namespace maps = polycube::bpf_maps::ddosmitigator_bpf;

namespace {

// The table holding `p` in list `l`: a hash for host entries, else a trie.
std::string table_name(DdosMitigator::List l, const IpPrefix &p) {
  return std::string(l == DdosMitigator::List::kSrc ? "dd_src_" : "dd_dst_") + (p.is_host() ? "host_" : "") +
         (p.family == 4 ? "v4" : "v6");
}

// The dd_shape bit of the table holding `p`.
uint32_t kind_bit(const IpPrefix &p) {
  if (p.family == 4) return p.is_host() ? DD_HAS_HOST4 : DD_HAS_NET4;
  return p.is_host() ? DD_HAS_HOST6 : DD_HAS_NET6;
}

const char *list_name(DdosMitigator::List l) { return l == DdosMitigator::List::kSrc ? "blacklist-src" : "blacklist-dst"; }

}  // namespace

// ---- IpPrefix ----

IpPrefix IpPrefix::parse(const std::string &text) {
  auto bad = [&](const std::string &why) {
    return Error(ErrorCode::kInvalid, "'" + text + "' is not an address or prefix: " + why);
  };
  IpPrefix p;
  std::string addr = text, len;
  auto slash = text.find('/');
  if (slash != std::string::npos) {
    addr = text.substr(0, slash);
    len = text.substr(slash + 1);
    if (len.empty() || len.size() > 3 || !std::all_of(len.begin(), len.end(), ::isdigit))
      throw bad("the prefix length must be a number");
  }
  p.family = addr.find(':') != std::string::npos ? 6 : 4;
  if (inet_pton(p.family == 4 ? AF_INET : AF_INET6, addr.c_str(), p.addr) != 1)
    throw bad(p.family == 4 ? "expected a dotted IPv4 address (four numbers 0..255)" : "malformed IPv6 address");
  uint32_t max = p.family == 4 ? 32 : 128;
  p.len = len.empty() ? max : static_cast<uint32_t>(std::stoul(len));
  if (p.len > max) throw bad("prefix length " + len + " is over " + std::to_string(max));
  // Host bits must be zero: the key then names exactly what it matches.
  IpPrefix net = p;
  for (uint32_t bit = p.len; bit < max; bit++) net.addr[bit / 8] &= static_cast<uint8_t>(~(0x80u >> (bit % 8)));
  if (!(net == p)) throw bad("host bits are set (the prefix is " + net.str() + ")");
  return p;
}

std::string IpPrefix::str() const {
  char buf[INET6_ADDRSTRLEN] = {};
  inet_ntop(family == 4 ? AF_INET : AF_INET6, addr, buf, sizeof(buf));
  std::string s = buf;
  if (!is_host()) s += "/" + std::to_string(len);
  return s;
}

bool IpPrefix::operator<(const IpPrefix &o) const {
  if (family != o.family) return family < o.family;
  int c = std::memcmp(addr, o.addr, sizeof(addr));
  if (c != 0) return c < 0;
  return len < o.len;
}

bool IpPrefix::operator==(const IpPrefix &o) const {
  return family == o.family && len == o.len && std::memcmp(addr, o.addr, sizeof(addr)) == 0;
}

// ---- DdosMitigator ----

ServiceInfo DdosMitigator::info() {
  return ServiceInfo{std::string(kServiceName),
                     ddosmitigator_bpf(),
                     {{"dd_ingress", PCN_SLOT_INGRESS}, {"dd_egress", PCN_SLOT_EGRESS}},
                     true};
}

DdosMitigator::DdosMitigator(Runtime &rt, const std::string &name, Mode mode)
    : Cube(rt, name, info(), CubeOptions{mode, 1}) {}

void DdosMitigator::parse_list(const std::vector<std::string> &ips,
                                std::map<IpPrefix, std::string> &out) {
  for (const auto &ip : ips) {
    IpPrefix p = IpPrefix::parse(ip);
    auto [it, fresh] = out.emplace(p, ip);
    if (!fresh && it->second != ip)
      throw Error(ErrorCode::kExists, "'" + ip + "' and '" + it->second + "' are the same entry (" + p.str() + ")");
  }
}

uint32_t DdosMitigator::alloc_counter() {
  // Never-used counters first: a freed one may still be bumped by a packet
  // that found its entry just before the entry was deleted, so reuse waits
  // until nothing else is left.
  if (next_counter_ < DD_MAX_ENTRIES) return next_counter_++;
  if (free_counters_.empty())
    throw Error(ErrorCode::kInvalid, "blacklists are full (" + std::to_string(DD_MAX_ENTRIES) + " entries in all)");
  uint32_t c = free_counters_.front();  // the longest-freed
  free_counters_.pop_front();
  return c;
}

// The counter is zeroed when it is reused (array entries cannot be deleted).
void DdosMitigator::free_counter(uint32_t c) { free_counters_.push_back(c); }

void DdosMitigator::write_table(List l, const IpPrefix &p, const dd_entry *value) {
  std::string name = table_name(l, p);
  auto apply = [&](const auto &key) {
    auto m = map<std::decay_t<decltype(key)>, dd_entry>(name);
    if (value)
      m.set(key, *value);
    else
      m.erase(key);
  };
  if (p.is_host() && p.family == 4) {
    uint32_t key;
    std::memcpy(&key, p.addr, 4);
    apply(key);
  } else if (p.is_host()) {
    in6_addr key;
    std::memcpy(&key, p.addr, 16);
    apply(key);
  } else if (p.family == 4) {
    dd_lpm_v4 key{p.len, 0};
    std::memcpy(&key.addr, p.addr, 4);
    apply(key);
    // Also in the (length, address) hash: either can serve lookups.
    auto net = map<dd_lpm_v4, dd_entry>(l == List::kSrc ? "dd_src_net_v4" : "dd_dst_net_v4");
    if (value)
      net.set(key, *value);
    else
      net.erase(key);
  } else {
    dd_lpm_v6 key{};
    key.prefixlen = p.len;
    std::memcpy(key.addr, p.addr, 16);
    apply(key);
  }
}

void DdosMitigator::insert_entry(List l, const IpPrefix &p, const std::string &text) {
  uint32_t counter = alloc_counter();
  try {
    // The counter is zeroed before the entry can match.
    PercpuMap<uint32_t, dd_drop_count>(map_fd(maps::dd_entry_drops)).set_all(counter, dd_drop_count{});
    dd_entry value{counter};
    write_table(l, p, &value);
  } catch (...) {
    free_counter(counter);
    throw;
  }
  table(l)[p] = Entry{text, counter};
}

void DdosMitigator::erase_entry(List l, const IpPrefix &p) {
  auto it = table(l).find(p);
  if (it == table(l).end()) return;
  write_table(l, p, nullptr);
  free_counter(it->second.counter);
  table(l).erase(it);
}

void DdosMitigator::write_shape() {
  // Written after additions (a new entry's bit is set once it is in its
  // tables) and after removals (a bit or length left over an emptied table
  // for a moment costs a lookup that misses, never a wrong verdict).
  auto shapes = map<uint32_t, dd_shape>(maps::dd_shape);
  for (List l : {List::kSrc, List::kDst}) {
    dd_shape shape{};
    std::set<uint32_t, std::greater<>> lengths;  // IPv4 prefix lengths, longest first
    for (const auto &[p, e] : table(l)) {
      shape.has |= kind_bit(p);
      if (p.family == 4 && !p.is_host()) lengths.insert(p.len);
    }
    if (lengths.size() <= DD_LEN_SLOTS) {
      shape.has |= DD_NET4_BY_LENGTH;
      for (uint32_t len : lengths) shape.len4[shape.nlen4++] = static_cast<uint8_t>(len);
    }
    shapes.set(l == List::kSrc ? DD_LIST_SRC : DD_LIST_DST, shape);
  }
}

void DdosMitigator::reshape(bool want_src, bool want_dst) {
  // Order: a block is loaded before anything can reach it, and unloaded
  // after nothing reaches it any more; each step is one atomic
  // program-array update, so every packet runs a complete pipeline.
  bool want_chain = want_src && want_dst;
  std::string entry = want_src ? "dd_src" : want_dst ? "dd_dst" : "dd_ingress";
  if (want_chain && !dst_in_chain_) {
    load_block(DD_SLOT_DST, "dd_dst");
    dst_in_chain_ = true;
  }
  if (entry != entry_block_) {
    load_block(PCN_SLOT_INGRESS, entry);
    entry_block_ = entry;
  }
  if (!want_chain && dst_in_chain_) {
    remove_block(DD_SLOT_DST);
    dst_in_chain_ = false;
  }
  log().debug("pipeline: {}{}", entry_block_, dst_in_chain_ ? " -> dd_dst" : "");
}

void DdosMitigator::set_blacklists(const std::vector<std::string> &src, const std::vector<std::string> &dst) {
  std::lock_guard<std::recursive_mutex> lock(rt_.mutex());
  std::map<IpPrefix, std::string> want[2];
  parse_list(src, want[0]);
  parse_list(dst, want[1]);
  if (want[0].size() + want[1].size() > DD_MAX_ENTRIES)
    throw Error(ErrorCode::kInvalid, "at most " + std::to_string(DD_MAX_ENTRIES) + " blacklist entries in all");
  const List lists[2] = {List::kSrc, List::kDst};
  // Removals first (their counters and trie slots serve the additions),
  // then additions, then the pipeline. No order can lose a packet that no
  // entry covers: a matcher with an empty or partial list passes it.
  for (int i = 0; i < 2; i++) {
    std::vector<IpPrefix> gone;
    for (const auto &[p, e] : table(lists[i]))
      if (!want[i].count(p)) gone.push_back(p);
    for (const auto &p : gone) erase_entry(lists[i], p);
  }
  for (int i = 0; i < 2; i++) {
    Table &t = table(lists[i]);
    for (const auto &[p, text] : want[i]) {
      auto it = t.find(p);
      if (it == t.end())
        insert_entry(lists[i], p, text);
      else
        it->second.text = text;  // another spelling of the same prefix: same entry
    }
  }
  write_shape();
  reshape(!want[0].empty(), !want[1].empty());
}

void DdosMitigator::add(List l, const std::string &ip) {
  std::lock_guard<std::recursive_mutex> lock(rt_.mutex());
  IpPrefix p = IpPrefix::parse(ip);
  auto it = table(l).find(p);
  if (it != table(l).end())
    throw Error(ErrorCode::kExists, std::string(list_name(l)) + " already has " + it->second.text);
  if (src_.size() + dst_.size() >= DD_MAX_ENTRIES)
    throw Error(ErrorCode::kInvalid, "at most " + std::to_string(DD_MAX_ENTRIES) + " blacklist entries in all");
  insert_entry(l, p, ip);
  write_shape();
  reshape(!src_.empty(), !dst_.empty());
}

void DdosMitigator::remove(List l, const std::string &ip) {
  std::lock_guard<std::recursive_mutex> lock(rt_.mutex());
  IpPrefix p = IpPrefix::parse(ip);
  if (!table(l).count(p)) throw Error(ErrorCode::kNotFound, std::string(list_name(l)) + " has no " + ip);
  bool src_left = !src_.empty() && !(l == List::kSrc && src_.size() == 1);
  bool dst_left = !dst_.empty() && !(l == List::kDst && dst_.size() == 1);
  reshape(src_left, dst_left);
  erase_entry(l, p);
  write_shape();
}

std::vector<DdosMitigator::EntryStats> DdosMitigator::entries(List l) const {
  std::lock_guard<std::recursive_mutex> lock(rt_.mutex());
  PercpuMap<uint32_t, dd_drop_count> drops(map_fd(maps::dd_entry_drops));
  std::vector<EntryStats> out;
  for (const auto &[p, e] : table(l)) {
    EntryStats s{e.text};
    for (const auto &v : drops.get(e.counter)) {
      s.drop_pkts += v.pkts;
      s.drop_bytes += v.bytes;
    }
    out.push_back(s);
  }
  return out;
}

void DdosMitigator::reset_counters() {
  std::lock_guard<std::recursive_mutex> lock(rt_.mutex());
  PercpuMap<uint32_t, dd_drop_count> drops(map_fd(maps::dd_entry_drops));
  for (const Table *t : {&src_, &dst_})
    for (const auto &[p, e] : *t) drops.set_all(e.counter, dd_drop_count{});
  PercpuMap<uint32_t, dd_stats>(map_fd(maps::dd_stats)).set_all(0, dd_stats{});
}

DdosMitigator::Stats DdosMitigator::stats() const {
  std::lock_guard<std::recursive_mutex> lock(rt_.mutex());
  Stats s;
  uint64_t now = monotonic_seconds(CLOCK_MONOTONIC_COARSE);
  for (const auto &v : PercpuMap<uint32_t, dd_stats>(map_fd(maps::dd_stats)).get(0)) {
    s.drop_pkts += v.pkts;
    s.drop_bytes += v.bytes;
    // Drops of the last complete second, whichever second each CPU last
    // rolled over in.
    if (v.second == now)
      s.drop_pps += v.prev;
    else if (v.second + 1 == now)
      s.drop_pps += v.cur;
  }
  s.src_entries = static_cast<uint32_t>(src_.size());
  s.dst_entries = static_cast<uint32_t>(dst_.size());
  return s;
}

}  // namespace polycube::services
