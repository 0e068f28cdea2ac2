#include "daemon_options.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>

#include <chrono>
#include <cstdlib>

namespace polycube::daemon {

const char *daemon_usage() {
  return "usage: polycubed [options]\n"
         "  --addr A             listen address (default 127.0.0.1; anything but loopback needs TLS and\n"
         "                       authentication, or --insecure)\n"
         "  --port P             listen port (default 9000; 0 picks a free one)\n"
         "  --state-dir D        saved configuration and audit log (default /var/lib/polycube; made 0700)\n"
         "  --log-level L        trace|debug|info|warn|err|critical|off (default info)\n"
         "  --log-format F       text|json (default text; json: one object per line)\n"
         "  --plugin-dir D       where service plugins are loaded from (default ../lib/polycube beside this program)\n"
         "  --pin-root D         where the data plane is pinned in bpffs (default $PCN_PIN_ROOT, else\n"
         "                       /sys/fs/bpf/polycube)\n"
         "  --teardown           remove the data plane a stopped polycubed left forwarding (hooks, the\n"
         "                       qdiscs it created, pinned programs and maps) and exit; the saved\n"
         "                       configuration stays. SIGTERM/SIGINT stop the daemon and keep forwarding.\n"
         "runtime control (docs/daemon.md, Security):\n"
         "  --tokens FILE        who may use the API: lines 'sha256:<hex> <user> <role>' (also cert:<CN>,\n"
         "                       uid:<n>); roles viewer, operator, admin; reloaded on SIGHUP\n"
         "  --tls-cert FILE      serve HTTPS with this PEM certificate chain (TLS 1.2+, 1.3 preferred)\n"
         "  --tls-key FILE       its PEM private key\n"
         "  --tls-client-ca FILE ask for client certificates signed by these CAs (user = subject CN)\n"
         "  --unix PATH          also serve on a unix socket (mode 0660); its peers' uid gives their role\n"
         "  --unix-group G       group of that socket (default: the daemon's)\n"
         "  --insecure           allow a non-loopback address without TLS and authentication\n"
         "  --audit-log FILE     audit log (default <state-dir>/audit.log; 'off': none)\n"
         "  --audit-max-bytes N  rotate the audit log at this size (default 16777216)\n"
         "  --audit-keep N       rotated audit files kept (default 4)\n"
         "  --netdev-allow P     netdevs cubes may use as peers or attachment points: fnmatch patterns,\n"
         "                       comma-separated, repeatable (default: any)\n"
         "configuration versions (docs/daemon.md):\n"
         "  --versions-kept N    versions kept for rollback (default 100, 2..1000000)\n"
         "HTTP server:\n"
         "  --http-workers N                  threads that run requests (default 4)\n"
         "  --http-max-connections N          open connections at most (default 10000)\n"
         "  --http-max-connections-per-source N   the same per client address (default 256)\n"
         "  --http-header-timeout S           seconds for a request head to arrive (default 10)\n"
         "  --http-body-timeout S             seconds for a request body to arrive (default 60)\n"
         "  --http-idle-timeout S             seconds an idle keep-alive connection stays open (default 60)\n";
}

namespace {

// A whole non-negative integer in [min, max], or UsageError.
uint64_t integer(const std::string &flag, const std::string &v, uint64_t min, uint64_t max) {
  if (v.empty() || v.size() > 19 || v.find_first_not_of("0123456789") != std::string::npos)
    throw UsageError(flag + " needs a whole number, not '" + v + "'");
  uint64_t n = std::stoull(v);
  if (n < min || n > max)
    throw UsageError(flag + " " + v + " is out of range (" + std::to_string(min) + ".." + std::to_string(max) + ")");
  return n;
}

double positive(const std::string &flag, const std::string &v) {
  char *end = nullptr;
  double n = std::strtod(v.c_str(), &end);
  if (v.empty() || *end != '\0' || !(n > 0) || n > 1e9)
    throw UsageError(flag + " needs a positive number, not '" + v + "'");
  return n;
}

std::string nonempty(const std::string &flag, const std::string &v) {
  if (v.empty()) throw UsageError(flag + " needs a value");
  return v;
}

}  // namespace

DaemonOptions parse_daemon_options(const std::vector<std::string> &args) {
  DaemonOptions o;
  for (size_t i = 0; i < args.size(); i++) {
    const std::string &a = args[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= args.size()) throw UsageError(a + " needs a value");
      return args[++i];
    };
    if (a == "--addr") o.addr = nonempty(a, value());
    else if (a == "--port") o.port = static_cast<uint16_t>(integer(a, value(), 0, 65535));
    else if (a == "--log-level") o.log_level = value();
    else if (a == "--log-format") o.log_format = value();
    else if (a == "--plugin-dir") o.plugin_dir = nonempty(a, value());
    else if (a == "--state-dir") o.state_dir = nonempty(a, value());
    else if (a == "--tokens") o.tokens_file = nonempty(a, value());
    else if (a == "--tls-cert") o.tls_cert = nonempty(a, value());
    else if (a == "--tls-key") o.tls_key = nonempty(a, value());
    else if (a == "--tls-client-ca") o.tls_client_ca = nonempty(a, value());
    else if (a == "--unix") o.unix_path = nonempty(a, value());
    else if (a == "--unix-group") o.unix_group = nonempty(a, value());
    else if (a == "--insecure") o.insecure = true;
    else if (a == "--pin-root") o.pin_root = nonempty(a, value());
    else if (a == "--teardown") o.teardown = true;
    else if (a == "--audit-log") o.audit_log = nonempty(a, value());
    else if (a == "--audit-max-bytes") o.audit_max_bytes = integer(a, value(), 4096, 1ull << 40);
    else if (a == "--audit-keep") o.audit_keep = static_cast<unsigned>(integer(a, value(), 0, 1000));
    else if (a == "--netdev-allow") {
      std::string v = value();
      for (size_t start = 0; start <= v.size();) {
        size_t comma = v.find(',', start);
        std::string p = v.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
        if (p.empty() || p.size() > 64 || p.find_first_of(" \t/") != std::string::npos)
          throw UsageError("--netdev-allow takes comma-separated patterns such as 'veth*,eth1', not '" + v + "'");
        o.netdev_allow.push_back(p);
        if (comma == std::string::npos) break;
        start = comma + 1;
      }
    } else if (a == "-h" || a == "--help") o.help = true;
    else if (a == "--versions-kept") o.versions_kept = integer(a, value(), 2, 1000000);
    else if (a == "--http-workers") o.http.workers = static_cast<unsigned>(integer(a, value(), 1, 256));
    else if (a == "--http-max-connections") o.http.max_connections = integer(a, value(), 1, 10000000);
    else if (a == "--http-max-connections-per-source")
      o.http.max_connections_per_source = integer(a, value(), 1, 10000000);
    else if (a == "--http-header-timeout" || a == "--http-body-timeout" || a == "--http-idle-timeout") {
      auto ms = std::chrono::milliseconds(static_cast<long long>(positive(a, value()) * 1000));
      (a == "--http-header-timeout" ? o.http.header_timeout
       : a == "--http-body-timeout" ? o.http.body_timeout
                                    : o.http.idle_timeout) = ms;
    } else {
      throw UsageError("unknown option '" + a + "'");
    }
  }
  if (o.log_format != "text" && o.log_format != "json")
    throw UsageError("--log-format must be text or json, not '" + o.log_format + "'");
  if (o.tls_cert.empty() != o.tls_key.empty()) throw UsageError("--tls-cert and --tls-key go together");
  if (!o.tls_client_ca.empty() && o.tls_cert.empty())
    throw UsageError("--tls-client-ca needs --tls-cert and --tls-key (client certificates come with TLS)");
  if (!o.unix_group.empty() && o.unix_path.empty()) throw UsageError("--unix-group needs --unix PATH");
  return o;
}

