// The daemon's address as pcn takes it (--url, $PCN_URL): http://host[:port]
// with nothing after the authority but an optional '/'. Anything else is
// refused with what is wrong, before any connection is tried.
#pragma once

#include <string>

namespace pcn {

struct DaemonUrl {
  std::string host;       // name, IPv4, or IPv6 without brackets
  std::string port;       // digits, 1..65535; "80" when absent
  std::string authority;  // host[:port] as written (the Host header)
};

// Throws UsageError naming the problem (scheme, path, user info, port).
DaemonUrl parse_daemon_url(const std::string &url);

}  // namespace pcn
