// pcn's global options, split from the words of the command.
#pragma once

#include <string>
#include <vector>

namespace pcn {

struct Options {
  std::string url;
  std::string token;   // --token, else $PCN_TOKEN: sent as Authorization: Bearer
  std::string cacert;  // --cacert, else $PCN_CACERT: CA certificates that vouch for an https daemon
  // --cert and --key: a TLS client certificate (PEM chain) and its key; the
  // daemon takes its subject as the user (--tls-client-ca). Both or neither.
  std::string cert, key;
  std::string format = "human";  // human | json | yaml
  bool help = false;
  std::string message;   // --message: recorded with the version a write makes
  std::string confirm;   // --confirm SECONDS: a confirmed commit ("" if not)
  std::vector<std::string> words;
};

// `args` without the program name; `env_url` is $PCN_URL, `env_token`
// $PCN_TOKEN, `env_cacert` $PCN_CACERT (each may be null). Throws
// UsageError for an option without its value, and for --cert without
// --key or the reverse.
Options parse_options(const std::vector<std::string> &args, const char *env_url, const char *env_token = nullptr,
                      const char *env_cacert = nullptr);

}  // namespace pcn
