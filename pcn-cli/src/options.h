// pcn's global options, split from the words of the command.
#pragma once

#include <string>
#include <vector>

namespace pcn {

struct Options {
  std::string url;
  std::string format = "human";  // human | json | yaml
  bool help = false;
  std::string message;   // --message: recorded with the version a write makes
  std::string confirm;   // --confirm SECONDS: a confirmed commit ("" if not)
  std::vector<std::string> words;
};

// `args` without the program name; `env_url` is $PCN_URL (or null).
Options parse_options(const std::vector<std::string> &args, const char *env_url);

}  // namespace pcn
