#include "daemon_url.h"

#include "cli_error.h"

namespace pcn {

DaemonUrl parse_daemon_url(const std::string &url) {
  const std::string scheme = "http://";
  auto bad = [&](const std::string &why) {
    return UsageError("daemon URL '" + url + "': " + why + " (expected http://host[:port], e.g. http://127.0.0.1:9000)");
  };
  if (url.rfind(scheme, 0) != 0) {
    auto colon = url.find("://");
    throw bad(colon == std::string::npos ? "no http:// scheme"
                                         : "scheme '" + url.substr(0, colon) + "' is not supported, only http");
  }
  std::string rest = url.substr(scheme.size());
  auto end = rest.find_first_of("/?#");
  DaemonUrl u;
  u.authority = rest.substr(0, end);
  if (end != std::string::npos) {
    std::string tail = rest.substr(end);
    if (tail != "/") throw bad("'" + tail + "' after the address: the API paths are pcn's own, give no path");
  }
  if (u.authority.find('@') != std::string::npos) throw bad("user info is not supported");
  std::string port;
  if (!u.authority.empty() && u.authority[0] == '[') {  // [v6]:port
    auto close = u.authority.find(']');
    if (close == std::string::npos) throw bad("unterminated '[' in the address");
    u.host = u.authority.substr(1, close - 1);
    std::string after = u.authority.substr(close + 1);
    if (!after.empty() && after[0] != ':') throw bad("'" + after + "' after the IPv6 address");
    if (!after.empty()) port = after.substr(1);
    else port = "80";
  } else {
    auto colon = u.authority.find(':');
    u.host = u.authority.substr(0, colon);
    port = colon == std::string::npos ? "80" : u.authority.substr(colon + 1);
  }
  if (u.host.empty()) throw bad("no host");
  if (port.empty() || port.size() > 5 || port.find_first_not_of("0123456789") != std::string::npos ||
      std::stoul(port) == 0 || std::stoul(port) > 65535)
    throw bad("port '" + port + "' is not a number in 1..65535");
  u.port = port;
  return u;
}

}  // namespace pcn
