#include "daemon_api.h"

#include <stdexcept>

#include "polycube/strict_json.h"  // the one JSON parser, shared with the daemon
#include "versions_cmd.h"

using nlohmann::json;

namespace pcn {

json answer_of(const HttpResponse &r) {
  json doc = r.body.empty() ? json() : polycube::parse_json(r.body).value;  // null if it is not JSON
  if (r.status >= 400) {
    std::string msg = "request failed with status " + std::to_string(r.status);
    if (doc.is_object() && doc.contains("ietf-restconf:errors"))
      msg = doc["ietf-restconf:errors"]["error"][0].value("error-message", msg);
    if (r.status == 401) msg += " (pcn --token or PCN_TOKEN)";
    throw std::runtime_error(msg);
  }
  return doc;
}

json DaemonApi::call(const std::string &method, const std::string &path, const std::string &body) const {
  if (method == "GET" || !writes_) return answer_of(http_request(url_, method, path, body));
  return answer_of(http_request(url_, method, write_target(path, *writes_), body, write_headers(*writes_)));
}

HttpResponse DaemonApi::get(const std::string &path,
                            const std::vector<std::pair<std::string, std::string>> &headers) const {
  return http_request(url_, "GET", path, "", headers);
}

// Modules come from the daemon, which serves every one it loaded.
ModuleSource DaemonApi::modules() const {
  return [url = url_](const std::string &name) -> std::optional<std::string> {
    HttpResponse r = http_request(url, "GET", "/restconf/yang/" + name);
    if (r.status != 200) return std::nullopt;
    return r.body;
  };
}

}  // namespace pcn
