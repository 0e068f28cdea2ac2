// lbrp as a model-driven service. The configuration goes from the
// daemon's JSON straight to lbrp::Config (no typed copy of 100,000
// services on each write); the state (stats, session table) through the
// generated handler.
#include "lbrp_model.h"

#include <arpa/inet.h>

#include "lbrp.h"
#include "lbrp_gen.h"
#include "polycube/ipv4.h"

namespace polycube::services {

namespace {

namespace model = polycube::gen::lbrp;
using T = Lbrp;
using nlohmann::json;

std::string addr(uint32_t be) { return ipv4_string(ntohl(be)); }

class Handler : public model::LbrpHandler<T> {
 public:
  void update(T &lb, const model::Lbrp &d) override {
    json j;
    to_json(j, d);
    lb.apply(lbrp::parse_config(j));
  }

  model::LbrpState state(T &lb) override {
    json j = json::object();
    j["name"] = lb.name();
    uint64_t now = conntrack::now_ns();
    static const char *tcp[] = {"", "SYN_SENT", "SYN_RECV", "ESTABLISHED", "FIN_WAIT", "CLOSED"};
    json table = json::array();
    uint32_t live = 0;
    for (const auto &[orig, s] : lb.sessions()) {
      if (pcn_ct_expired(&s.ct, orig.proto, now)) continue;
      live++;
      json e = {{"client-ip", addr(orig.saddr)},
                {"client-port", ntohs(orig.sport)},
                {"vip", addr(orig.daddr)},
                {"vport", ntohs(orig.dport)},
                {"proto", orig.proto == 6 ? "TCP" : "UDP"},
                {"backend-ip", addr(s.xlated.daddr)},
                {"backend-port", ntohs(s.xlated.dport)},
                {"state", s.ct.seen_reply ? "ESTABLISHED" : "NEW"},
                {"age", std::to_string(now > s.ct.last_seen_ns ? (now - s.ct.last_seen_ns) / 1000000000ull : 0)},
                {"pkts", std::to_string(s.ct.pkts)},
                {"bytes", std::to_string(s.bytes)}};
      if (orig.proto == 6 && s.ct.tcp_state < 6) e["tcp-state"] = tcp[s.ct.tcp_state];
      table.push_back(std::move(e));
    }
    if (!table.empty()) j["session-table"] = std::move(table);
    lbrp_stats st = lb.stats();
    Lbrp::Counts n = lb.counts();
    j["stats"] = {{"services", n.services},
                  {"backends", n.backends},
                  {"maglev-tables", n.tables},
                  {"sessions", live},
                  {"capacity", LBRP_MAX_SESSIONS},
                  {"sessions-created", std::to_string(st.sessions_created)},
                  {"echo-answered", std::to_string(st.echo_answered)},
                  {"dropped-no-backend", std::to_string(st.no_backend)},
                  {"dropped-table-full", std::to_string(st.table_full)},
                  {"dropped-clashes", std::to_string(st.clashes)}};
    model::LbrpState out;
    from_json(j, out);
    return out;
  }
};

}  // namespace

ServiceModel lbrp_model() {
  ServiceModel m = model::make_lbrp_model<T>(std::make_shared<Handler>());
  m.reconcile = [](Runtime &rt, const std::string &name, const json *desired) {
    reconcile_cube<T>(rt, "lbrp", name, desired, [](T &lb, const json &d) { lb.apply(lbrp::parse_config(d)); });
  };
  return m;
}

}  // namespace polycube::services
