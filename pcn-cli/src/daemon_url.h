// The daemon's address as pcn takes it (--url, $PCN_URL):
//   http://host[:port]     plain HTTP (the default, http://127.0.0.1:9000)
//   https://host[:port]    TLS; the daemon's certificate must verify (--cacert)
//   unix:PATH              polycubed --unix PATH (who you are: your uid)
// with nothing after the authority but an optional '/'. Anything else is
// refused with what is wrong, before any connection is tried.
#pragma once

#include <string>

namespace pcn {

struct DaemonUrl {
  std::string scheme;     // "http", "https" or "unix"
  std::string host;       // name, IPv4, or IPv6 without brackets ("" for unix)
  std::string port;       // digits, 1..65535; 80 / 443 when absent ("" for unix)
  std::string authority;  // host[:port] as written (the Host header; "localhost" for unix)
  std::string socket_path;  // unix: the socket's path
};

// Throws UsageError naming the problem (scheme, path, user info, port).
DaemonUrl parse_daemon_url(const std::string &url);

}  // namespace pcn