bool is_loopback_address(const std::string &addr) {
  addrinfo hints{}, *res = nullptr;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE;
  if (getaddrinfo(addr.c_str(), nullptr, &hints, &res) != 0 || !res) return false;
  bool loopback = true;
  for (addrinfo *ai = res; ai; ai = ai->ai_next) {
    if (ai->ai_family == AF_INET) {
      auto *in = reinterpret_cast<sockaddr_in *>(ai->ai_addr);
      loopback &= (ntohl(in->sin_addr.s_addr) >> 24) == 127;
    } else if (ai->ai_family == AF_INET6) {
      auto *in6 = reinterpret_cast<sockaddr_in6 *>(ai->ai_addr);
      bool v4_loop = IN6_IS_ADDR_V4MAPPED(&in6->sin6_addr) && in6->sin6_addr.s6_addr[12] == 127;
      loopback &= IN6_IS_ADDR_LOOPBACK(&in6->sin6_addr) || v4_loop;
    } else {
      loopback = false;
    }
  }
  freeaddrinfo(res);
  return loopback;
}

std::string listen_policy_violation(const DaemonOptions &o) {
  if (o.insecure || is_loopback_address(o.addr)) return "";
  const bool tls = !o.tls_cert.empty();
  const bool authentication = !o.tokens_file.empty() || !o.tls_client_ca.empty();
  if (tls && authentication) return "";
  std::string missing = !tls && !authentication ? "TLS (--tls-cert/--tls-key) and authentication (--tokens or --tls-client-ca)"
                        : !tls                  ? "TLS (--tls-cert/--tls-key): tokens would cross the network in clear"
                                                : "authentication (--tokens or --tls-client-ca)";
  return "refusing to listen on " + o.addr + ", which is not a loopback address, without " + missing +
         "; --insecure overrides this";
}

}  // namespace polycube::daemon
