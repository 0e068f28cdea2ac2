// firewall as a model-driven service. Rules are configuration, kept by the
// daemon as a positional list (polycube-base:positional): the chain actions
// (append, insert, delete, replace, batch) are config actions that return
// splices of it; the daemon validates and journals them and hands them to
// splice_rules() below, and the data plane rewrites only the chunks they
// touch. update() sees the rest of the cube (accept-established, chain
// defaults).
#include "firewall_model.h"

#include <arpa/inet.h>

#include <atomic>
#include <functional>

#include "firewall.h"
#include "firewall_batch.h"
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

const char *chain_name(int ch) { return ch == FW_INGRESS ? "INGRESS" : "EGRESS"; }

int chain_index(const std::string &name) {
  if (name == "INGRESS") return FW_INGRESS;
  if (name == "EGRESS") return FW_EGRESS;
  throw Error(ErrorCode::kInvalid, "unknown chain '" + name + "' (INGRESS, EGRESS)");
}

// A boolean leaf, absent: false.
bool on(const json &j, const char *leaf) { return j.value(leaf, false); }

json counter_json(size_t id, const Firewall::Counter &c) {
  return {{"id", id}, {"pkts", std::to_string(c.pkts)}, {"bytes", std::to_string(c.bytes)}};
}

// The read-only data of one chain: every rule's counters, or one rule's;
// with `stats`, the stats list too (the rules' fields beside their
// counters), only when asked for: it doubles a chain's answer.
json chain_state(T &fw, int ch, long only_rule = -1, bool stats = false) {
  json chain = {{"name", chain_name(ch)}};
  json rules = json::array();
  if (only_rule >= 0) {
    if (static_cast<size_t>(only_rule) < fw.rule_count(ch))
      rules.push_back(counter_json(static_cast<size_t>(only_rule), fw.counter(ch, static_cast<size_t>(only_rule))));
  } else {
    auto counters = fw.counters(ch);
    for (size_t i = 0; i < counters.size(); i++) rules.push_back(counter_json(i, counters[i]));
  }
  if (stats) {
    json st = json::array();
    if (only_rule >= 0) {
      auto r = fw.rule_at(ch, static_cast<size_t>(only_rule));
      if (r && !rules.empty()) st.push_back(r->to_json()), st.back().update(rules[0]);
    } else {
      auto all = fw.rules(ch);
      for (size_t i = 0; i < all.size() && i < rules.size(); i++) st.push_back(all[i].to_json()), st.back().update(rules[i]);
    }
    if (!st.empty()) chain["stats"] = st;
  }
  if (!rules.empty()) chain["rule"] = rules;
  auto def = fw.default_counter(ch);
  chain["default-pkts"] = std::to_string(def.pkts);
  chain["default-bytes"] = std::to_string(def.bytes);
  return chain;
}

json sessions_json(T &fw) {
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
  return st;
}

class Handler : public model::FirewallHandler<T> {
 public:
  void update(T &fw, const model::Firewall &d) override {
    // The rules come as splices (splice_rules below); here the rest.
    json j;
    to_json(j, d);
    std::array<uint32_t, 2> def{FW_A_ACCEPT, FW_A_ACCEPT};
    if (j.contains("chain"))
      for (const auto &c : j["chain"])
        def[chain_index(c.value("name", ""))] = c.value("default", "ACCEPT") == "DROP" ? FW_A_DROP : FW_A_ACCEPT;
    bool accept_established = on(j, "accept-established");
    std::string ct_leaf = j.contains("conntrack") && j["conntrack"].is_string() ? j["conntrack"].get<std::string>() : "";
    Firewall::Conntrack ct = ct_leaf == "OFF" ? Firewall::Conntrack::kOff
                             : ct_leaf == "ON" ? Firewall::Conntrack::kOn
                                               : Firewall::Conntrack::kAuto;
    if (ct == Firewall::Conntrack::kOff) {
      if (accept_established)
        throw Error(ErrorCode::kInvalid, "accept-established=ON needs connection tracking: not with conntrack=OFF");
      if (fw.rules_use_conntrack())
        throw Error(ErrorCode::kInvalid,
                    "conntrack=OFF: rules match on conntrack state; delete them first (pcn " + fw.name() +
                        " chain <chain> stats show lists them)");
    }
    fw.set_options(accept_established, ct, def);
  }

