// pcn's bash completion: the script `pcn completion bash` prints, and the
// candidates `pcn __complete <words...> <partial>` answers it with, from the
// daemon (services, cubes, ports) and the schema (children, verbs, leaves,
// enum values, actions).
#pragma once

#include <set>
#include <string>
#include <vector>

#include "daemon_api.h"

namespace pcn {

// The first words that are pcn's own, not a service's or a cube's.
extern const std::vector<std::string> kFrameworkWords;

extern const char *const kBashCompletion;

// The candidates for the last of `words` (a partial word, maybe ""), given
// the words before it.
std::set<std::string> completions(const DaemonApi &daemon, std::vector<std::string> words);

}  // namespace pcn
