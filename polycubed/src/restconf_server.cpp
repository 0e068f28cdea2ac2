#include "restconf_server.h"

#include "framework_api.h"
#include "query_params.h"
#include "restconf_path.h"

#include <pistache/endpoint.h>

#include <atomic>
#include <optional>
#include <pistache/http.h>
#include <spdlog/spdlog.h>

#include <nlohmann/json.hpp>

namespace polycube::daemon {

namespace {

constexpr const char *kDataRoot = "/restconf/data";
// Bodies over kMaxBody get an RFC 8040 413 from us; Pistache reads up to
// 4x that (and answers beyond it itself, in plain text) so the connection
// stays in step for the sizes a client is likely to send by mistake.
constexpr size_t kMaxBody = 16u << 20;

int status_of(ErrorCode code) {
  switch (code) {
    case ErrorCode::kInvalid:
    case ErrorCode::kUnsupported: return 400;
    case ErrorCode::kNotFound: return 404;
    case ErrorCode::kExists:
    case ErrorCode::kInUse: return 409;
    case ErrorCode::kKernel: return 500;
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
  }
  return "operation-failed";
}

HttpReply error_reply(int status, const std::string &tag, const std::string &message, const std::string &path = "") {
  nlohmann::json err = {{"error-type", "application"}, {"error-tag", tag}, {"error-message", message}};
  if (!path.empty()) err["error-path"] = path;
  return {status, nlohmann::json{{"ietf-restconf:errors", {{"error", {err}}}}}.dump()};
}

// Top-level cube instances named in a body: (module, name).
std::vector<std::pair<std::string, std::string>> instances_in(const std::string &body) {
  std::vector<std::pair<std::string, std::string>> out;
  auto doc = nlohmann::json::parse(body, nullptr, false);
  if (!doc.is_object()) return out;
  for (auto &[qname, list] : doc.items()) {
    if (!list.is_array()) continue;
    for (const auto &inst : list)
      if (inst.is_object() && inst.contains("name") && inst["name"].is_string())
        out.emplace_back(qname.substr(0, qname.find(':')), inst["name"].get<std::string>());
  }
  return out;
}

}  // namespace

namespace {
std::atomic<uint64_t> g_requests{0}, g_errors{0};

// POST <module>:<list>=<name>/<path to action> with {"<module>:input":{...}}.
HttpReply post_action(Reconciler &rc, const std::string &path, const std::string &body) {
  auto slash = path.find('/');
  std::string first = path.substr(0, slash);
  auto colon = first.find(':'), eq = first.find('=');
  if (slash == std::string::npos || colon == std::string::npos || eq == std::string::npos || eq < colon)
    return error_reply(405, "operation-not-supported", "POST below " + std::string(kDataRoot) +
                                                           " runs a YANG action: <module>:<list>=<name>/<action path>");
  std::string module = first.substr(0, colon);
  nlohmann::json input = nlohmann::json::object();
  if (!body.empty()) {
    auto doc = nlohmann::json::parse(body, nullptr, false);
    if (!doc.is_object()) return error_reply(400, "invalid-value", "action input is not JSON");
    if (doc.size() != 1 || !doc.contains(module + ":input") || !doc[module + ":input"].is_object())
      return error_reply(400, "invalid-value", "action input must be {\"" + module + ":input\":{...}}");
    input = doc[module + ":input"];
  }
  nlohmann::json output = rc.action(module, percent_decode(first.substr(eq + 1)), path.substr(slash + 1), input);
  if (output.is_null()) return {204, ""};
  return {200, nlohmann::json{{module + ":output", output}}.dump()};
}

HttpReply route(Reconciler &rc, const std::string &method, const std::string &resource, const std::string &body);

}  // namespace

HttpReply handle_restconf(Reconciler &rc, const std::string &method, const std::string &resource,
                          const std::string &body) {
  g_requests++;
  // Every refusal, from any layer, becomes one RFC 8040 error body.
  HttpReply r;
  try {
    r = route(rc, method, resource, body);
  } catch (const DataError &e) {
    r = error_reply(status_of(e.code()), e.tag(), e.what(), e.path());
  } catch (const Error &e) {
    r = error_reply(status_of(e.code()), tag_of(e.code()), e.what());
  } catch (const std::exception &e) {
    r = error_reply(500, "operation-failed", e.what());
  }
  if (r.status >= 400) g_errors++;
  return r;
}

namespace {

HttpReply route(Reconciler &rc, const std::string &method, const std::string &target, const std::string &body) {
  // RFC 8040 query parameters (content, depth, fields) shape GET answers.
  std::string resource = target, query;
  if (auto q = target.find('?'); q != std::string::npos) {
    resource = target.substr(0, q);
    query = target.substr(q + 1);
  }
  QueryParams params = QueryParams::parse(query);
  if (!query.empty() && method != "GET")
    return error_reply(400, "invalid-value", "query parameters apply to GET only");
  bool config_only = params.config_only;
  if (resource == "/openapi.json") {
    if (method != "GET") return error_reply(405, "operation-not-supported", "the OpenAPI document takes GET");
    return {200, rc.openapi(), "application/json"};
  }
  if (resource == "/metrics") {
    if (method != "GET") return error_reply(405, "operation-not-supported", "metrics take GET");
    return {200, metrics_text(rc, g_requests, g_errors), "text/plain; version=0.0.4"};
  }
  const std::string ops = "/restconf/operations/polycube:";
  if (resource.rfind(ops, 0) == 0) {
    if (method != "POST") return error_reply(405, "operation-not-supported", "operations take POST");
    return framework_operation(rc, resource.substr(ops.size()), body);
  }
  // Module sources, for clients that type their input from the schema
  // (pcn): /restconf/yang/<module>.
  const std::string yang = "/restconf/yang/";
  if (resource.rfind(yang, 0) == 0 && method == "GET") {
    std::string text = rc.yang(resource.substr(yang.size()));
    if (text.empty()) return error_reply(404, "invalid-value", "no module " + resource.substr(yang.size()));
    return {200, text};
  }
  const std::string fw = std::string(kDataRoot) + "/polycube:";
  if (resource == std::string(kDataRoot) + "/ietf-yang-library:yang-library") {
    if (method != "GET") return error_reply(405, "operation-not-supported", "the yang library is read-only");
    return yang_library(rc);
  }
  if (resource == fw + "daemon" && method == "PATCH") return daemon_patch(body);
  if (resource.rfind(fw, 0) == 0) {
    if (method != "GET")
      return error_reply(405, "operation-not-supported",
                         "the polycube module is read-only (but polycube:daemon takes PATCH; use the operations)");
    return framework_get(rc, resource.substr(fw.size()));
  }
  std::string root = kDataRoot;
  if (resource.compare(0, root.size(), root) != 0 || (resource.size() > root.size() && resource[root.size()] != '/'))
    return error_reply(404, "invalid-value", "no resource " + resource);
  std::string path = resource.size() > root.size() + 1 ? resource.substr(root.size() + 1) : "";
  while (!path.empty() && path.back() == '/') path.pop_back();
  if (method == "POST" && !path.empty() && rc.is_action(path)) return post_action(rc, path, body);
  std::string xpath;
  try {
    xpath = path.empty() ? "" : rc.xpath(path);
  } catch (const DataError &e) {
    // POST to a name the schema does not have: no such action or resource.
    if (method == "POST") return error_reply(404, "invalid-value", "no action or resource /" + path);
    throw;
  }
  if (method == "GET") {
    std::string answer = rc.get(xpath, params.nonconfig_only ? Reconciler::Content::kNonconfig
                                       : config_only        ? Reconciler::Content::kConfig
                                                            : Reconciler::Content::kAll);
    if (params.depth == 0 && params.fields.empty()) return {200, answer};
    return {200, shape(nlohmann::json::parse(answer), params).dump()};
  }
  if (method == "DELETE") {
    if (xpath.empty()) return error_reply(405, "operation-not-supported", "DELETE needs a data path");
    rc.remove(xpath);
    return {204, ""};
  }
  if (method != "POST" && method != "PATCH" && method != "PUT")
    return error_reply(405, "operation-not-supported", "method " + method + " not allowed");
  // An empty body would parse as an empty edit: a "201 Created" that
  // created nothing.
  if (body.find_first_not_of(" \t\r\n") == std::string::npos)
    return error_reply(400, "malformed-message", method + " needs a body");
  if (nlohmann::json::parse(body, nullptr, false).is_discarded())
    return error_reply(400, "malformed-message", "the body is not JSON");
  if (path.empty()) {  // the datastore root: cubes of any service
    if (method == "PUT")
      return error_reply(405, "operation-not-supported", "PUT replaces one resource; name it in the URL");
    if (method == "POST") {
      auto doc = nlohmann::json::parse(body);
      if (doc.is_object() && doc.empty()) return error_reply(400, "invalid-value", "POST needs the resource to create");
      for (const auto &[module, name] : instances_in(body))
        if (rc.exists(module, name))
          return error_reply(409, "data-exists", "cube " + name + " already exists",
                             "/" + module + ":" + module + "[name='" + name + "']");
    }
    rc.merge(body);
    if (method == "PATCH") return {204, ""};
    HttpReply created{201, ""};
    auto made = instances_in(body);
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
    rc.merge(edit.dump());
    return {204, ""};
  }
  if (method == "PUT") {
    HttpReply r{rc.replace(xpath, edit.dump()) ? 201 : 204, ""};
    if (r.status == 201) r.location = root + "/" + path;
    return r;
  }
  if (!rc.exists_at(xpath)) return error_reply(404, "invalid-value", "no data at /" + path, xpath);
  if (rc.exists_at(rc.xpath(made)))
    return error_reply(409, "data-exists", "/" + made + " already exists", rc.xpath(made));
  rc.merge(edit.dump());
  HttpReply created{201, ""};
  created.location = root + "/" + made;
  return created;
}

}  // namespace

namespace {

class Handler : public Pistache::Http::Handler {
 public:
  HTTP_PROTOTYPE(Handler)
  explicit Handler(Reconciler &rc) : rc_(rc) {}
  void onRequest(const Pistache::Http::Request &req, Pistache::Http::ResponseWriter response) override {
    std::string resource = req.resource(), query = req.query().as_str();  // as_str(): "?k=v&..." or ""
    if (!query.empty()) resource += query[0] == '?' ? query : "?" + query;
    HttpReply r = req.body().size() > kMaxBody
                      ? error_reply(413, "too-big", "request body over " + std::to_string(kMaxBody >> 20) + " MiB")
                      : handle_restconf(rc_, Pistache::Http::methodString(req.method()), resource, req.body());
    if (!r.body.empty())
      response.headers().add<Pistache::Http::Header::ContentType>(r.content_type);
    if (!r.location.empty()) response.headers().add<Pistache::Http::Header::Location>(r.location);
    response.send(static_cast<Pistache::Http::Code>(r.status), r.body);
  }

 private:
  Reconciler &rc_;
};

}  // namespace

RestconfServer::RestconfServer(Reconciler &rc, const std::string &addr, uint16_t port, int threads) : rc_(rc) {
  endpoint_ = std::make_unique<Pistache::Http::Endpoint>(Pistache::Address(addr, Pistache::Port(port)));
  endpoint_->init(Pistache::Http::Endpoint::options()
                      .threads(threads)
                      .flags(Pistache::Tcp::Options::ReuseAddr)
                      .maxRequestSize(4 * kMaxBody));
  endpoint_->setHandler(Pistache::Http::make_handler<Handler>(rc_));
}

RestconfServer::~RestconfServer() { stop(); }

void RestconfServer::start() { endpoint_->serveThreaded(); }

uint16_t RestconfServer::port() const { return static_cast<uint16_t>(endpoint_->getPort()); }

void RestconfServer::stop() {
  if (endpoint_) {
    endpoint_->shutdown();
    endpoint_.reset();
  }
}

}  // namespace polycube::daemon
