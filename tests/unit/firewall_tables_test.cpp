// The firewall's incremental tables (fw::ChainTables) without the kernel:
// the writes of every splice, applied to a model of the maps, must leave
// exactly what a compile from scratch of the same rules writes, and a
// lookup through that model (the matcher blocks' algorithm: summary, chunk
// LPM or wildcard, AND over fields, lowest bit of the first live chunk)
// must give the reference classifier's first match, across thousands of
// random inserts, deletes and replacements on chains of up to ~10,000
// rules. The same algorithm in BPF is checked by the datapath tests.
#include <gtest/gtest.h>

#include <cstring>
#include <map>
#include <random>

#include "firewall_tables.h"
#include "polycube/error.h"

using namespace polycube::services;
using namespace polycube::services::fw;

// Chunk vectors compare by content (std::map's == needs it).
bool operator==(const fw_bits &a, const fw_bits &b) { return std::memcmp(&a, &b, sizeof a) == 0; }

namespace {

uint32_t mask_of(uint8_t len) { return len == 0 ? 0 : ~uint32_t(0) << (32 - len); }

// The maps of one chain and one generation, as the writes leave them.
struct MapModel {
  std::map<std::tuple<int, uint32_t, uint32_t, uint8_t>, fw_bits> lpm;  // field, chunk, value, len
  std::map<std::pair<int, uint32_t>, fw_bits> wild;                      // field, chunk
  std::map<uint32_t, fw_rule_info> rules;                                // slot
  void apply(const WriteSet &w) {
    for (const auto &l : w.lpm) {
      auto k = std::make_tuple(int(l.field), l.chunk, l.value, l.len);
      if (l.erase) lpm.erase(k);
      else lpm[k] = l.bits;
    }
    for (const auto &x : w.wild) wild[{x.field, x.chunk}] = x.bits;
    for (const auto &r : w.rules) rules[r.pos] = r.info;
  }
  // Longest prefix of `value` among the entries of (field, chunk).
  const fw_bits *lookup(int field, uint32_t chunk, uint32_t value) const {
    for (int len = 32; len >= 0; len--) {
      auto it = lpm.find({field, chunk, value & mask_of(static_cast<uint8_t>(len)), static_cast<uint8_t>(len)});
      if (it != lpm.end()) return &it->second;
    }
    return nullptr;
  }
};

// The key value each matcher builds from a packet (see firewall.bpf.c).
uint32_t key_of(int field, const Packet &p) {
  switch (field) {
    case FW_F_SRC: return p.src;
    case FW_F_DST: return p.dst;
    case FW_F_PROTO: return (1u << 24) | (uint32_t(p.proto) << 16);
    case FW_F_SPORT: return (uint32_t(p.has_ports) << 24) | (uint32_t(p.sport) << 8);
    case FW_F_DPORT: return (uint32_t(p.has_ports) << 24) | (uint32_t(p.dport) << 8);
    case FW_F_FLAGS: return (uint32_t(p.is_tcp) << 24) | (uint32_t(p.flags) << 16);
    default: return (1u << 24) | (uint32_t(p.ct) << 16);
  }
}

// The data plane's classification over the model: the position of the
// first matching rule, or -1.
long classify(const ChainTables &t, const MapModel &m, const Packet &p) {
  if (t.size() == 0) return -1;
  std::vector<int> stages;
  for (int f = 0; f < FW_NFIELDS; f++)
    if (t.uses(f)) stages.push_back(f);
  if (stages.empty()) return t.position_of(t.first_pos());
  uint32_t n = t.nchunks();
  std::vector<fw_bits> bits(n);
  for (size_t s = 0; s < stages.size(); s++) {
    int f = stages[s];
    const fw_bits *summary = m.lookup(f, FW_SUMMARY_CHUNK, key_of(f, p));
    for (uint32_t c = 0; c < n; c++) {
      const fw_bits *b = nullptr;
      if (summary && (summary->w[c / 64] >> (c % 64) & 1)) {
        b = m.lookup(f, c, key_of(f, p));
      } else {
        auto it = m.wild.find({f, c});
        b = it == m.wild.end() ? nullptr : &it->second;
      }
      for (int w = 0; w < FW_CHUNK_WORDS; w++) bits[c].w[w] = s == 0 ? (b ? b->w[w] : 0) : bits[c].w[w] & (b ? b->w[w] : 0);
    }
  }
  for (uint32_t c = 0; c < n; c++)
    for (int w = 0; w < FW_CHUNK_WORDS; w++)
      if (bits[c].w[w]) {
        uint32_t slot = c * FW_CHUNK_BITS + w * 64 + __builtin_ctzll(bits[c].w[w]);
        EXPECT_TRUE(m.rules.count(slot)) << "slot " << slot << " has no rule entry";
        return t.position_of(slot);
      }
  return -1;
}

class Gen {
 public:
  explicit Gen(uint32_t seed) : rng_(seed) {}
  int pick(int n) { return static_cast<int>(rng_() % n); }
  uint32_t addr() { return nets_[pick(4)] + rng_() % 512; }
  Rule rule() {
    Rule r;
    r.action = pick(2) ? FW_A_ACCEPT : FW_A_DROP;
    static const uint8_t lens[] = {8, 16, 24, 30, 32, 32, 32};
    if (pick(3)) {
      uint8_t l = lens[pick(7)];
      r.src = Prefix{addr() & mask_of(l), l};
    }
    if (pick(3) == 0) {
      uint8_t l = lens[pick(7)];
      r.dst = Prefix{addr() & mask_of(l), l};
    }
    int proto = pick(4);
    if (proto == 1) r.proto = 6;
    if (proto == 2) r.proto = 17;
    if (proto == 3) r.proto = 1;
    if (proto != 3 && pick(5) == 0) {
      uint16_t lo = static_cast<uint16_t>(80 + pick(40));
      r.dport = PortRange{lo, static_cast<uint16_t>(lo + pick(3) * pick(20))};
    }
    if (proto == 1 && pick(8) == 0) r.flags = std::make_pair(uint8_t(0x12), uint8_t(0x02));
    return r;
  }
  Packet packet() {
    Packet p;
    p.src = addr();
    p.dst = addr();
    int proto = pick(3);
    p.proto = proto == 0 ? 6 : proto == 1 ? 17 : 1;
    p.has_ports = p.proto != 1;
    p.is_tcp = p.proto == 6;
    p.sport = static_cast<uint16_t>(1024 + pick(100));
    p.dport = static_cast<uint16_t>(80 + pick(50));
    p.flags = pick(2) ? 0x02 : 0x10;
    return p;
  }

