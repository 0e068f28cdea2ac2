#include "firewall_rules.h"

#include <arpa/inet.h>

#include <cstring>
#include <unordered_map>

#include "polycube/error.h"

namespace polycube::services::fw {

namespace {

uint32_t mask_of(uint8_t len) { return len == 0 ? 0 : ~uint32_t(0) << (32 - len); }

[[noreturn]] void invalid(const std::string &msg) { throw Error(ErrorCode::kInvalid, msg); }

const char *kFlagNames[8] = {"FIN", "SYN", "RST", "PSH", "ACK", "URG", "ECE", "CWR"};

// A range of 16-bit values as the prefixes covering it exactly.
void range_prefixes(uint32_t lo, uint32_t hi, std::vector<std::pair<uint32_t, uint8_t>> &out) {
  while (lo <= hi) {
    uint8_t bits = 0;  // largest aligned block starting at lo inside [lo, hi]
    while (bits < 16 && (lo & ((1u << (bits + 1)) - 1)) == 0 && lo + (1u << (bits + 1)) - 1 <= hi) bits++;
    out.push_back({lo, static_cast<uint8_t>(16 - bits)});
    lo += 1u << bits;
    if (lo == 0x10000) break;
  }
}

}  // namespace

std::vector<std::pair<uint32_t, uint8_t>> prefixes_of(const Rule &r, int field) {
  std::vector<std::pair<uint32_t, uint8_t>> out;
  auto present = [](uint32_t v) { return (1u << 24) | (v << 16); };
  switch (field) {
    case FW_F_SRC:
      if (r.src) out.push_back({r.src->addr, r.src->len});
      break;
    case FW_F_DST:
      if (r.dst) out.push_back({r.dst->addr, r.dst->len});
      break;
    case FW_F_PROTO:
      if (r.proto) out.push_back({present(*r.proto), 16});
      break;
    case FW_F_SPORT:
    case FW_F_DPORT: {
      const auto &pr = field == FW_F_SPORT ? r.sport : r.dport;
      if (!pr) break;
      std::vector<std::pair<uint32_t, uint8_t>> ps;
      range_prefixes(pr->lo, pr->hi, ps);
      for (auto [v, l] : ps) out.push_back({(1u << 24) | (v << 8), static_cast<uint8_t>(8 + l)});
      break;
    }
    case FW_F_FLAGS:
      if (r.flags)
        for (uint32_t f = 0; f < 256; f++)
          if ((f & r.flags->first) == r.flags->second) out.push_back({present(f), 16});
      break;
    case FW_F_CTSTATE:
      if (r.ct) out.push_back({present(*r.ct), 16});
      break;
  }
  if (out.empty() && !r.uses(field)) out.push_back({0, 0});
  return out;
}

bool Rule::uses(int field) const {
  switch (field) {
    case FW_F_SRC: return src.has_value();
    case FW_F_DST: return dst.has_value();
    case FW_F_PROTO: return proto.has_value();
    case FW_F_SPORT: return sport.has_value();
    case FW_F_DPORT: return dport.has_value();
    case FW_F_FLAGS: return flags.has_value();
    case FW_F_CTSTATE: return ct.has_value();
  }
  return false;
}

bool Config::uses(int field) const {
  for (const auto &c : chains)
    for (const auto &r : c.rules)
      if (r.uses(field)) return true;
  return false;
}

Prefix parse_prefix(const std::string &s, const std::string &what) {
  std::string addr = s;
  int len = 32;
  if (auto slash = s.find('/'); slash != std::string::npos) {
    addr = s.substr(0, slash);
    std::string l = s.substr(slash + 1);
    if (l.empty() || l.size() > 2 || l.find_first_not_of("0123456789") != std::string::npos) invalid("invalid " + what + " prefix '" + s + "'");
    len = std::stoi(l);
    if (len > 32) invalid("invalid " + what + " prefix '" + s + "': length over 32");
  }
  in_addr a{};
  if (inet_pton(AF_INET, addr.c_str(), &a) != 1) invalid("invalid " + what + " address '" + s + "'");
  Prefix p;
  p.len = static_cast<uint8_t>(len);
  p.addr = ntohl(a.s_addr) & mask_of(p.len);
  return p;
}

PortRange parse_ports(const std::string &s, const std::string &what) {
  auto num = [&](const std::string &t) {
    if (t.empty() || t.size() > 5 || t.find_first_not_of("0123456789") != std::string::npos)
      invalid("invalid " + what + " '" + s + "'");
    long v = std::stol(t);
    if (v > 65535) invalid(what + " '" + s + "' out of range (0..65535)");
    return static_cast<uint16_t>(v);
  };
  PortRange r;
  if (auto dash = s.find('-'); dash != std::string::npos) {
    r.lo = num(s.substr(0, dash));
    r.hi = num(s.substr(dash + 1));
    if (r.lo > r.hi) invalid("invalid " + what + " range '" + s + "': start after end");
  } else {
    r.lo = r.hi = num(s);
  }
  return r;
}

std::pair<uint8_t, uint8_t> parse_flags(const std::string &s) {
  uint8_t mask = 0, value = 0;
  size_t start = 0;
  while (start <= s.size()) {
    size_t end = s.find(',', start);
    std::string t = s.substr(start, end == std::string::npos ? std::string::npos : end - start);
    bool neg = !t.empty() && t[0] == '!';
    if (neg) t = t.substr(1);
    int bit = -1;
    for (int i = 0; i < 8; i++)
      if (t == kFlagNames[i]) bit = i;
    if (bit < 0) invalid("invalid tcpflags '" + s + "'");
    if ((mask & (1u << bit)) && (((value >> bit) & 1) != !neg)) invalid("tcpflags '" + s + "' asks a flag both set and clear");
    mask |= 1u << bit;
    if (!neg) value |= 1u << bit;
    if (end == std::string::npos) break;
    start = end + 1;
  }
  return {mask, value};
}

std::string action_name(uint32_t a) { return a == FW_A_ACCEPT ? "ACCEPT" : a == FW_A_LOG ? "LOG" : "DROP"; }

std::string ct_name(uint8_t s) {
  switch (s) {
    case FW_CT_NEW: return "NEW";
    case FW_CT_ESTABLISHED: return "ESTABLISHED";
    case FW_CT_RELATED: return "RELATED";
    default: return "INVALID";
  }
}

Rule parse_rule(const nlohmann::json &j) {
  Rule r;
  auto str = [&](const char *k) -> std::optional<std::string> {
    if (!j.contains(k) || j[k].is_null()) return std::nullopt;
    if (!j[k].is_string()) invalid(std::string(k) + " must be a string");
    return j[k].get<std::string>();
  };
  if (auto v = str("src")) r.src = parse_prefix(*v, "src");
  if (auto v = str("dst")) r.dst = parse_prefix(*v, "dst");
  if (auto v = str("l4proto")) {
    if (*v == "TCP") r.proto = 6;
    else if (*v == "UDP") r.proto = 17;
    else if (*v == "ICMP") r.proto = 1;
    else if (*v != "ALL") invalid("invalid l4proto '" + *v + "' (ALL, TCP, UDP, ICMP)");
  }
  if (auto v = str("sport")) r.sport = parse_ports(*v, "sport");
  if (auto v = str("dport")) r.dport = parse_ports(*v, "dport");
  if (auto v = str("tcpflags")) r.flags = parse_flags(*v);
  if (auto v = str("conntrack")) {
    for (uint8_t s = 0; s < 4; s++)
      if (*v == ct_name(s)) r.ct = s;
    if (!r.ct) invalid("invalid conntrack '" + *v + "' (NEW, ESTABLISHED, RELATED, INVALID)");
  }
  std::string a = str("action").value_or("DROP");
  if (a == "ACCEPT") r.action = FW_A_ACCEPT;
  else if (a == "LOG") r.action = FW_A_LOG;
  else if (a == "DROP") r.action = FW_A_DROP;
  else invalid("invalid action '" + a + "' (ACCEPT, DROP, LOG)");
  if ((r.sport || r.dport) && r.proto && *r.proto != 6 && *r.proto != 17)
    invalid("sport/dport need l4proto TCP, UDP or ALL");
  if (r.flags && r.proto && *r.proto != 6) invalid("tcpflags need l4proto TCP or ALL");
  return r;
}

nlohmann::json Rule::to_json() const {
  nlohmann::json j = nlohmann::json::object();
  auto pfx = [](const Prefix &p) {
    in_addr a{htonl(p.addr)};
    char buf[INET_ADDRSTRLEN];
    inet_ntop(AF_INET, &a, buf, sizeof buf);
    return std::string(buf) + "/" + std::to_string(p.len);
  };
  auto ports = [](const PortRange &r) {
    return r.lo == r.hi ? std::to_string(r.lo) : std::to_string(r.lo) + "-" + std::to_string(r.hi);
  };
  if (src) j["src"] = pfx(*src);
  if (dst) j["dst"] = pfx(*dst);
  if (proto) j["l4proto"] = *proto == 6 ? "TCP" : *proto == 17 ? "UDP" : "ICMP";
  if (sport) j["sport"] = ports(*sport);
  if (dport) j["dport"] = ports(*dport);
  if (flags) {
    std::string s;
    for (int i = 0; i < 8; i++)
      if (flags->first & (1u << i))
        s += std::string(s.empty() ? "" : ",") + ((flags->second & (1u << i)) ? "" : "!") + kFlagNames[i];
    j["tcpflags"] = s;
  }
  if (ct) j["conntrack"] = ct_name(*ct);
  j["action"] = action_name(action);
  return j;
}

Config parse_config(const nlohmann::json &cube) {
  Config c;
  c.accept_established = cube.value("accept-established", false);
  if (cube.contains("chain"))
    for (const auto &ch : cube["chain"]) {
      std::string name = ch.value("name", "");
      int idx = name == "INGRESS" ? FW_INGRESS : name == "EGRESS" ? FW_EGRESS : -1;
      if (idx < 0) invalid("unknown chain '" + name + "' (INGRESS, EGRESS)");
      Chain &chain = c.chains[idx];
      chain.default_action = ch.value("default", "ACCEPT") == "DROP" ? FW_A_DROP : FW_A_ACCEPT;
      if (!ch.contains("rule")) continue;
      std::vector<std::pair<uint32_t, Rule>> rules;
      for (const auto &r : ch["rule"]) rules.push_back({r.at("id").get<uint32_t>(), parse_rule(r)});
      std::sort(rules.begin(), rules.end(), [](const auto &a, const auto &b) { return a.first < b.first; });
      if (rules.size() > FW_MAX_RULES) invalid("chain " + name + ": more than " + std::to_string(FW_MAX_RULES) + " rules");
      for (size_t i = 0; i < rules.size(); i++) {
        if (rules[i].first != i)
          invalid("chain " + name + ": rule ids must be 0..n-1 without gaps (missing " + std::to_string(i) + ")");
        chain.rules.push_back(std::move(rules[i].second));
      }
    }
  return c;
}

bool matches(const Rule &r, const Packet &p) {
  if (r.src && (p.src & mask_of(r.src->len)) != r.src->addr) return false;
  if (r.dst && (p.dst & mask_of(r.dst->len)) != r.dst->addr) return false;
  if (r.proto && p.proto != *r.proto) return false;
  if (r.sport && (!p.has_ports || p.sport < r.sport->lo || p.sport > r.sport->hi)) return false;
  if (r.dport && (!p.has_ports || p.dport < r.dport->lo || p.dport > r.dport->hi)) return false;
  if (r.flags && (!p.is_tcp || (p.flags & r.flags->first) != r.flags->second)) return false;
  if (r.ct && p.ct != *r.ct) return false;
  return true;
}

int first_match(const std::vector<Rule> &rules, const Packet &p) {
  for (size_t i = 0; i < rules.size(); i++)
    if (matches(rules[i], p)) return static_cast<int>(i);
  return -1;
}

ChunkTables compile_chunk(const std::vector<const Rule *> &rules, int field) {
  auto key = [](uint32_t v, uint8_t l) { return (uint64_t(v) << 8) | l; };
  ChunkTables out;
  std::memset(&out.wild, 0, sizeof out.wild);
  std::unordered_map<uint64_t, fw_bits> exact;
  std::vector<std::pair<uint32_t, uint8_t>> order;
  for (size_t i = 0; i < rules.size(); i++)
    for (auto [v, l] : prefixes_of(*rules[i], field)) {
      auto [it, fresh] = exact.try_emplace(key(v, l));
      if (fresh) {
        std::memset(&it->second, 0, sizeof(fw_bits));
        order.push_back({v, l});
      }
      it->second.w[i / 64] |= uint64_t(1) << (i % 64);
    }
  if (auto it = exact.find(key(0, 0)); it != exact.end()) out.wild = it->second;
  // LPM returns the longest prefix only: fold in every shorter one that
  // covers it (the wildcard is length 0).
  out.entries.reserve(order.size());
  for (auto [v, l] : order) {
    LpmEntry e{0, v, l, {}};
    std::memset(&e.bits, 0, sizeof e.bits);
    for (int k = 0; k <= l; k++) {
      auto it = exact.find(key(v & mask_of(static_cast<uint8_t>(k)), static_cast<uint8_t>(k)));
      if (it == exact.end()) continue;
      for (int w = 0; w < FW_CHUNK_WORDS; w++) e.bits.w[w] |= it->second.w[w];
    }
    out.entries.push_back(e);
  }
  return out;
}

}  // namespace polycube::services::fw
