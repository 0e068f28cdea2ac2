// pcn's side of the daemon's API: requests with pcn's credentials and write
// options, answers as JSON or as the daemon's own error message.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "http_client.h"
#include "options.h"
#include "schema.h"

namespace pcn {

// The answer's JSON (null if it is not JSON), or the daemon's RFC 8040
// error-message as a std::runtime_error.
nlohmann::json answer_of(const HttpResponse &r);

class DaemonApi {
 public:
  // `writes`: the options whose --confirm and --message every write
  // carries (null: none). Credentials are set_client_credentials()'s.
  DaemonApi(std::string url, const Options *writes) : url_(std::move(url)), writes_(writes) {}
  // One request; its answer per answer_of().
  nlohmann::json call(const std::string &method, const std::string &path, const std::string &body = "") const;
  // A GET whose answer the caller reads itself (a 404 that means "empty",
  // a capture file).
  HttpResponse get(const std::string &path, const std::vector<std::pair<std::string, std::string>> &headers = {}) const;
  // The YANG modules the daemon loaded, for Schema.
  ModuleSource modules() const;

 private:
  std::string url_;
  const Options *writes_;
};

}  // namespace pcn
