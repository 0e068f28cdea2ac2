// A minimal HTTP/1.1 client for the daemon's loopback API (one request per
// connection; no TLS, no redirects).
#pragma once

#include <string>

namespace pcn {

struct HttpResponse {
  int status = 0;
  std::string body;
};

// `base` is "http://host:port" (see daemon_url.h; UsageError if it is not);
// throws std::runtime_error when the daemon cannot be reached.
// `accept`: the Accept header, none if empty.
HttpResponse http_request(const std::string &base, const std::string &method, const std::string &path,
                          const std::string &body = "", const std::string &accept = "");

}  // namespace pcn
