// nat as a model-driven service. Rules are configuration: the append,
// enable and disable actions are config actions (ServiceModel::config_action)
// that compute the cube's next configuration; the daemon validates,
// reconciles (update() below) and persists it, so they survive restarts and
// a refused one changes nothing.
#include "nat_model.h"

#include <arpa/inet.h>

#include <algorithm>

#include "nat.h"
#include "nat_gen.h"

namespace polycube::services {

namespace {

namespace model = polycube::gen::nat;
using T = Nat;
using nlohmann::json;

[[noreturn]] void unreachable(const std::string &what) {
  throw Error(ErrorCode::kUnsupported, "nat: " + what + " is a configuration action");
}

std::string addr(uint32_t be) { return nat::address_string(ntohl(be)); }

std::string proto_name(uint8_t p) { return p == 6 ? "TCP" : p == 17 ? "UDP" : p == 1 ? "ICMP" : std::to_string(p); }

std::string rule_name(const nat_session &s) {
  switch (s.kind) {
    case NAT_K_SNAT: return "snat " + std::to_string(s.rule);
    case NAT_K_DNAT: return "dnat " + std::to_string(s.rule);
    case NAT_K_PORTFORWARD: return "port-forwarding " + std::to_string(s.rule);
    default: return "masquerade";
  }
}

class Handler : public model::NatHandler<T> {
 public:
  void update(T &nat, const model::Nat &d) override {
    json j;
    to_json(j, d);
    nat.apply(nat::parse_config(j));
  }

  model::NatState state(T &nat) override {
    json j = json::object();
    j["name"] = nat.name();
    uint64_t now = conntrack::now_ns();
    json table = json::array();
    std::set<std::string> keys;
    static const char *tcp[] = {"", "SYN_SENT", "SYN_RECV", "ESTABLISHED", "FIN_WAIT", "CLOSED"};
    uint32_t live = 0;
    for (const auto &[orig, s] : nat.sessions()) {
      if (pcn_ct_expired(&s.ct, orig.proto, now)) continue;
      live++;
      bool inside_first = s.dir == NAT_EGRESS;  // SNAT/masquerade: the first packet came from inside
      const pcn_tuple &in = inside_first ? orig : s.xlated, &out = inside_first ? s.xlated : orig;
      std::string key = addr(in.saddr) + addr(in.daddr) + std::to_string(in.sport) + std::to_string(in.dport) +
                        std::to_string(in.proto);
      if (!keys.insert(key).second) continue;
      json e = {{"internal-src", addr(in.saddr)},
                {"internal-dst", addr(in.daddr)},
                {"internal-sport", ntohs(in.sport)},
                {"internal-dport", ntohs(in.dport)},
                {"proto", proto_name(in.proto)},
                {"external-src", addr(out.saddr)},
                {"external-dst", addr(out.daddr)},
                {"external-sport", ntohs(out.sport)},
                {"external-dport", ntohs(out.dport)},
                {"originating-rule", rule_name(s)},
                {"state", s.ct.seen_reply ? "ESTABLISHED" : "NEW"},
                {"age", std::to_string(now > s.ct.last_seen_ns ? (now - s.ct.last_seen_ns) / 1000000000ull : 0)},
                {"pkts", std::to_string(s.ct.pkts)},
                {"bytes", std::to_string(s.bytes)}};
      if (in.proto == 6 && s.ct.tcp_state < 6) e["tcp-state"] = tcp[s.ct.tcp_state];
      table.push_back(std::move(e));
    }
    if (!table.empty()) j["natting-table"] = std::move(table);
    nat_stats st = nat.stats();
    uint32_t masq = nat.masquerade_address();
    j["stats"] = {{"sessions", live},
                  {"capacity", NAT_MAX_SESSIONS},
                  {"sessions-created", std::to_string(st.sessions_created)},
                  {"dropped-ports-exhausted", std::to_string(st.ports_exhausted)},
                  {"dropped-table-full", std::to_string(st.table_full)},
                  {"dropped-clashes", std::to_string(st.clashes)},
                  {"fragments-untranslated", std::to_string(st.fragments)},
                  {"masquerade-address", masq ? nat::address_string(masq) : ""}};
    model::NatState out;
    from_json(j, out);
    return out;
  }

  model::NatRuleSnatAppendOutput rule_snat_append(T &, const model::NatRuleSnatAppendInput &) override {
    unreachable("append");
  }
  model::NatRuleMasqueradeEnableOutput rule_masquerade_enable(T &, const model::NatRuleMasqueradeEnableInput &) override {
    unreachable("enable");
  }
  model::NatRuleMasqueradeDisableOutput rule_masquerade_disable(T &,
                                                                const model::NatRuleMasqueradeDisableInput &) override {
    unreachable("disable");
  }
  model::NatRuleDnatAppendOutput rule_dnat_append(T &, const model::NatRuleDnatAppendInput &) override {
    unreachable("append");
  }
  model::NatRulePortForwardingAppendOutput rule_port_forwarding_append(
      T &, const model::NatRulePortForwardingAppendInput &) override {
    unreachable("append");
  }
};

// "nat:rule/nat:snat/append" -> "rule/snat/append".
std::string bare_path(const std::string &path) {
  std::string out;
  for (size_t start = 0; start <= path.size();) {
    size_t end = path.find('/', start);
    std::string seg = path.substr(start, end == std::string::npos ? std::string::npos : end - start);
    if (auto c = seg.find(':'); c != std::string::npos) seg = seg.substr(c + 1);
    out += (out.empty() ? "" : "/") + seg;
    if (end == std::string::npos) break;
    start = end + 1;
  }
  return out;
}

std::optional<ServiceModel::ConfigEdit> edit_rules(const json &current, const std::string &path, const json &in) {
  std::string p = bare_path(path);
  json cfg = current;
  json output;
  if (p == "rule/masquerade/enable" || p == "rule/masquerade/disable") {
    bool on = p.ends_with("enable");
    if (on && current.value("attached-to", "").empty())
      throw Error(ErrorCode::kInvalid, "nat " + current.value("name", "") +
                                           " is not attached: masquerade translates to the address of the port it "
                                           "is attached to (pcn attach " +
                                           current.value("name", "") + " <cube:port>)");
    cfg["rule"]["masquerade"]["enabled"] = on;
  } else if (p == "rule/snat/append" || p == "rule/dnat/append" || p == "rule/port-forwarding/append") {
    std::string kind = p.substr(5, p.size() - 5 - 7);
    json &list = cfg["rule"][kind]["entry"];
    if (!list.is_array()) list = json::array();
    uint32_t id = 0;
    for (const auto &e : list) id = std::max(id, e.at("id").get<uint32_t>() + 1);
    json entry = in.is_object() ? in : json::object();
    entry["id"] = id;
    list.push_back(entry);
    output = {{"id", id}};
  } else {
    return std::nullopt;
  }
  nat::parse_config(cfg);  // refuses overlaps and bad values before anything is committed
  return ServiceModel::ConfigEdit{std::move(cfg), output};
}

}  // namespace

ServiceModel nat_model() {
  ServiceModel m = model::make_nat_model<T>(std::make_shared<Handler>());
  m.config_action = edit_rules;
  return m;
}

}  // namespace polycube::services
