// firewall as a model-driven service. Rules are configuration: the chain
// actions (append, insert, delete, replace, batch) are config actions
// (ServiceModel::config_action) that compute the cube's next configuration;
// the daemon validates, reconciles (update() below) and persists it.
#include "firewall_model.h"

#include <arpa/inet.h>

#include "firewall.h"
#include "firewall_gen.h"

namespace polycube::services {

namespace {

namespace model = polycube::gen::firewall;
using T = Firewall;
using nlohmann::json;

const char *kRuleLeaves[] = {"src", "dst", "l4proto", "sport", "dport", "tcpflags", "conntrack", "action"};

json rule_leaves(const json &in) {
  json r = json::object();
  for (const char *k : kRuleLeaves)
    if (in.contains(k)) r[k] = in[k];
  if (!r.contains("action")) r["action"] = "DROP";
  fw::parse_rule(r);  // refuses what YANG cannot (port > 65535, bad range, ...)
  return r;
}

[[noreturn]] void unreachable(const std::string &what) {
  throw Error(ErrorCode::kUnsupported, "firewall: " + what + " is a configuration action");
}

std::string ip_string(uint32_t be) {
  char buf[INET_ADDRSTRLEN];
  in_addr a{be};
  inet_ntop(AF_INET, &a, buf, sizeof buf);
  return buf;
}

class Handler : public model::FirewallHandler<T> {
 public:
  void update(T &fw, const model::Firewall &d) override {
    json j;
    to_json(j, d);
    fw.apply(fw::parse_config(j));
  }

  model::FirewallState state(T &fw) override {
    json j = json::object();
    j["name"] = fw.name();
    for (int ch = 0; ch < 2; ch++) {
      json chain = {{"name", ch == FW_INGRESS ? "INGRESS" : "EGRESS"}};
      auto counters = fw.counters(ch);
      json rules = json::array();
      for (size_t i = 0; i < counters.size(); i++)
        rules.push_back({{"id", i}, {"pkts", std::to_string(counters[i].pkts)}, {"bytes", std::to_string(counters[i].bytes)}});
      if (!rules.empty()) chain["rule"] = rules;
      chain["default-pkts"] = std::to_string(fw.default_counter(ch).pkts);
      j["chain"].push_back(chain);
    }
    uint64_t now;
    {
      timespec ts{};
      clock_gettime(CLOCK_MONOTONIC, &ts);
      now = uint64_t(ts.tv_sec) * 1000000000ull + uint64_t(ts.tv_nsec);
    }
    json st = json::array();
    for (const auto &s : fw.sessions()) {
      uint8_t p = s.key.proto;
      static const char *tcp[] = {"", "SYN_SENT", "SYN_RECV", "ESTABLISHED", "FIN_WAIT", "CLOSED"};
      json e = {{"src", ip_string(s.key.saddr)},
                {"dst", ip_string(s.key.daddr)},
                {"l4proto", p == 6 ? "TCP" : p == 17 ? "UDP" : p == 1 ? "ICMP" : std::to_string(p)},
                {"sport", ntohs(s.key.sport)},
                {"dport", ntohs(s.key.dport)},
                {"state", s.entry.seen_reply ? "ESTABLISHED" : "NEW"},
                {"pkts", std::to_string(s.entry.pkts)},
                {"age-ms", std::to_string(now > s.entry.last_seen_ns ? (now - s.entry.last_seen_ns) / 1000000 : 0)}};
      if (p == 6 && s.entry.tcp_state < 6) e["tcp-state"] = tcp[s.entry.tcp_state];
      st.push_back(e);
    }
    if (!st.empty()) j["session-table"] = st;
    model::FirewallState out;
    from_json(j, out);
    return out;
  }

