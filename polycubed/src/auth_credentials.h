// The tokens file of `polycubed --tokens FILE`: who may use the API, with
// which role. One credential a line, `#` starts a comment:
//
//   sha256:<hex SHA-256 of the bearer token> <user> <role>
//   cert:<client certificate subject CN> <user> <role>   (<user> is the CN)
//   uid:<unix uid> <user> <role>                         (unix socket peers)
//
// Roles: viewer, operator, admin (auth_policy.h). Only digests are stored,
// so the file never holds a usable token. Reloaded on SIGHUP: a bad file
// is refused as a whole, with the line that is wrong, and the previous
// credentials stay in force.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "auth_policy.h"

namespace polycube::daemon {

struct Identity {
  std::string user;
  Role role = Role::kViewer;
};

struct Credentials {
  std::unordered_map<std::string, Identity> tokens;        // lower-case hex SHA-256 -> identity
  std::unordered_map<std::string, Identity> certificates;  // subject CN -> identity
  std::unordered_map<uid_t, Identity> uids;
  size_t size() const { return tokens.size() + certificates.size() + uids.size(); }
};

// Throws std::runtime_error("<name>:<line>: <what is wrong>").
Credentials parse_credentials(std::string_view text, const std::string &name);
// Reads and parses `path` (throws as above, or when it cannot be read).
Credentials load_credentials(const std::string &path);

// Lower-case hex SHA-256 of `data`.
std::string sha256_hex(std::string_view data);

}  // namespace polycube::daemon
