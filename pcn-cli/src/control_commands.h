// pcn's runtime-control words that are not configuration:
//   pcn audit [--since <RFC 3339 time | 30s | 10m | 2h | 7d>] [--user <name>]
#pragma once

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace pcn {

// The request target of `pcn audit <args>`; throws UsageError.
// `now_ms` (milliseconds since the epoch) anchors a relative --since.
std::string audit_target(const std::vector<std::string> &args, long long now_ms);
// The audit answer as table rows (time, user, role, source, method, path,
// status, version).
nlohmann::json audit_rows(const nlohmann::json &answer);
extern const std::vector<std::string> kAuditColumns;

}  // namespace pcn
