// Firewall rules as values, their parsing from the YANG leaves, and the
// compilation of a chain into per-field, per-chunk LPM entries (see
// firewall_shared.h). Pure C++: the reference classifier of the tests and
// the control plane share it.
#pragma once

#include <array>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "firewall_shared.h"

namespace polycube::services::fw {

struct Prefix {
  uint32_t addr = 0;  // host order, masked
  uint8_t len = 0;
  bool operator==(const Prefix &) const = default;
};

struct PortRange {
  uint16_t lo = 0, hi = 65535;
  bool operator==(const PortRange &) const = default;
};

struct Rule {
  std::optional<Prefix> src, dst;
  std::optional<uint8_t> proto;  // 6, 17, 1; absent or ALL: any
  std::optional<PortRange> sport, dport;
  std::optional<std::pair<uint8_t, uint8_t>> flags;  // mask, value
  std::optional<uint8_t> ct;                          // enum fw_ct_state
  uint32_t action = FW_A_DROP;
  bool operator==(const Rule &) const = default;
  bool uses(int field) const;
  // The YANG leaves of this rule (without id).
  nlohmann::json to_json() const;
};

struct Chain {
  uint32_t default_action = FW_A_ACCEPT;
  std::vector<Rule> rules;
  bool operator==(const Chain &) const = default;
};

struct Config {
  std::array<Chain, 2> chains;
  bool accept_established = false;
  bool operator==(const Config &) const = default;
  bool uses(int field) const;
  bool needs_conntrack() const { return accept_established || uses(FW_F_CTSTATE); }
};

// Parsers of the leaf values; throw polycube::Error(kInvalid) naming `what`.
Prefix parse_prefix(const std::string &s, const std::string &what);
PortRange parse_ports(const std::string &s, const std::string &what);
std::pair<uint8_t, uint8_t> parse_flags(const std::string &s);
// A rule from its YANG leaves (src, dst, l4proto, sport, dport, tcpflags,
// conntrack, action); other members are ignored.
Rule parse_rule(const nlohmann::json &j);
// The service's own leaves of a cube (accept-established, chain list).
Config parse_config(const nlohmann::json &cube);
std::string action_name(uint32_t a);
std::string ct_name(uint8_t s);

// A packet as the classifier sees it (host order).
struct Packet {
  uint32_t src = 0, dst = 0;
  uint8_t proto = 0;
  bool has_ports = false;
  uint16_t sport = 0, dport = 0;
  bool is_tcp = false;
  uint8_t flags = 0;
  uint8_t ct = FW_CT_NEW;
};
bool matches(const Rule &r, const Packet &p);
// Position of the first matching rule, or -1: the reference semantics.
int first_match(const std::vector<Rule> &rules, const Packet &p);

// One LPM entry of a field map: value (host-order u32 of the key bytes),
// prefix length in bits of that value, and the chunk's bit vector.
struct LpmEntry {
  uint32_t chunk;
  uint32_t value;
  uint8_t len;
  fw_bits bits;
};
// The prefixes (value, length over the 32-bit key value) a rule accepts
// for `field`; {(0,0)} when it does not constrain the field.
std::vector<std::pair<uint32_t, uint8_t>> prefixes_of(const Rule &r, int field);

// One chunk of a field's tables: `rules` are the chunk's rules in order
// (bit i = rules[i]); entries carry chunk 0 (the caller places them).
struct ChunkTables {
  std::vector<LpmEntry> entries;  // every exact prefix, shorter covering prefixes folded in
  fw_bits wild;                   // the rules that do not use the field
};
ChunkTables compile_chunk(const std::vector<const Rule *> &rules, int field);

}  // namespace polycube::services::fw
