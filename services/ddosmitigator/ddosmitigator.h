// ddosmitigator: a transparent cube with blacklists of source and
// destination prefixes (IPv4 and IPv6). Each list has its own matcher
// micro-block, in the pipeline only while the list has entries; the
// pipeline is reshaped with atomic program-array updates, so traffic that
// is not blacklisted never stops (see ddosmitigator.bpf.c).
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "ddosmitigator_shared.h"
#include "polycube/cube.h"
#include "ddosmitigator_gen.h"

namespace polycube::services {

// An IPv4 or IPv6 prefix with no host bits set.
struct IpPrefix {
  int family = 4;         // 4 or 6
  uint8_t addr[16] = {};  // network order; IPv4 in the first 4 bytes
  uint32_t len = 32;

  // Parses an address ("10.0.0.1", "2001:db8::1") or a prefix
  // ("10.0.0.0/8"); throws Error(kInvalid) naming what is wrong.
  static IpPrefix parse(const std::string &text);
  bool is_host() const { return len == (family == 4 ? 32u : 128u); }
  // Canonical text: the bare address for a host prefix, else addr/len.
  std::string str() const;
  bool operator<(const IpPrefix &o) const;
  bool operator==(const IpPrefix &o) const;
};

class DdosMitigator : public Cube {
 public:
  enum class List { kSrc, kDst };
  struct EntryStats {
    std::string ip;  // as configured
    uint64_t drop_pkts = 0, drop_bytes = 0;
  };
  struct Stats {
    uint64_t drop_pkts = 0, drop_bytes = 0, drop_pps = 0;
    uint32_t src_entries = 0, dst_entries = 0;
  };

  DdosMitigator(Runtime &rt, const std::string &name, Mode mode = Mode::kTc);
  // The YANG module's name (codegen); make_ddosmitigator_model() checks it at compile time.
  static constexpr std::string_view kServiceName = gen::ddosmitigator::kServiceName;
  static ServiceInfo info();

  // Makes both blacklists exactly these entries (as configured text).
  // Everything is validated before anything changes (kInvalid for a bad
  // address or prefix, kExists for two spellings of one prefix); entries
  // kept keep their counters; the matcher blocks follow the lists.
  void set_blacklists(const std::vector<std::string> &src, const std::vector<std::string> &dst);
  // One entry at a time (same rules; adding an existing entry is kExists,
  // removing an absent one kNotFound).
  void add(List list, const std::string &ip);
  void remove(List list, const std::string &ip);

  std::vector<EntryStats> entries(List list) const;  // sorted by prefix
  Stats stats() const;
  // Zeroes every entry's counters and the totals.
  void reset_counters();

  // Blacklist sizes and drops (ddosmitigator_metrics.cpp).
  void metrics(std::vector<MetricSample> &out) override;

 private:
  struct Entry {
    std::string text;  // as configured
    uint32_t counter;  // key in dd_entry_drops
  };
  using Table = std::map<IpPrefix, Entry>;

  Table &table(List l) { return l == List::kSrc ? src_ : dst_; }
  const Table &table(List l) const { return l == List::kSrc ? src_ : dst_; }
  static void parse_list(const std::vector<std::string> &ips, std::map<IpPrefix, std::string> &out);
  // Writes (value) or erases (nullptr) `p` in its table of list `l`.
  void write_table(List l, const IpPrefix &p, const dd_entry *value);
  void insert_entry(List l, const IpPrefix &p, const std::string &text);
  void erase_entry(List l, const IpPrefix &p);
  // Loads/unloads matcher blocks so the pipeline matches which lists have
  // entries; every step leaves a complete pipeline.
  void reshape(bool want_src, bool want_dst);
  // dd_shape: which tables of each list have entries (DD_HAS_*).
  void write_shape();
  uint32_t alloc_counter();
  void free_counter(uint32_t c);

  Table src_, dst_;
  std::deque<uint32_t> free_counters_;  // oldest first
  uint32_t next_counter_ = 0;
  std::string entry_block_ = "dd_ingress";  // program in ingress slot 0
  bool dst_in_chain_ = false;               // dd_dst loaded in DD_SLOT_DST
};

}  // namespace polycube::services
