// polycubed's command line: every flag, checked strictly (a bad value is
// refused with what is wrong, never read as 0), and the safe-default rules
// for where the API may listen.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "http_server.h"

namespace polycube::daemon {

struct DaemonOptions {
  std::string addr = "127.0.0.1";
  uint16_t port = 9000;
  std::string state_dir = "/var/lib/polycube";
  std::string log_level = "info";
  std::string log_format = "text";
  std::string plugin_dir;  // "" : next to the program
  std::string pin_root;    // "" : polycube::default_pin_root()
  // Remove the data plane a stopped daemon left under pin_root, then exit.
  bool teardown = false;
  http::HttpServerOptions http;
  // Runtime control.
  std::string tokens_file;
  std::string tls_cert, tls_key, tls_client_ca;
  std::string unix_path, unix_group;
  bool insecure = false;
  std::string audit_log;  // "" : <state-dir>/audit.log; "off": none
  uint64_t audit_max_bytes = 16u << 20;
  unsigned audit_keep = 4;
  std::vector<std::string> netdev_allow;
  size_t versions_kept = 100;  // configuration versions kept for rollback
  bool help = false;
};

class UsageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Throws UsageError naming the flag and what is wrong with it.
DaemonOptions parse_daemon_options(const std::vector<std::string> &args);

// The listening rules: without authentication the API is served on
// loopback only; on any other address only with TLS and authentication
// (a tokens file or client certificates), unless --insecure. Returns why
// the options are refused ("" : they are fine).
std::string listen_policy_violation(const DaemonOptions &o);

// Is `addr` (a name or an address) loopback for every address it resolves to?
bool is_loopback_address(const std::string &addr);

const char *daemon_usage();

}  // namespace polycube::daemon