  model::FirewallState state(T &fw) override {
    json j = {{"name", fw.name()}};
    for (int ch = 0; ch < 2; ch++) j["chain"].push_back(chain_state(fw, ch));
    json st = sessions_json(fw);
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

// The chain actions as splices of the chain's rule list (firewall_batch.h
// plans them). `current` holds the cube without its rules; each chain's
// "rule" member is the number of its rules (see
// ServiceModel::config_action). `find` searches the committed rules (a
// delete by match).
std::optional<ServiceModel::ConfigEdit> edit_rules(const json &current, const std::string &path, const json &in,
                                                   const std::function<long(int, const fw::Rule &, size_t, size_t)> &find) {
  auto [chain, action] = chain_action(path);
  if (chain.empty() || action == "reset-counters") return std::nullopt;
  int ch = chain_index(chain);
  ServiceModel::ConfigEdit edit;
  size_t n = 0;
  bool present = false;
  if (current.contains("chain"))
    for (const auto &c : current["chain"])
      if (c.value("name", "") == chain) {
        present = true;
        if (c.contains("rule") && c["rule"].is_number_unsigned()) n = c["rule"].get<size_t>();
      }
  if (!present) {  // appending to a chain not in the configuration creates it
    edit.config = current;
    // The other chain's "rule" is its rule count here, not a list: the new
    // configuration leaves the rules out (they stay as they are).
    if (edit.config.contains("chain"))
      for (auto &c : edit.config["chain"]) c.erase("rule");
    edit.config["chain"].push_back({{"name", chain}});
  }
  bool stateless = current.contains("conntrack") && current["conntrack"] == "OFF";
  // One operation from action input or a batch entry.
  auto op_of = [&](const json &leaves_in, fw::ChainOp::Kind kind, std::optional<uint32_t> position, std::string what) {
    fw::ChainOp op;
    op.kind = kind;
    op.position = position;
    op.what = std::move(what);
    try {
      op.leaves = rule_leaves(leaves_in);
      op.rule = fw::parse_rule(op.leaves);
    } catch (const Error &e) {
      throw Error(ErrorCode::kInvalid, (op.what.empty() ? "" : op.what + ": ") + e.what());
    }
    if (stateless && kind != fw::ChainOp::kDelete && op.rule.ct)
      throw Error(ErrorCode::kInvalid, (op.what.empty() ? "" : op.what + ": ") +
                                           "a rule matching conntrack needs connection tracking (the cube has conntrack=OFF)");
    return op;
  };
  auto id_of = [&](const json &j) -> std::optional<uint32_t> {
    if (!j.contains("id")) return std::nullopt;
    return j["id"].get<uint32_t>();
  };
  std::vector<fw::ChainOp> ops;
  bool flush = false;
  if (action == "append") {
    ops.push_back(op_of(in, fw::ChainOp::kAppend, std::nullopt, ""));
  } else if (action == "insert") {
    ops.push_back(op_of(in, fw::ChainOp::kInsert, id_of(in).value_or(0), ""));
  } else if (action == "delete") {
    auto id = id_of(in);
    if (id) {
      // By position: no rule fields (action is DROP by default, so only
      // another action shows that one was given).
      for (const char *k : kRuleLeaves)
        if (in.contains(k) && !(std::string(k) == "action" && in[k] == "DROP"))
          throw Error(ErrorCode::kInvalid, std::string("delete: give id or the rule's fields, not both (") + k + ")");
    }
    ops.push_back(op_of(in, fw::ChainOp::kDelete, id, ""));
  } else if (action == "replace") {
    uint32_t id = in.at("id").get<uint32_t>();
    ops.push_back(op_of(json::object(), fw::ChainOp::kDelete, id, ""));
    ops.push_back(op_of(in, fw::ChainOp::kInsert, id, ""));
  } else if (action == "batch") {
    flush = in.value("flush", false);
    std::vector<const json *> batch;
    if (in.contains("rules"))
      for (const auto &r : in["rules"]) batch.push_back(&r);
    std::stable_sort(batch.begin(), batch.end(),
                     [](const json *a, const json *b) { return a->value("id", 0u) < b->value("id", 0u); });
    ops.reserve(batch.size());
    for (const json *r : batch) {
      std::string what = "batch rule id " + std::to_string(r->value("id", 0u));
      std::string operation = r->value("operation", "append");
      fw::ChainOp::Kind kind = operation == "insert"   ? fw::ChainOp::kInsert
                               : operation == "delete" ? fw::ChainOp::kDelete
                                                       : fw::ChainOp::kAppend;
      std::optional<uint32_t> position;
      if (r->contains("position")) {
        if (kind == fw::ChainOp::kAppend) throw Error(ErrorCode::kInvalid, what + ": append takes no position");
        position = (*r)["position"].get<uint32_t>();
      }
      ops.push_back(op_of(*r, kind, position, what));
    }
    edit.output = {{"count", batch.size()}};
  } else {
    return std::nullopt;
  }
  auto planned = fw::plan_chain_edit(n, flush, ops, [&](const fw::Rule &r, size_t from, size_t to) {
    return find(ch, r, from, to);
  });
  if (action == "append") edit.output = {{"id", n}};
  if (action == "insert") edit.output = {{"id", planned.at(0).pos}};
  for (auto &p : planned)
    edit.splices.push_back(ListSplice{"chain=" + chain + "/rule", p.pos, p.remove, std::move(p.insert)});
  if (edit.splices.empty())  // an empty batch: commits nothing new, as before
    edit.splices.push_back(ListSplice{"chain=" + chain + "/rule", static_cast<uint32_t>(n), 0, {}});
  return edit;
}

// Splices of "chain=<name>/rule", all switched to at once.
void splice_rules(Runtime &rt, const std::string &name, const std::vector<ListSplice> &splices) {
  auto fw = std::dynamic_pointer_cast<T>(rt.get(name));
  if (!fw) throw Error(ErrorCode::kNotFound, "cube " + name + " is not a firewall");
  std::vector<Firewall::Edit> edits;
  edits.reserve(splices.size());
  for (const auto &s : splices) {
    if (s.list.rfind("chain=", 0) != 0 || s.list.size() < 11 || s.list.substr(s.list.size() - 5) != "/rule")
      throw Error(ErrorCode::kInvalid, "firewall: no list " + s.list);
    Firewall::Edit e{chain_index(s.list.substr(6, s.list.size() - 11)), s.pos, s.remove, {}};
    e.rules.reserve(s.insert.size());
    for (const auto &r : s.insert) {
      e.rules.push_back(fw::parse_rule(r));
      if (e.rules.back().ct && fw->conntrack() == Firewall::Conntrack::kOff)
        throw Error(ErrorCode::kInvalid, "a rule matching conntrack needs connection tracking (conntrack=OFF)");
    }
    edits.push_back(std::move(e));
  }
  fw->edit(edits);
}

// Read-only data of the part at `path`: one chain, one rule, or the
// sessions; anything else, everything.
json state_at(Runtime &rt, const std::string &name, const std::string &path) {
  auto fw = std::dynamic_pointer_cast<T>(rt.get(name));
  if (!fw) throw Error(ErrorCode::kNotFound, "cube " + name + " is not a firewall");
  json j = json::object();
  if (path.rfind("chain=", 0) == 0) {
    std::string rest = path.substr(6);
    std::string chain = rest.substr(0, rest.find('/'));
    long rule = -1;
    bool stats = rest.find("/stats") != std::string::npos;
    auto r = rest.find(stats ? "/stats=" : "/rule=");
    if (r != std::string::npos) {
      std::string id = rest.substr(r + (stats ? 7 : 6));
      id = id.substr(0, id.find('/'));
      char *end = nullptr;
      rule = std::strtol(id.c_str(), &end, 10);
      if (!end || *end || rule < 0) rule = -1;
    }
    if (chain == "INGRESS" || chain == "EGRESS") j["chain"].push_back(chain_state(*fw, chain_index(chain), rule, stats));
    return j;
  }
  if (path.rfind("session-table", 0) == 0) {
    json st = sessions_json(*fw);
    if (!st.empty()) j["session-table"] = st;
    return j;
  }
  for (int ch = 0; ch < 2; ch++) j["chain"].push_back(chain_state(*fw, ch));
  json st = sessions_json(*fw);
  if (!st.empty()) j["session-table"] = st;
  return j;
}

}  // namespace

ServiceModel firewall_model() {
  ServiceModel m = model::make_firewall_model<T>(std::make_shared<Handler>());
  // config_action is not handed the runtime, and a delete by match needs
  // the rules that run (the same as the committed ones: the daemon keeps
  // them in step). Every cube a config action reaches was reconciled
  // first, so the reconciler's runtime is known by then.
  auto runtime = std::make_shared<std::atomic<Runtime *>>(nullptr);
  m.reconcile = [runtime, reconcile = m.reconcile](Runtime &rt, const std::string &name, const json *desired) {
    runtime->store(&rt);
    reconcile(rt, name, desired);
  };
  m.config_action = [runtime](const json &current, const std::string &path, const json &in) {
    std::string name = current.value("name", "");
    return edit_rules(current, path, in, [&](int ch, const fw::Rule &r, size_t from, size_t to) -> long {
      Runtime *rt = runtime->load();
      auto fw = rt ? std::dynamic_pointer_cast<T>(rt->get(name)) : nullptr;
      if (!fw) throw Error(ErrorCode::kNotFound, "cube " + name + " is not a running firewall");
      return fw->find_rule(ch, r, from, to);
    });
  };
  m.splice = splice_rules;
  m.state_at = state_at;
  return m;
}

}  // namespace polycube::services
