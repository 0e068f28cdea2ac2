#include "daemon_url.h"

#include "cli_error.h"

namespace pcn {

DaemonUrl parse_daemon_url(const std::string &url) {
  auto bad = [&](const std::string &why) {
    return UsageError("daemon URL '" + url + "': " + why +
                      " (expected http://host[:port], https://host[:port] or unix:PATH, e.g. http://127.0.0.1:9000)");
  };
  DaemonUrl u;
  if (url.rfind("unix:", 0) == 0) {
    std::string path = url.substr(5);
    if (path.rfind("//", 0) == 0) path = path.substr(2);  // unix:///run/x.sock
    if (path.empty() || path[0] != '/') throw bad("a unix socket needs an absolute path");
    if (path.size() > 107) throw bad("the socket path is longer than 107 bytes");
    if (path.find('\0') != std::string::npos) throw bad("the socket path holds a NUL byte");
    u.scheme = "unix";
    u.socket_path = path;
    u.authority = "localhost";
    return u;
  }
  auto sep = url.find("://");
  if (sep == std::string::npos) throw bad("no http://, https:// or unix: scheme");
  u.scheme = url.substr(0, sep);
  if (u.scheme != "http" && u.scheme != "https")
    throw bad("scheme '" + u.scheme + "' is not supported, only http, https and unix");
  std::string rest = url.substr(sep + 3);
  auto end = rest.find_first_of("/?#");
  u.authority = rest.substr(0, end);
  if (end != std::string::npos) {
    std::string tail = rest.substr(end);
    if (tail != "/") throw bad("'" + tail + "' after the address: the API paths are pcn's own, give no path");
  }
  if (u.authority.find('@') != std::string::npos) throw bad("user info is not supported");
  const std::string default_port = u.scheme == "https" ? "443" : "80";
  std::string port;
  if (!u.authority.empty() && u.authority[0] == '[') {  // [v6]:port
    auto close = u.authority.find(']');
    if (close == std::string::npos) throw bad("unterminated '[' in the address");
    u.host = u.authority.substr(1, close - 1);
    std::string after = u.authority.substr(close + 1);
    if (!after.empty() && after[0] != ':') throw bad("'" + after + "' after the IPv6 address");
    port = after.empty() ? default_port : after.substr(1);
  } else {
    auto colon = u.authority.find(':');
    u.host = u.authority.substr(0, colon);
    port = colon == std::string::npos ? default_port : u.authority.substr(colon + 1);
  }
  if (u.host.empty()) throw bad("no host");
  if (port.empty() || port.size() > 5 || port.find_first_not_of("0123456789") != std::string::npos ||
      std::stoul(port) == 0 || std::stoul(port) > 65535)
    throw bad("port '" + port + "' is not a number in 1..65535");
  u.port = port;
  return u;
}

}  // namespace pcn
