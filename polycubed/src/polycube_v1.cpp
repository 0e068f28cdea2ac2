#include "polycube_v1.h"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <optional>
#include <vector>

#include "polycube/strict_json.h"
#include "restconf_path.h"

using nlohmann::json;

namespace polycube::daemon {

namespace {

const std::vector<std::string> kFrameworkData = {"cubes", "services", "netdevs", "topology"};
const std::vector<std::string> kFrameworkOps = {"connect", "disconnect", "attach", "detach"};

bool one_of(const std::vector<std::string> &names, const std::string &n) {
  return std::find(names.begin(), names.end(), n) != names.end();
}

std::vector<std::string> segments_of(const std::string &path) {
  std::vector<std::string> out;
  for (size_t at = 0; at < path.size();) {
    size_t slash = path.find('/', at);
    if (slash == std::string::npos) slash = path.size();
    if (slash > at) out.push_back(percent_decode(path.substr(at, slash - at)));
    at = slash + 1;
  }
  return out;
}

HttpReply not_found(const std::string &what) { return restconf_error(404, "invalid-value", what); }

// What an alias names, as RESTCONF.
struct Target {
  std::string module;           // the service
  std::string path;             // RESTCONF data path: <svc>:<svc>=<cube>/ports=p1
  std::string parent;           // the path it is a child of ("" for a cube: the datastore root)
  std::string member;           // its name in a body: "<svc>:ports"
  std::vector<std::pair<std::string, std::string>> keys;  // a list entry's keys (a cube: name)
};

// `segments` after the cube: names, each list's followed by its keys. The
// schema says which names are lists (and how many keys they take): a list
// segment takes `=k1,k2`, anything else refuses it.
Target resolve(const Reconciler &rc, const std::string &module, const std::string &cube,
               const std::vector<std::string> &segments) {
  Target t;
  t.module = module;
  t.path = module + ":" + module + "=" + percent_encode(cube);
  t.member = module + ":" + module;
  t.keys = {{"name", cube}};
  for (size_t i = 0; i < segments.size();) {
    if (!is_api_identifier(segments[i]))
      throw DataError(ErrorCode::kInvalid, "'" + segments[i] + "' is not a node name", "", "invalid-value");
    t.parent = t.path;
    t.path += "/" + segments[i];
    t.member = module + ":" + segments[i];
    t.keys.clear();
    i++;
    if (rc.is_action(t.path)) {
      if (i != segments.size())
        throw DataError(ErrorCode::kInvalid, "nothing follows the action " + segments[i - 1], "", "invalid-value");
      t.keys.clear();
      return t;
    }
    rc.xpath(t.path);  // the schema's error if it has no such node
    for (size_t n = 1; n <= 8 && i + n <= segments.size(); n++) {
      std::string keyed = t.path;
      for (size_t k = 0; k < n; k++) keyed += (k ? "," : "=") + percent_encode(segments[i + k]);
      std::string xpath;
      try {
        xpath = rc.xpath(keyed);
      } catch (const DataError &) {
        continue;  // not a list, or one that takes more keys
      }
      t.path = keyed;
      t.keys = parse_xpath(xpath).back().keys;
      i += n;
      break;
    }
  }
  return t;
}

// The body of a write on `t`, as RESTCONF wants it: {"<svc>:<node>": body},
// a list entry as a one-entry list with its keys.
std::string wrapped(const Target &t, const std::string &body) {
  json value;
  if (body.find_first_not_of(" \t\r\n") == std::string::npos) {
    value = json::object();
  } else {
    StrictJson doc = parse_json(body);
    if (!doc.ok()) throw DataError(ErrorCode::kInvalid, "the body is not valid JSON: " + doc.error, "", "malformed-message");
    value = std::move(doc.value);
  }
  if (!t.keys.empty()) {
    if (!value.is_object()) throw DataError(ErrorCode::kInvalid, "the body of a list entry must be an object", "", "invalid-value");
    for (const auto &[k, v] : t.keys)
      if (!value.contains(k)) value[k] = v;
    value = json::array({std::move(value)});
  }
  return json{{t.member, std::move(value)}}.dump();
}

// A GET answer in upstream's shape: the node itself, without the
// {"<module>:<node>": ...} around it; one entry (or cube) as an object.
HttpReply unwrapped(HttpReply r, bool one_entry) {
  if (r.status != 200) return r;
  StrictJson doc = parse_json(r.body);
  if (!doc.ok() || !doc.value.is_object() || doc.value.size() != 1) return r;
  json v = std::move(doc.value.begin().value());
  if (one_entry && v.is_array() && v.size() == 1) v = std::move(v[0]);
  r.body = v.dump();
  r.content_type = "application/json";
  return r;
}

HttpReply via_restconf(Reconciler &rc, RestconfRequest &req, const std::string &method, const std::string &target,
                       std::string body) {
  req.method = method;
  req.target = target;
  req.body = std::move(body);
  if (!req.body.empty() && req.content_type.empty()) req.content_type = "application/yang-data+json";
  return handle_restconf(rc, req);
}

// The service of cube `name`, or "".
std::string service_of(const Reconciler &rc, const std::string &name) {
  for (const auto &s : rc.services())
    if (rc.exists(s, name)) return s;
  return "";
}

HttpReply route_v1(Reconciler &rc, RestconfRequest &req) {
  std::string path = req.target, query;
  if (auto q = path.find('?'); q != std::string::npos) {
    query = path.substr(q);
    path.resize(q);
  }
  std::vector<std::string> seg = segments_of(path.substr(std::string(kPolycubeV1).size()));
  const std::string method = req.method == "HEAD" ? "GET" : req.method;
  const std::string data = "/restconf/data/";
  if (seg.empty()) return not_found("name a service, a cube, or one of cubes, services, netdevs, topology, metrics");
  if (seg.size() == 1 && seg[0] == "metrics") return via_restconf(rc, req, req.method, "/metrics" + query, "");
  if (seg.size() == 1 && one_of(kFrameworkData, seg[0]))
    return unwrapped(via_restconf(rc, req, req.method, data + "polycube:" + seg[0] + query, ""), false);
  if (seg.size() == 1 && one_of(kFrameworkOps, seg[0])) {
    std::string body = req.body.find_first_not_of(" \t\r\n") == std::string::npos ? "{}" : req.body;
    StrictJson in = parse_json(body);
    if (!in.ok()) return restconf_error(400, "malformed-message", "the body is not valid JSON: " + in.error);
    return via_restconf(rc, req, req.method, "/restconf/operations/polycube:" + seg[0] + query,
                        json{{"polycube:input", std::move(in.value)}}.dump());
  }
  std::string module, cube;
  size_t below = 0;  // where the path below the cube starts
  auto services = rc.services();
  if (one_of(services, seg[0])) {
    module = seg[0];
    if (seg.size() == 1) return unwrapped(via_restconf(rc, req, req.method, data + module + ":" + module + query, ""), false);
    cube = seg[1];
    below = 2;
  } else if (std::string svc = service_of(rc, seg[0]); !svc.empty()) {
    module = svc;
    cube = seg[0];
    below = 1;
  } else {
    return not_found("no service or cube '" + seg[0] + "'");
  }
  Target t = resolve(rc, module, cube, {seg.begin() + static_cast<long>(below), seg.end()});
  const std::string at = data + t.path + query;
  if (method == "GET") return unwrapped(via_restconf(rc, req, req.method, at, ""), !t.keys.empty());
  if (method == "DELETE" || method == "OPTIONS") return via_restconf(rc, req, req.method, at, "");
  if (method == "POST" && rc.is_action(t.path)) {
    std::string body = req.body.find_first_not_of(" \t\r\n") == std::string::npos ? "{}" : req.body;
    StrictJson in = parse_json(body);
    if (!in.ok()) return restconf_error(400, "malformed-message", "the body is not valid JSON: " + in.error);
    return unwrapped(via_restconf(rc, req, "POST", at, json{{module + ":input", std::move(in.value)}}.dump()), false);
  }
  if (method == "POST") return via_restconf(rc, req, "POST", data + t.parent + query, wrapped(t, req.body));
  if (method == "PATCH" || method == "PUT") return via_restconf(rc, req, method, at, wrapped(t, req.body));
  return via_restconf(rc, req, req.method, at, req.body);  // the RESTCONF answer (405)
}

}  // namespace

bool is_polycube_v1(const std::string &path) {
  const std::string prefix = kPolycubeV1;
  return path.compare(0, prefix.size(), prefix) == 0 && (path.size() == prefix.size() || path[prefix.size()] == '/');
}

HttpReply handle_polycube_v1(Reconciler &rc, RestconfRequest &req) {
  const std::string original = req.target;
  HttpReply r;
  try {
    r = route_v1(rc, req);
  } catch (const std::exception &e) {  // resolving the alias: the schema's own refusal
    r = restconf_error_of(e);
  }
  req.target = original;  // the audit log names what the client sent
  return r;
}

}  // namespace polycube::daemon
