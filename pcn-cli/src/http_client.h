// A minimal HTTP/1.1 client for the daemon's loopback API (one request per
// connection; no TLS, no redirects).
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace pcn {

struct HttpResponse {
  int status = 0;
  std::string body;
};

// `base` is "http://host:port" (see daemon_url.h; UsageError if it is not);
// throws std::runtime_error when the daemon cannot be reached.
HttpResponse http_request(const std::string &base, const std::string &method, const std::string &path,
                          const std::string &body = "",
                          const std::vector<std::pair<std::string, std::string>> &headers = {});

}  // namespace pcn