  model::FirewallChainAppendOutput chain_append(T &, const std::vector<std::string> &,
                                                const model::FirewallChainAppendInput &) override {
    unreachable("append");
  }
  model::FirewallChainInsertOutput chain_insert(T &, const std::vector<std::string> &,
                                                const model::FirewallChainInsertInput &) override {
    unreachable("insert");
  }
  model::FirewallChainDeleteOutput chain_delete(T &, const std::vector<std::string> &,
                                                const model::FirewallChainDeleteInput &) override {
    unreachable("delete");
  }
  model::FirewallChainReplaceOutput chain_replace(T &, const std::vector<std::string> &,
                                                  const model::FirewallChainReplaceInput &) override {
    unreachable("replace");
  }
  model::FirewallChainBatchOutput chain_batch(T &, const std::vector<std::string> &,
                                              const model::FirewallChainBatchInput &) override {
    unreachable("batch");
  }
  model::FirewallChainResetCountersOutput chain_reset_counters(T &fw, const std::vector<std::string> &keys,
                                                               const model::FirewallChainResetCountersInput &) override {
    fw.reset_counters(keys.at(0) == "EGRESS" ? FW_EGRESS : FW_INGRESS);
    return {};
  }
};

// "chain=INGRESS/append" (module prefixes allowed) -> {"INGRESS", "append"}.
std::pair<std::string, std::string> chain_action(const std::string &path) {
  std::string p = path;
  if (auto c = p.find(':'); c != std::string::npos && c < p.find('=')) p = p.substr(c + 1);
  if (p.rfind("chain=", 0) != 0) return {"", ""};
  auto slash = p.find('/');
  if (slash == std::string::npos) return {"", ""};
  std::string chain = p.substr(6, slash - 6), action = p.substr(slash + 1);
  if (auto c = action.find(':'); c != std::string::npos) action = action.substr(c + 1);
  return {chain, action};
}

std::optional<ServiceModel::ConfigEdit> edit_rules(const json &current, const std::string &path, const json &in) {
  auto [chain_name, action] = chain_action(path);
  if (chain_name.empty() || action == "reset-counters") return std::nullopt;
  if (chain_name != "INGRESS" && chain_name != "EGRESS")
    throw Error(ErrorCode::kInvalid, "unknown chain '" + chain_name + "' (INGRESS, EGRESS)");
  json cfg = current;
  if (!cfg.contains("chain")) cfg["chain"] = json::array();
  json *chain = nullptr;
  for (auto &c : cfg["chain"])
    if (c.value("name", "") == chain_name) chain = &c;
  if (!chain) {
    cfg["chain"].push_back({{"name", chain_name}});
    chain = &cfg["chain"].back();
  }
  // Rules in id order, ids dropped (they are positions, renumbered below).
  std::vector<json> rules;
  if (chain->contains("rule")) {
    std::vector<std::pair<uint32_t, json>> byid;
    for (auto &r : (*chain)["rule"]) byid.push_back({r.at("id").get<uint32_t>(), r});
    std::sort(byid.begin(), byid.end(), [](const auto &a, const auto &b) { return a.first < b.first; });
    for (auto &[id, r] : byid) {
      r.erase("id");
      rules.push_back(std::move(r));
    }
  }
  auto id_in = [&](size_t limit) {
    uint32_t id = in.at("id").get<uint32_t>();
    if (id >= limit)
      throw Error(ErrorCode::kInvalid, "id " + std::to_string(id) + " out of range: chain " + chain_name + " has " +
                                           std::to_string(rules.size()) + " rules");
    return id;
  };
  json output;
  if (action == "append") {
    rules.push_back(rule_leaves(in));
    output = {{"id", rules.size() - 1}};
  } else if (action == "insert") {
    uint32_t id = id_in(rules.size() + 1);
    rules.insert(rules.begin() + id, rule_leaves(in));
    output = {{"id", id}};
  } else if (action == "delete") {
    rules.erase(rules.begin() + id_in(rules.size()));
  } else if (action == "replace") {
    rules[id_in(rules.size())] = rule_leaves(in);
  } else if (action == "batch") {
    if (in.value("flush", false)) rules.clear();
    size_t n = 0;
    std::vector<json> batch;
    if (in.contains("rules")) batch.assign(in["rules"].begin(), in["rules"].end());
    std::stable_sort(batch.begin(), batch.end(),
                     [](const json &a, const json &b) { return a.value("id", 0u) < b.value("id", 0u); });
    for (const auto &r : batch) {
      try {
        rules.push_back(rule_leaves(r));
      } catch (const Error &e) {
        throw Error(ErrorCode::kInvalid, "batch rule id " + std::to_string(r.value("id", 0u)) + ": " + e.what());
      }
      n++;
    }
    output = {{"count", n}};
  } else {
    return std::nullopt;
  }
  if (rules.size() > FW_MAX_RULES)
    throw Error(ErrorCode::kInvalid, "chain " + chain_name + " would have more than " + std::to_string(FW_MAX_RULES) +
                                         " rules");
  json out_rules = json::array();
  for (size_t i = 0; i < rules.size(); i++) {
    json r = std::move(rules[i]);
    r["id"] = i;
    out_rules.push_back(std::move(r));
  }
  if (out_rules.empty()) chain->erase("rule");
  else (*chain)["rule"] = std::move(out_rules);
  return ServiceModel::ConfigEdit{std::move(cfg), output};
}

}  // namespace

ServiceModel firewall_model() {
  ServiceModel m = model::make_firewall_model<T>(std::make_shared<Handler>());
  m.config_action = edit_rules;
  return m;
}

}  // namespace polycube::services
