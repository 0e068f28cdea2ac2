#include "framework_api.h"

#include <net/if.h>

#include <tuple>

#include <nlohmann/json.hpp>

namespace polycube::daemon {

namespace {

using nlohmann::json;

json cube_json(const Cube &c) {
  json ports = json::array();
  if (!c.transparent())
    for (const auto &p : c.ports()) {
      json port = {{"name", p.name}};
      if (p.peer.kind != Peer::kNone) port["peer"] = p.peer.to_string();
      if (!p.transparent.empty()) port["transparent-cubes"] = p.transparent;
      ports.push_back(port);
    }
  json blocks = json::array();
  for (const auto &b : c.blocks())
    blocks.push_back({{"name", b.program},
                      {"slot", b.slot},
                      {"hook", c.transparent() && b.slot == PCN_SLOT_EGRESS ? "egress" : "ingress"},
                      {"prog-id", b.prog_id}});
  json out = {{"name", c.name()}, {"service", c.service()}, {"type", to_string(c.mode())}, {"blocks", blocks}};
  if (c.transparent()) {
    if (!c.attached_to().empty()) out["attached-to"] = c.attached_to();
  } else {
    out["ports"] = ports;
  }
  return out;
}

HttpReply ok(const json &j) { return {200, j.dump()}; }

HttpReply error(int status, const std::string &tag, const std::string &msg) {
  json err = {{"error-type", "application"}, {"error-tag", tag}, {"error-message", msg}};
  return {status, json{{"ietf-restconf:errors", {{"error", {err}}}}}.dump()};
}

// "cube:port" -> (cube, port name); kInvalid / kNotFound.
std::pair<std::shared_ptr<Cube>, std::string> split_port(Runtime &rt, const std::string &ref) {
  auto colon = ref.find(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == ref.size())
    throw Error(ErrorCode::kInvalid, "'" + ref + "' is not a cube port (expected cube:port)");
  return {rt.get(ref.substr(0, colon)), ref.substr(colon + 1)};
}

Port port_of(Runtime &rt, const std::string &ref) {
  auto [cube, port] = split_port(rt, ref);
  return cube->port(port);
}

// The configuration that sets the peer of port `ref`.
json peer_edit(Runtime &rt, const std::string &ref, const std::string &peer) {
  auto [cube, port] = split_port(rt, ref);
  cube->port(port);  // kNotFound if absent
  std::string svc = cube->service();
  return {{svc + ":" + svc, {{{"name", cube->name()}, {"ports", {{{"name", port}, {"peer", peer}}}}}}}};
}

}  // namespace

HttpReply framework_get(Reconciler &rc, const std::string &what) {
  Runtime &rt = rc.runtime();
  if (what == "cubes") {
    json cubes = json::array();
    for (const auto &c : rt.cubes()) cubes.push_back(cube_json(*c));
    return ok({{"polycube:cubes", {{"cube", cubes}}}});
  }
  if (what.rfind("cubes/cube=", 0) == 0) {
    auto c = rt.get(what.substr(11));
    return ok({{"polycube:cube", {cube_json(*c)}}});
  }
  if (what == "services") {
    json list = json::array();
    for (const auto &s : rc.services()) list.push_back({{"name", s}});
    return ok({{"polycube:services", {{"service", list}}}});
  }
  if (what == "netdevs") {
    json list = json::array();
    if (struct if_nameindex *ifs = if_nameindex()) {
      for (struct if_nameindex *i = ifs; i->if_index; i++) list.push_back({{"name", i->if_name}, {"ifindex", i->if_index}});
      if_freenameindex(ifs);
    }
    return ok({{"polycube:netdevs", {{"netdev", list}}}});
  }
  return error(404, "invalid-value", "no resource polycube:" + what);
}

std::string metrics_text(Reconciler &rc, uint64_t requests, uint64_t errors) {
  struct Counter {
    const char *name, *help;
    uint64_t PortStats::*field;
  };
  static const Counter counters[] = {
      {"polycube_port_rx_packets_total", "Packets received by a cube port.", &PortStats::rx_pkts},
      {"polycube_port_rx_bytes_total", "Bytes received by a cube port.", &PortStats::rx_bytes},
      {"polycube_port_tx_packets_total", "Packets sent out of a cube port.", &PortStats::tx_pkts},
      {"polycube_port_tx_bytes_total", "Bytes sent out of a cube port.", &PortStats::tx_bytes},
      {"polycube_port_drops_total", "Packets dropped on a cube port.", &PortStats::drops},
  };
  // Label values: escape backslash, quote and newline.
  auto label = [](const std::string &v) {
    std::string out;
    for (char c : v) {
      if (c == '\\' || c == '"') out += '\\';
      if (c == '\n') {
        out += "\\n";
        continue;
      }
      out += c;
    }
    return out;
  };
  auto cubes = rc.runtime().cubes();
  std::vector<std::tuple<std::string, std::string, std::string, PortStats>> rows;
  for (const auto &c : cubes)
    if (!c->transparent())
      for (const auto &p : c->ports()) rows.emplace_back(c->name(), c->service(), p.name, c->port_stats(p.name));
  std::string out;
  for (const auto &k : counters) {
    out += std::string("# HELP ") + k.name + " " + k.help + "\n# TYPE " + k.name + " counter\n";
    for (const auto &[cube, svc, port, st] : rows)
      out += std::string(k.name) + "{cube=\"" + label(cube) + "\",service=\"" + label(svc) + "\",port=\"" +
             label(port) + "\"} " + std::to_string(st.*k.field) + "\n";
  }
  out += "# HELP polycube_cubes Cubes that exist.\n# TYPE polycube_cubes gauge\npolycube_cubes " +
         std::to_string(cubes.size()) + "\n";
  out += "# HELP polycube_http_requests_total Requests served.\n# TYPE polycube_http_requests_total counter\n"
         "polycube_http_requests_total " + std::to_string(requests) + "\n";
  out += "# HELP polycube_http_errors_total Requests answered with an error status.\n"
         "# TYPE polycube_http_errors_total counter\npolycube_http_errors_total " + std::to_string(errors) + "\n";
  return out;
}

HttpReply framework_operation(Reconciler &rc, const std::string &op, const std::string &body) {
  json doc = json::parse(body, nullptr, false);
  if (!doc.is_object() || !doc.contains("polycube:input") || !doc["polycube:input"].is_object())
    return error(400, "invalid-value", "expected {\"polycube:input\":{...}}");
  const json &in = doc["polycube:input"];
  if (op == "connect" || op == "disconnect") {
    if (!in.contains("peer1") || !in.contains("peer2") || !in["peer1"].is_string() || !in["peer2"].is_string())
      return error(400, "missing-element", op + " needs string leaves peer1 and peer2");
    std::string a = in["peer1"], b = in["peer2"];
    Runtime &rt = rc.runtime();
    std::string current = port_of(rt, a).peer.to_string();
    if (op == "connect" && !current.empty())
      throw Error(ErrorCode::kInUse, "port " + a + " is already connected to " + current);
    if (op == "disconnect" && current != b)
      return error(400, "invalid-value", a + " is not connected to " + b);
    // One write with both peer leaves, so both cubes' configuration says it.
    bool link = op == "connect";
    json edit = peer_edit(rt, a, link ? b : "");
    json other = peer_edit(rt, b, link ? a : "");
    for (auto &[k, v] : other.items()) {
      if (edit.contains(k)) edit[k].insert(edit[k].end(), v.begin(), v.end());
      else edit[k] = v;
    }
    rc.merge(edit.dump());
    return {204, ""};
  }
  return error(404, "invalid-value", "no operation polycube:" + op);
}

}  // namespace polycube::daemon
