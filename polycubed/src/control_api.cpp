#include "control_api.h"

#include "audit_log.h"
#include "polycube/strict_json.h"
#include "restconf_path.h"

namespace polycube::daemon {

namespace {

HttpReply bad(const std::string &message) { return restconf_error(400, "invalid-value", message); }

HttpReply not_allowed(const std::string &method, const std::string &allow, const std::string &what) {
  HttpReply r = restconf_error(405, "operation-not-supported",
                               "method " + method + " not allowed on " + what + " (it takes " + allow + ")");
  r.allow = allow;
  return r;
}

}  // namespace

HttpReply audit_resource(const AuditLog *log, const std::string &method, const std::string &query) {
  const std::string allow = "GET, HEAD, OPTIONS";
  if (method == "OPTIONS") {
    HttpReply r{200, ""};
    r.allow = allow;
    return r;
  }
  if (method != "GET" && method != "HEAD") return not_allowed(method, allow, kAuditPath);
  int64_t since = 0;
  std::string user;
  bool seen_since = false, seen_user = false;
  for (size_t start = 0; start < query.size();) {
    size_t amp = query.find('&', start);
    std::string pair = query.substr(start, amp == std::string::npos ? std::string::npos : amp - start);
    start = amp == std::string::npos ? query.size() : amp + 1;
    auto eq = pair.find('=');
    std::string key = pair.substr(0, eq);
    std::string value;
    try {
      value = eq == std::string::npos ? "" : percent_decode(pair.substr(eq + 1));
    } catch (const std::exception &) {
      return bad("query parameter " + key + ": bad percent-encoding");
    }
    if (key == "since") {
      if (seen_since) return bad("query parameter since given twice");
      seen_since = true;
      auto t = parse_rfc3339(value);
      if (!t) return bad("since must be an RFC 3339 date-time such as 2026-12-03T10:00:00Z, not '" + value + "'");
      since = *t;
    } else if (key == "user") {
      if (seen_user) return bad("query parameter user given twice");
      seen_user = true;
      if (value.empty()) return bad("user needs a value");
      user = value;
    } else {
      return bad("the audit log takes the query parameters since and user, not '" + key + "'");
    }
  }
  nlohmann::json entries = log ? log->read(since, user) : nlohmann::json::array();
  nlohmann::json body = {{"polycube:audit", {{"entry", std::move(entries)}}}};
  return {200, body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)};
}

}  // namespace polycube::daemon
