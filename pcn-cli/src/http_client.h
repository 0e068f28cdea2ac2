// A minimal HTTP/1.1 client for the daemon's API: one request per
// connection, over TCP, TLS (https://, the daemon's certificate verified
// against --cacert or the system's CAs, name or address checked) or a unix
// socket (unix:PATH). No redirects.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace pcn {

struct HttpResponse {
  int status = 0;
  std::string body;
};

// What every request carries, set once from the options.
struct ClientCredentials {
  std::string token;   // "" : no Authorization header
  std::string cacert;  // "" : the system's CA store
  std::string cert, key;  // a TLS client certificate and its key ("": none)
};
void set_client_credentials(ClientCredentials credentials);

// `base` is a daemon URL (see daemon_url.h; UsageError if it is not one);
// throws std::runtime_error when the daemon cannot be reached or its TLS
// certificate does not verify.
HttpResponse http_request(const std::string &base, const std::string &method, const std::string &path,
                          const std::string &body = "",
                          const std::vector<std::pair<std::string, std::string>> &headers = {});

}  // namespace pcn
