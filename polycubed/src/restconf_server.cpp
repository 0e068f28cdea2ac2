#include "restconf_server.h"

#include "audit_log.h"
#include "auth.h"
#include "control_api.h"
#include "framework_api.h"
#include "daemon_settings.h"
#include "metrics_text.h"
#include "polycube_v1.h"
#include "yang_library.h"
#include "health.h"
#include "request_metrics.h"
#include "http_media.h"
#include "polycube/strict_json.h"
#include "query_params.h"
#include "restconf_path.h"
#include "versions_api.h"

#include <spdlog/spdlog.h>

#include <atomic>
#include <chrono>
#include <optional>

#include <nlohmann/json.hpp>

namespace polycube::daemon {

namespace {

constexpr const char *kDataRoot = "/restconf/data";
constexpr const char *kYangData = "application/yang-data+json";

int status_of(ErrorCode code) {
  switch (code) {
    case ErrorCode::kInvalid:
    case ErrorCode::kUnsupported: return 400;
    case ErrorCode::kNotFound: return 404;
    case ErrorCode::kExists:
    case ErrorCode::kInUse: return 409;
    case ErrorCode::kKernel: return 500;
    case ErrorCode::kDenied: return 403;
  }
  return 500;
}

std::string tag_of(ErrorCode code) {
  switch (code) {
    case ErrorCode::kInvalid: return "invalid-value";
    case ErrorCode::kUnsupported: return "operation-not-supported";
    case ErrorCode::kNotFound: return "invalid-value";
    case ErrorCode::kExists: return "data-exists";
    case ErrorCode::kInUse: return "in-use";
    case ErrorCode::kKernel: return "operation-failed";
    case ErrorCode::kDenied: return "access-denied";
  }
  return "operation-failed";
}

HttpReply error_reply(int status, const std::string &tag, const std::string &message, const std::string &path = "") {
  return restconf_error(status, tag, message, path);
}

// A request body as JSON, strictly (polycube/strict_json.h): 400
// malformed-message for anything else, duplicate members and deep nesting
// included, before any of it is copied.
nlohmann::json body_json(const std::string &body) {
  StrictJson doc = parse_json(body);
  if (!doc.ok()) throw DataError(ErrorCode::kInvalid, "the body is not valid JSON: " + doc.error, "", "malformed-message");
  return std::move(doc.value);
}

// Top-level cube instances named in a body: (module, name).
std::vector<std::pair<std::string, std::string>> instances_in(const nlohmann::json &doc) {
  std::vector<std::pair<std::string, std::string>> out;
  if (!doc.is_object()) return out;
  for (auto &[qname, list] : doc.items()) {
    if (!list.is_array()) continue;
    for (const auto &inst : list)
      if (inst.is_object() && inst.contains("name") && inst["name"].is_string())
        out.emplace_back(qname.substr(0, qname.find(':')), inst["name"].get<std::string>());
  }
  return out;
}

std::atomic<uint64_t> g_requests{0}, g_errors{0};

// POST <module>:<list>=<name>/<path to action> with {"<module>:input":{...}}.
HttpReply post_action(Reconciler &rc, const std::string &path, const std::string &body, const WriteContext &ctx) {
  auto slash = path.find('/');
  std::string first = path.substr(0, slash);
  auto colon = first.find(':'), eq = first.find('=');
  if (slash == std::string::npos || colon == std::string::npos || eq == std::string::npos || eq < colon)
    return error_reply(405, "operation-not-supported", "POST below " + std::string(kDataRoot) +
                                                           " runs a YANG action: <module>:<list>=<name>/<action path>");
  std::string module = first.substr(0, colon);
  nlohmann::json input = nlohmann::json::object();
  if (!body.empty()) {
    nlohmann::json doc = body_json(body);
    const std::string member = module + ":input";
    if (!doc.is_object() || doc.size() != 1 || !doc.contains(member) || !doc[member].is_object())
      return error_reply(400, "invalid-value", "action input must be {\"" + member + "\":{...}}");
    input = std::move(doc[member]);
  }
  nlohmann::json output = rc.action(module, percent_decode(first.substr(eq + 1)), path.substr(slash + 1), input, ctx);
  if (output.is_null()) return {204, ""};
  nlohmann::json answer = nlohmann::json::object();
  answer[module + ":output"] = std::move(output);
  return {200, answer.dump()};
}

// What a target is, for Allow, 405 and content negotiation.
struct Resource {
  enum Kind { kNone, kOpenApi, kMetrics, kYangSource, kYangLibrary, kFramework, kOperation, kDataRoot, kData, kAction };
  Kind kind = kNone;
  std::string rest;  // the part after the prefix that names it (module, op, data path)
  std::string allow;
  std::vector<std::string> produces;  // media types of a 200 answer, preferred first
  std::string xpath = {};             // kData: the data path as an XPath
  std::string module = {}, cube = {};  // kData naming one cube: its service and name (exports)
};

// "<module>:<module>=<name>" (one cube, nothing below): module and name.
std::optional<std::pair<std::string, std::string>> cube_instance(const std::string &data) {
  auto colon = data.find(':'), eq = data.find('=');
  if (colon == std::string::npos || eq == std::string::npos || eq < colon || data.find('/') != std::string::npos)
    return std::nullopt;
  std::string module = data.substr(0, colon);
  if (data.substr(colon + 1, eq - colon - 1) != module) return std::nullopt;
  return std::make_pair(module, percent_decode(data.substr(eq + 1)));
}

const char *kReadOnly = "GET, HEAD, OPTIONS";

// Which resource `path` (no query) names. Throws DataError for a data path
// the schema does not have.
Resource classify(Reconciler &rc, const std::string &path, const std::string &method) {
  Resource r;
  const std::vector<std::string> yang_json = {kYangData, "application/json"};
  const std::string ops = "/restconf/operations/", yang = "/restconf/yang/", root = kDataRoot;
  const std::string framework = root + "/polycube:";
  if (path == "/openapi.json") return {Resource::kOpenApi, "", kReadOnly, {"application/json"}};
  if (path == "/metrics") return {Resource::kMetrics, "", kReadOnly, {"text/plain"}};
  if (path.rfind(yang, 0) == 0) return {Resource::kYangSource, path.substr(yang.size()), kReadOnly, {"application/yang"}};
  if (path.rfind(ops, 0) == 0) {
    std::string op = path.substr(ops.size());
    if (op.rfind("polycube:", 0) != 0 || !is_framework_operation(op.substr(9)))
      throw DataError(ErrorCode::kNotFound, "no operation " + op, "", "invalid-value");
    return {Resource::kOperation, op.substr(9), "OPTIONS, POST", yang_json};
  }
  if (path == root + "/ietf-yang-library:yang-library") return {Resource::kYangLibrary, "", kReadOnly, yang_json};
  if (path.rfind(framework, 0) == 0) {
    std::string what = path.substr(framework.size());
    return {Resource::kFramework, what, what == "daemon" ? "GET, HEAD, OPTIONS, PATCH" : kReadOnly, yang_json};
  }
  if (path.compare(0, root.size(), root) != 0 || (path.size() > root.size() && path[root.size()] != '/'))
    throw DataError(ErrorCode::kNotFound, "no resource " + path, "", "invalid-value");
  std::string data = path.size() > root.size() + 1 ? path.substr(root.size() + 1) : "";
  while (!data.empty() && data.back() == '/') data.pop_back();
  if (data.empty()) return {Resource::kDataRoot, "", "GET, HEAD, OPTIONS, PATCH, POST", yang_json};
  if (rc.is_action(data)) return {Resource::kAction, data, "OPTIONS, POST", yang_json};
  std::string xpath;
  try {
    xpath = rc.xpath(data);  // the schema has it (else 400 unknown-element)
  } catch (const DataError &) {
    // POST to a name the schema does not have: no such action or resource.
    if (method == "POST") throw DataError(ErrorCode::kNotFound, "no action or resource /" + data, "", "invalid-value");
    throw;
  }
  Resource found{Resource::kData, data, "DELETE, GET, HEAD, OPTIONS, PATCH, POST, PUT", yang_json, xpath};
  if (auto inst = cube_instance(data); inst && method == "GET") {
    // A cube may also be fetched as a document of its service's (a capture file).
    for (const auto &type : rc.exports(inst->first)) found.produces.push_back(type);
    found.module = inst->first;
    found.cube = inst->second;
  }
  return found;
}

bool allows(const std::string &allow, const std::string &method) {
  for (size_t start = 0; start < allow.size();) {
    size_t comma = allow.find(',', start);
    std::string m = allow.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    while (!m.empty() && m.front() == ' ') m.erase(0, 1);
    if (m == method) return true;
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return false;
}

// GET answers shaped by depth and fields; every node fields names must be
// in the schema below the target (RFC 8040 4.8.3: 400 otherwise).
HttpReply shaped(Reconciler &rc, std::string answer, const QueryParams &params, const std::string &target) {
  if (params.depth == 0 && params.fields.empty()) return {200, std::move(answer)};
  for (const auto &p : params.fields.empty() ? std::vector<std::string>() : field_paths(params.fields)) {
    try {
      rc.xpath(target.empty() ? p : target + "/" + p);
    } catch (const DataError &e) {
      return error_reply(400, "invalid-value", "fields: no node '" + p + "' below /" + target + " (" + e.what() + ")");
    }
  }
  StrictJson doc = parse_json(answer);
  if (!doc.ok()) throw Error(ErrorCode::kKernel, "unreadable answer: " + doc.error);
  return {200, shape(std::move(doc.value), params).dump()};
}

HttpReply route(Reconciler &rc, RestconfRequest &req);

}  // namespace

HttpReply restconf_error(int status, const std::string &tag, const std::string &message, const std::string &path,
                         const std::string &type) {
  nlohmann::json err = {{"error-type", type}, {"error-tag", tag}, {"error-message", message}};
  if (!path.empty()) err["error-path"] = path;
  // A message may quote the client's bytes (a header, a path, the token a
  // JSON parser stopped at), which need not be UTF-8: print those as U+FFFD
  // rather than throw, here and in the event loop that answers framing errors.
  return {status, nlohmann::json{{"ietf-restconf:errors", {{"error", {err}}}}}.dump(
                      -1, ' ', false, nlohmann::json::error_handler_t::replace)};
}

HttpReply restconf_error_of(const std::exception &e) {
  if (auto *d = dynamic_cast<const DataError *>(&e)) return error_reply(status_of(d->code()), d->tag(), d->what(), d->path());
  if (auto *p = dynamic_cast<const Error *>(&e)) return error_reply(status_of(p->code()), tag_of(p->code()), p->what());
  return error_reply(500, "operation-failed", e.what());
}

HttpReply handle_restconf(Reconciler &rc, RestconfRequest &req) {
  g_requests++;
  // Every refusal, from any layer, becomes one RFC 8040 error body.
  HttpReply r;
  try {
    r = route(rc, req);
  } catch (const std::exception &e) {
    r = restconf_error_of(e);
  }
  if (r.status >= 400) g_errors++;
  return r;
}

namespace {

HttpReply route(Reconciler &rc, RestconfRequest &req) {
  const std::string method = req.method == "HEAD" ? "GET" : req.method;
  const std::string &body = req.body;
  if (req.target == "*") {  // OPTIONS *: what the server takes at all
    if (method != "OPTIONS") return error_reply(400, "invalid-value", "the target * is for OPTIONS");
    HttpReply r{200, ""};
    r.allow = "DELETE, GET, HEAD, OPTIONS, PATCH, POST, PUT";
    return r;
  }
  std::string resource = req.target, query;
  if (auto q = resource.find('?'); q != std::string::npos) {
    query = resource.substr(q + 1);
    resource.resize(q);
  }
  Resource res = classify(rc, resource, method);
  if (method == "OPTIONS") {
    HttpReply r{200, ""};
    r.allow = res.allow;
    return r;
  }
  if (!allows(res.allow, method)) {
    HttpReply r = error_reply(405, "operation-not-supported", "method " + method + " not allowed on " + resource +
                                                                  " (it takes " + res.allow + ")");
    r.allow = res.allow;
    return r;
  }
  // RFC 8040 / RFC 9110: what the answer may be (406) and what the body is (415).
  std::optional<std::string> produced = http::negotiate(req.accept, res.produces);
  if (!produced)
    return error_reply(406, "invalid-value", "the answer would be " + res.produces.front() + ", which Accept '" +
                                                 req.accept + "' excludes");
  if ((method == "POST" || method == "PUT" || method == "PATCH") && !body.empty()) {
    std::string type = http::media_type_of(req.content_type);
    if (type != kYangData && type != "application/json")
      return error_reply(415, "invalid-value",
                         (req.content_type.empty() ? std::string("a body without Content-Type")
                                                   : "Content-Type '" + req.content_type + "'") +
                             " is not supported: send application/yang-data+json");
  }
  // Who writes and why (versions_api.h); confirm-timeout= leaves the query.
  WriteContext ctx = method == "GET" ? WriteContext{} : write_context(req, query);
  // RFC 8040 query parameters (content, depth, fields) shape GET answers.
  QueryParams params = QueryParams::parse(query);
  if (!query.empty() && method != "GET") return error_reply(400, "invalid-value", "query parameters apply to GET only");
  HttpReply r = [&]() -> HttpReply {
    switch (res.kind) {
      case Resource::kOpenApi:
        if (!query.empty()) return error_reply(400, "invalid-value", "/openapi.json takes no query parameters");
        return {200, rc.openapi()};
      case Resource::kMetrics:
        if (!query.empty()) return error_reply(400, "invalid-value", "/metrics takes no query parameters");
        return {200, metrics_text(rc, g_requests, g_errors) + request_metrics_text(), "text/plain; version=0.0.4"};
      case Resource::kYangSource: {
        if (!query.empty()) return error_reply(400, "invalid-value", "module sources take no query parameters");
        std::string text = rc.yang(res.rest);
        if (text.empty()) return error_reply(404, "invalid-value", "no module " + res.rest);
        return {200, std::move(text)};
      }
      case Resource::kOperation: return framework_operation(rc, res.rest, body, ctx);
      case Resource::kYangLibrary:
        if (!query.empty()) return error_reply(400, "invalid-value", "the yang library takes no query parameters");
        return yang_library(rc);
      case Resource::kFramework: {
        if (method == "PATCH") return daemon_patch(body);
        HttpReply got = framework_get(rc, res.rest);
        if (got.status != 200) return got;
        return shaped(rc, std::move(got.body), params, "polycube:" + res.rest);
      }
      case Resource::kAction: return post_action(rc, res.rest, body, ctx);
      default: break;
    }
    const std::string &path = res.rest;
    const std::string root = kDataRoot;
    const std::string &xpath = res.xpath;
    if (method == "GET" && !res.cube.empty() && *produced != kYangData && *produced != "application/json") {
      if (!query.empty()) return error_reply(400, "invalid-value", *produced + " answers take no query parameters");
      return {200, rc.export_as(res.module, res.cube, *produced), *produced};
    }
    if (method == "GET") {
      std::string answer = rc.get(xpath, params.nonconfig_only ? Reconciler::Content::kNonconfig
                                         : params.config_only  ? Reconciler::Content::kConfig
                                                               : Reconciler::Content::kAll);
      return shaped(rc, std::move(answer), params, path);
    }
    if (method == "DELETE") {
      rc.remove(xpath, ctx);
      return {204, ""};
    }
    // An empty body would parse as an empty edit: a "201 Created" that
    // created nothing.
    if (body.find_first_not_of(" \t\r\n") == std::string::npos)
      return error_reply(400, "malformed-message", method + " needs a body");
    nlohmann::json doc = body_json(body);
    if (path.empty()) {  // the datastore root: cubes of any service
      if (method == "POST") {
        if (doc.is_object() && doc.empty()) return error_reply(400, "invalid-value", "POST needs the resource to create");
        for (const auto &[module, name] : instances_in(doc))
          if (rc.exists(module, name))
            return error_reply(409, "data-exists", "cube " + name + " already exists",
                               "/" + module + ":" + module + "[name='" + name + "']");
      }
      rc.merge(body, ctx);
      if (method == "PATCH") return {204, ""};
      HttpReply created{201, ""};
      auto made = instances_in(doc);
      if (!made.empty())
        created.location = root + "/" + made[0].first + ":" + made[0].first + "=" + percent_encode(made[0].second);
      return created;
    }
    // A resource below the root (RFC 8040 4.4-4.6): PATCH merges into it
    // (it must exist), PUT replaces or creates it, POST creates a child of
    // it. The body becomes an edit from the root, keys checked against the URL.
    std::string made;
    nlohmann::json edit = rc.wrap(path, body, method == "POST", &made);
    if (method == "PATCH") {
      if (!rc.exists_at(xpath)) return error_reply(404, "invalid-value", "no data at /" + path, xpath);
      rc.merge(edit.dump(), ctx);
      return {204, ""};
    }
    if (method == "PUT") {
      HttpReply put{rc.replace(xpath, edit.dump(), ctx) ? 201 : 204, ""};
      if (put.status == 201) put.location = root + "/" + path;
      return put;
    }
    if (!rc.exists_at(xpath)) return error_reply(404, "invalid-value", "no data at /" + path, xpath);
    if (rc.exists_at(rc.xpath(made)))
      return error_reply(409, "data-exists", "/" + made + " already exists", rc.xpath(made));
    rc.merge(edit.dump(), ctx);
    HttpReply created{201, ""};
    created.location = root + "/" + made;
    return created;
  }();
  // A 2xx answer in the type negotiated (JSON answers: yang-data+json or
  // plain application/json, the same bytes).
  if (r.status < 300 && !r.body.empty() && r.content_type == kYangData) r.content_type = *produced;
  return r;
}

// Status -> RFC 8040 error-tag for what the transport refuses itself.
std::string transport_tag(int status) {
  switch (status) {
    case 413:
    case 414:
    case 431: return "too-big";
    case 501:
    case 505:
    case 417: return "operation-not-supported";
    case 503: return "resource-denied";
    case 500:
    case 408: return "operation-failed";
    default: return "malformed-message";
  }
}

http::HttpResponse to_http(HttpReply &&r) {
  http::HttpResponse out;
  out.status = r.status;
  if (!r.body.empty()) out.headers.emplace_back("Content-Type", r.content_type);
  if (!r.location.empty()) out.headers.emplace_back("Location", r.location);
  if (!r.allow.empty()) out.headers.emplace_back("Allow", r.allow);
  out.body = std::move(r.body);
  return out;
}

}  // namespace

RestconfServer::RestconfServer(Reconciler &rc, std::vector<std::unique_ptr<http::Listener>> listeners,
                               http::HttpServerOptions options, ServerHooks hooks)
    : rc_(rc), hooks_(std::move(hooks)) {
  auto handler = [this](http::HttpRequest &hr, const http::PeerIdentity &peer) { return handle(hr, peer); };
  auto errors = [](int status, const std::string &message) {
    return to_http(restconf_error(status, transport_tag(status), message, "", "transport"));
  };
  if (hooks_.auth)
    options.check_head = [this](http::HttpRequest &head, const http::PeerIdentity &peer) {
      return check_head(head, peer);
    };
  server_ = std::make_unique<http::HttpServer>(options, handler, errors);
  for (auto &l : listeners) server_->add_listener(std::move(l));
}

RestconfServer::~RestconfServer() { stop(); }

void RestconfServer::start() { server_->start(); }

void RestconfServer::stop() {
  if (server_) server_->stop();
}

uint64_t RestconfServer::version() const {
  // The configuration's version (pcn versions): what an audit line names,
  // so that `pcn diff` and `pcn rollback` take it as it is.
  return rc_.version();
}

namespace {

using Clock = std::chrono::steady_clock;

bool is_write(const std::string &method) {
  return method == "POST" || method == "PUT" || method == "PATCH" || method == "DELETE";
}

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

}  // namespace

// From the head alone: who sent it, and may they? A refusal is audited and
// answered without reading the body.
std::optional<http::HttpResponse> RestconfServer::check_head(http::HttpRequest &head, const http::PeerIdentity &peer) {
  const auto start = Clock::now();
  AuthDecision d = hooks_.auth->decide(head, peer);
  if (d.outcome == AuthDecision::kAllowed) {
    head.principal = std::move(d.principal);
    return std::nullopt;
  }
  const bool unauthenticated = d.outcome != AuthDecision::kDenied;
  http::HttpResponse out =
      to_http(restconf_error(unauthenticated ? 401 : 403, "access-denied", d.reason, "", "protocol"));
  if (unauthenticated)  // RFC 9110 11.6.1, RFC 6750 3
    out.headers.emplace_back("WWW-Authenticate", d.outcome == AuthDecision::kBadCredentials
                                                     ? "Bearer realm=\"polycube\", error=\"invalid_token\""
                                                     : "Bearer realm=\"polycube\"");
  if (hooks_.audit) {
    uint64_t v = version();
    hooks_.audit->record({d.principal.user, d.principal.role, d.principal.via.empty() ? "none" : d.principal.via,
                          peer.display, head.method, head.target, out.status, v, v});
  }
  observe_request(head.method, out.status, seconds_since(start));
  return out;
}

http::HttpResponse RestconfServer::handle(http::HttpRequest &hr, const http::PeerIdentity &peer) {
  const auto start = Clock::now();
  const std::string method = hr.method;
  const std::string path(hr.path());
  const bool write = is_write(method);
  const uint64_t before = write ? version() : 0;
  HttpReply reply;
  if (path == "/healthz" || path == "/readyz") {
    if (method != "GET" && method != "HEAD") {
      reply = restconf_error(405, "operation-not-supported", "method " + method + " not allowed on " + path);
      reply.allow = "GET, HEAD";
    } else if (path == "/healthz" || !hooks_.readiness) {
      reply = healthz();
    } else {
      reply = readyz(rc_, *hooks_.readiness);
    }
  } else if (path == kAuditPath) {
    reply = audit_resource(hooks_.audit, method, std::string(hr.query()));
  } else {
    const bool upstream_layout = is_polycube_v1(path);
    RestconfRequest req;
    req.method = method;
    req.target = std::move(hr.target);
    req.body = std::move(hr.body);
    if (const std::string *ct = hr.header("content-type")) req.content_type = *ct;
    if (const std::string *m = hr.header("x-pcn-message")) req.message = *m;
    req.user = hr.principal.user;  // recorded with the version a write makes
    // Several Accept fields are one list (RFC 9110 5.3).
    for (const auto &h : hr.headers)
      if (h.name == "accept") req.accept += (req.accept.empty() ? "" : ", ") + h.value;
    reply = upstream_layout ? handle_polycube_v1(rc_, req) : handle_restconf(rc_, req);
    hr.target = std::move(req.target);
  }
  if (write && hooks_.audit) {
    const http::Principal &who = hr.principal;
    hooks_.audit->record({who.user.empty() ? "anonymous" : who.user, who.role.empty() ? "admin" : who.role,
                          who.via.empty() ? "none" : who.via, peer.display, method, hr.target, reply.status, before,
                          version()});
  }
  observe_request(method, reply.status, seconds_since(start));
  return to_http(std::move(reply));
}

}  // namespace polycube::daemon