 private:
  std::mt19937 rng_;
  const uint32_t nets_[4] = {0x0a000000, 0x0a010000, 0x0a010200, 0xc0a80000};
};

TEST(FirewallTables, EverySpliceLeavesWhatACompileFromScratchWrites) {
  Gen g(7);
  ChainTables t;
  MapModel m;
  std::vector<Rule> ref;  // the reference: rules in order
  uint32_t next_counter = 0;
  auto placed = [&](size_t n) {
    std::vector<PlacedRule> v;
    for (size_t i = 0; i < n; i++) v.push_back({g.rule(), next_counter++});
    return v;
  };
  auto check = [&](const char *when) {
    SCOPED_TRACE(when);
    ASSERT_EQ(t.size(), ref.size());
    MapModel scratch;
    WriteSet all;
    t.rewrite_all(all);
    scratch.apply(all);
    // Entries of removed chunks and wildcards of unused fields may linger
    // in the incremental model only if nothing can reach them: compare
    // what a packet can reach.
    EXPECT_EQ(m.lpm, scratch.lpm);
    for (int k = 0; k < 200; k++) {
      Packet p = g.packet();
      ASSERT_EQ(classify(t, m, p), first_match(ref, p)) << "packet " << k;
    }
  };
  // A batch into an empty chain, then edits of every kind and size.
  {
    WriteSet w;
    std::vector<uint32_t> released;
    auto v = placed(5000);
    for (const auto &r : v) ref.push_back(r.rule);
    t.splice(0, 0, std::move(v), w, released);
    m.apply(w);
    check("batch");
  }
  for (int step = 0; step < 300; step++) {
    size_t pos = ref.empty() ? 0 : g.pick(static_cast<int>(ref.size()) + 1);
    size_t remove = pos == ref.size() ? 0 : std::min<size_t>(ref.size() - pos, g.pick(4) == 0 ? g.pick(1500) : g.pick(3));
    size_t add = g.pick(4) == 0 ? g.pick(1500) : g.pick(3);
    auto v = placed(add);
    ref.erase(ref.begin() + pos, ref.begin() + pos + remove);
    std::vector<Rule> added;
    for (const auto &r : v) added.push_back(r.rule);
    ref.insert(ref.begin() + pos, added.begin(), added.end());
    WriteSet w;
    std::vector<uint32_t> released;
    t.splice(pos, remove, std::move(v), w, released);
    EXPECT_EQ(released.size(), remove);
    m.apply(w);
    if (step % 50 == 49) check(("step " + std::to_string(step)).c_str());
  }
  check("end");
  // An insert in front of a large chain rewrites one chunk, not the chain.
  WriteSet w;
  std::vector<uint32_t> released;
  t.splice(0, 0, placed(1), w, released);
  EXPECT_LE(w.rules.size(), static_cast<size_t>(FW_CHUNK_BITS)) << "rules rewritten for one insert";
  ref.insert(ref.begin(), Rule{});
  EXPECT_THROW(t.splice(ref.size() + 1, 0, placed(1), w, released), polycube::Error);
}

TEST(FirewallTables, InsertsAtTheFrontOfA100kChainStayLocal) {
  Gen g(11);
  ChainTables t;
  std::vector<PlacedRule> batch;
  for (uint32_t i = 0; i < 100000; i++) {
    Rule r;
    r.src = Prefix{0x14000000 + i, 32};
    batch.push_back({r, i});
  }
  WriteSet w;
  std::vector<uint32_t> released;
  t.splice(0, 0, std::move(batch), w, released);
  EXPECT_LE(t.nchunks(), static_cast<uint32_t>(FW_MAX_CHUNKS));
  // The first insert at position 0 rewrites chunk 0 only; a thousand more
  // (the worst place: every one lands in the same chunk) move, amortised,
  // a few chunks each, never the whole chain each time.
  size_t first = 0, total = 0;
  for (uint32_t i = 0; i < 1000; i++) {
    WriteSet one;
    Rule r;
    r.src = Prefix{0x0a000000 + i, 32};
    t.splice(0, 0, {{r, 200000 + i}}, one, released);
    if (i == 0) first = one.rules.size();
    total += one.rules.size();
  }
  std::printf("first insert rewrote %zu rule slots; %zu on average over 1000 inserts at 0\n", first, total / 1000);
  EXPECT_LE(first, static_cast<size_t>(FW_CHUNK_BITS));
  EXPECT_LE(total / 1000, static_cast<size_t>(8 * FW_CHUNK_BITS)) << "rules rewritten per insert, on average";
  EXPECT_EQ(t.size(), 101000u);
  EXPECT_EQ(t.position_of(t.first_pos()), 0);
}

}  // namespace
