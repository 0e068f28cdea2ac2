#include "nat_rules.h"

#include <arpa/inet.h>

#include <algorithm>
#include <map>

#include "nat_shared.h"
#include "polycube/error.h"

namespace polycube::services::nat {

using nlohmann::json;

namespace {

[[noreturn]] void invalid(const std::string &msg) { throw Error(ErrorCode::kInvalid, msg); }

const json &entries(const json &cube, const char *kind) {
  static const json none = json::array();
  const json *r = cube.contains("rule") ? &cube["rule"] : nullptr;
  if (!r || !r->contains(kind) || !(*r)[kind].contains("entry")) return none;
  return (*r)[kind]["entry"];
}

std::string rule_name(const char *kind, uint32_t id) { return std::string(kind) + " rule " + std::to_string(id); }

}  // namespace

uint32_t parse_address(const std::string &s, const std::string &what) {
  in_addr a{};
  if (inet_pton(AF_INET, s.c_str(), &a) != 1) invalid(what + ": '" + s + "' is not an IPv4 address");
  return ntohl(a.s_addr);
}

std::string address_string(uint32_t v) {
  in_addr a{htonl(v)};
  char buf[INET_ADDRSTRLEN];
  inet_ntop(AF_INET, &a, buf, sizeof buf);
  return buf;
}

std::pair<uint32_t, uint8_t> parse_prefix(const std::string &s, const std::string &what) {
  auto slash = s.find('/');
  uint32_t addr = parse_address(s.substr(0, slash), what);
  int len = 32;
  if (slash != std::string::npos) {
    std::string l = s.substr(slash + 1);
    if (l.empty() || l.size() > 2 || !std::all_of(l.begin(), l.end(), ::isdigit) || std::stoi(l) > 32)
      invalid(what + ": '" + s + "' is not an IPv4 prefix");
    len = std::stoi(l);
  }
  uint32_t mask = len ? ~uint32_t(0) << (32 - len) : 0;
  if (addr & ~mask)
    invalid(what + ": '" + s + "' has host bits set (the prefix is " + address_string(addr & mask) + "/" +
            std::to_string(len) + ")");
  return {addr, uint8_t(len)};
}

Config parse_config(const json &cube) {
  Config c;
  c.attached_to = cube.value("attached-to", "");
  std::string range = cube.value("port-range", "1024-65535");
  auto dash = range.find('-');
  try {
    if (dash == std::string::npos) throw std::invalid_argument(range);
    unsigned long lo = std::stoul(range.substr(0, dash)), hi = std::stoul(range.substr(dash + 1));
    if (lo < 1 || hi > 65535 || lo > hi) throw std::out_of_range(range);
    c.port_min = uint16_t(lo);
    c.port_max = uint16_t(hi);
  } catch (const std::logic_error &) {
    invalid("port-range '" + range + "': expected first-last with 1 <= first <= last <= 65535");
  }
  if (cube.contains("rule") && cube["rule"].contains("masquerade"))
    c.masquerade = cube["rule"]["masquerade"].value("enabled", false);

  for (const auto &e : entries(cube, "snat")) {
    SnatRule r;
    r.id = e.at("id").get<uint32_t>();
    std::string what = rule_name("snat", r.id);
    auto [net, len] = parse_prefix(e.at("internal-net").get<std::string>(), what + " internal-net");
    r.net = net;
    r.len = len;
    r.external = parse_address(e.at("external-ip").get<std::string>(), what + " external-ip");
    c.snat.push_back(r);
  }
  for (const auto &e : entries(cube, "dnat")) {
    DnatRule r;
    r.id = e.at("id").get<uint32_t>();
    std::string what = rule_name("dnat", r.id);
    r.external = parse_address(e.at("external-ip").get<std::string>(), what + " external-ip");
    r.internal = parse_address(e.at("internal-ip").get<std::string>(), what + " internal-ip");
    c.dnat.push_back(r);
  }
  for (const auto &e : entries(cube, "port-forwarding")) {
    PortForward r;
    r.id = e.at("id").get<uint32_t>();
    std::string what = rule_name("port-forwarding", r.id);
    r.external = parse_address(e.at("external-ip").get<std::string>(), what + " external-ip");
    r.internal = parse_address(e.at("internal-ip").get<std::string>(), what + " internal-ip");
    for (const char *k : {"external-port", "internal-port"}) {
      uint32_t port = e.at(k).get<uint32_t>();
      if (port < 1 || port > 65535) invalid(what + " " + k + ": " + std::to_string(port) + " is not a port (1..65535)");
      (std::string(k) == "external-port" ? r.external_port : r.internal_port) = uint16_t(port);
    }
    std::string proto = e.value("proto", "tcp");
    if (proto != "tcp" && proto != "udp") invalid(what + " proto: '" + proto + "' (tcp or udp)");
    r.proto = proto == "tcp" ? 6 : 17;
    c.forwards.push_back(r);
  }
  if (c.snat.size() > NAT_MAX_RULES || c.dnat.size() > NAT_MAX_RULES || c.forwards.size() > NAT_MAX_RULES)
    invalid("at most " + std::to_string(NAT_MAX_RULES) + " rules of each kind");

  // SNAT networks must not overlap: a source would have two translations.
  // Sorted by start, a prefix overlaps a later one iff it contains its start.
  std::vector<const SnatRule *> by_start;
  for (const auto &r : c.snat) by_start.push_back(&r);
  std::sort(by_start.begin(), by_start.end(), [](const SnatRule *a, const SnatRule *b) {
    return a->net != b->net ? a->net < b->net : a->len < b->len;
  });
  const SnatRule *open = nullptr;
  uint64_t open_end = 0;
  for (const SnatRule *r : by_start) {
    uint64_t end = uint64_t(r->net) + (uint64_t(1) << (32 - r->len));
    if (open && r->net < open_end)
      invalid("snat rules " + std::to_string(open->id) + " and " + std::to_string(r->id) + " overlap (" +
              address_string(open->net) + "/" + std::to_string(open->len) + " and " + address_string(r->net) + "/" +
              std::to_string(r->len) + ")");
    if (!open || end > open_end) {
      open = r;
      open_end = end;
    }
  }
  std::map<uint32_t, uint32_t> dnat_by_ext;
  for (const auto &r : c.dnat)
    if (auto [it, fresh] = dnat_by_ext.emplace(r.external, r.id); !fresh)
      invalid("dnat rules " + std::to_string(it->second) + " and " + std::to_string(r.id) + " both translate " +
              address_string(r.external));
  std::map<std::tuple<uint32_t, uint16_t, uint8_t>, uint32_t> pf_by_ext;
  for (const auto &r : c.forwards)
    if (auto [it, fresh] = pf_by_ext.emplace(std::make_tuple(r.external, r.external_port, r.proto), r.id); !fresh)
      invalid("port-forwarding rules " + std::to_string(it->second) + " and " + std::to_string(r.id) + " both forward " +
              address_string(r.external) + ":" + std::to_string(r.external_port) + "/" + (r.proto == 6 ? "tcp" : "udp"));
  return c;
}

}  // namespace polycube::services::nat
