#include "framework_api.h"

#include <net/if.h>

#include <map>
#include <tuple>

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include <optional>

#include "daemon_settings.h"
#include "polycube/strict_json.h"
#include "versions_api.h"

#include <cctype>
#include <functional>

namespace polycube::daemon {

namespace {

using nlohmann::json;

json cube_json(const Cube &c) {
  json ports = json::array();
  if (!c.transparent())
    for (const auto &p : c.ports()) {
      json port = {{"name", p.name}, {"status", port_status(p)}};
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

HttpReply error(int status, const std::string &tag, const std::string &msg) { return restconf_error(status, tag, msg); }

// A request body, through the one strict JSON parser (duplicate members
// and deep nesting refused before anything is built).
std::optional<json> body_json(const std::string &body, std::string *why) {
  StrictJson doc = parse_json(body);
  if (!doc.ok()) {
    *why = doc.error;
    return std::nullopt;
  }
  return std::move(doc.value);
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

// The datastore path of the peer leaf of port `ref`.
std::string peer_leaf(Runtime &rt, const std::string &ref) {
  auto [cube, port] = split_port(rt, ref);
  cube->port(port);  // kNotFound if absent
  std::string svc = cube->service();
  return "/" + svc + ":" + svc + "[name='" + cube->name() + "']/ports[name='" + port + "']/peer";
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
  if (what == "daemon") return daemon_get();
  if (what == "versions" || what.rfind("versions/", 0) == 0) return versions_get(rc, what);
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
  if (what == "topology") {
    json links = json::array(), attachments = json::array();
    std::map<std::string, json> attach_of;  // transparent cube -> its attachment
    for (const auto &c : rt.cubes()) {
      if (c->transparent()) {
        if (!c->attached_to().empty()) {
          json &a = attach_of[c->name()];
          a["cube"] = c->name();
          a["to"] = c->attached_to();
          a["position-spec"] = c->attached_position();
        }
        continue;
      }
      for (const auto &p : c->ports()) {
        std::string from = c->name() + ":" + p.name, to = p.peer.to_string();
        if (p.peer.kind == Peer::kNetdev) links.push_back({{"from", from}, {"to", to}, {"kind", "netdev"}});
        else if (p.peer.kind == Peer::kCubePort && p.peer.linked && from < to) links.push_back({{"from", from}, {"to", to}, {"kind", "cube"}});
        for (size_t i = 0; i < p.transparent.size(); i++)
          attach_of[p.transparent[i]]["position"] = i;
      }
    }
    for (auto &[name, a] : attach_of)
      if (a.contains("cube")) attachments.push_back(a);
    return ok({{"polycube:topology", {{"link", links}, {"attachment", attachments}}}});
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

bool is_framework_operation(const std::string &op) {
  return op == "connect" || op == "disconnect" || op == "attach" || op == "detach" || is_versions_operation(op);
}

HttpReply framework_operation(Reconciler &rc, const std::string &op, const std::string &body, const WriteContext &ctx) {
  if (!is_framework_operation(op)) return error(404, "invalid-value", "no operation polycube:" + op);
  if (is_versions_operation(op)) return versions_operation(rc, op, body, ctx);
  std::string why;
  std::optional<json> parsed = body.empty() ? std::optional<json>(json()) : body_json(body, &why);
  if (!parsed) return error(400, "malformed-message", "the body is not valid JSON: " + why);
  json &doc = *parsed;
  if (!doc.is_object() || !doc.contains("polycube:input") || !doc["polycube:input"].is_object())
    return error(400, "invalid-value", "expected {\"polycube:input\":{...}}");
  const bool position_given = doc["polycube:input"].contains("position");
  // Types, patterns, mandatory leaves and unknown leaves, from polycube.yang.
  // (The input moves into the operation document: a request body is never copied.)
  json operation = json::object();
  operation["polycube:" + op] = std::move(doc["polycube:input"]);
  const json in = rc.parse_input(operation.dump());
  if (op == "connect" || op == "disconnect") {
    std::string a = in["peer1"], b = in["peer2"];
    Runtime &rt = rc.runtime();
    std::string current = port_of(rt, a).peer.to_string();
    if (op == "connect" && !current.empty())
      throw Error(ErrorCode::kInUse, "port " + a + " is already connected to " + current);
    if (op == "disconnect" && current != b)
      return error(400, "invalid-value", a + " is not connected to " + b);
    // One write with both peer leaves, so both cubes' configuration says it.
    if (op == "disconnect") {
      rc.remove({peer_leaf(rt, a), peer_leaf(rt, b)}, ctx);
      return {204, ""};
    }
    json edit = peer_edit(rt, a, b);
    json other = peer_edit(rt, b, a);
    for (auto &[k, v] : other.items()) {
      if (edit.contains(k)) edit[k].insert(edit[k].end(), v.begin(), v.end());
      else edit[k] = v;
    }
    rc.merge(edit.dump(), ctx);
    return {204, ""};
  }
  if (op == "attach" || op == "detach") {
    std::string name = in["cube"], where = in["port"];
    Runtime &rt = rc.runtime();
    auto cube = rt.get(name);  // 404
    if (!cube->transparent())
      return error(400, "invalid-value", "cube " + name + " is not transparent; only transparent cubes attach");
    std::string svc = cube->service();
    if (op == "detach") {
      if (cube->attached_to() != where)
        return error(400, "invalid-value", name + " is not attached to " + where +
                                               (cube->attached_to().empty() ? "" : " (it is attached to " + cube->attached_to() + ")"));
      std::string inst = "/" + svc + ":" + svc + "[name='" + name + "']";
      rc.remove({inst + "/attached-to", inst + "/position"}, ctx);
      return {204, ""};
    }
    if (where.find(':') != std::string::npos) port_of(rt, where);  // 404
    else if (if_nametoindex(where.c_str()) == 0) return error(404, "invalid-value", "no netdev " + where);
    if (!cube->attached_to().empty())
      return error(409, "in-use", name + " is already attached to " + cube->attached_to() + "; detach it first");
    // after=<cube> / before=<cube>: position after:<cube> / before:<cube>.
    std::string position = position_given ? in["position"].get<std::string>() : "";
    for (const char *rel : {"after", "before"}) {
      if (!in.contains(rel)) continue;
      if (!position.empty())
        return error(400, "invalid-value", "give one of position, after and before");
      position = std::string(rel) + ":" + in[rel].get<std::string>();
    }
    // The cube named in the position must sit where this one goes.
    if (auto colon = position.find(':'); colon != std::string::npos) {
      std::string other = position.substr(colon + 1);
      std::shared_ptr<Cube> o;
      try {
        o = rt.get(other);
      } catch (const Error &) {
      }
      if (!o || o->attached_to() != where)
        return error(400, "invalid-value", "cannot attach " + name + " " + position.substr(0, colon) + " " + other + ": " +
                                               other + " is not attached to " + where);
    }
    json inst = {{"name", name}, {"attached-to", where}};
    if (!position.empty()) inst["position"] = position;  // else the default
    rc.merge(json{{svc + ":" + svc, {inst}}}.dump(), ctx);
    return {204, ""};
  }
  return error(404, "invalid-value", "no operation polycube:" + op);
}

}  // namespace polycube::daemon
