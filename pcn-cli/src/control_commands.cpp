#include "control_commands.h"

#include <cctype>
#include <ctime>

#include "cli_error.h"

namespace pcn {

namespace {

std::string percent_encode(const std::string &s) {
  static const char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~' || c == ':') out += static_cast<char>(c);
    else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

// "30s", "10m", "2h", "7d" before `now_ms`, as RFC 3339 UTC; "" if `v` is
// not such a duration.
std::string relative_time(const std::string &v, long long now_ms) {
  if (v.size() < 2 || v.size() > 9 || v.find_first_not_of("0123456789", 0) != v.size() - 1) return "";
  long long n = std::stoll(v.substr(0, v.size() - 1));
  long long unit = 0;
  switch (v.back()) {
    case 's': unit = 1; break;
    case 'm': unit = 60; break;
    case 'h': unit = 3600; break;
    case 'd': unit = 86400; break;
    default: return "";
  }
  time_t t = static_cast<time_t>(now_ms / 1000 - n * unit);
  struct tm tm {};
  gmtime_r(&t, &tm);
  char buf[32];
  strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

}  // namespace

const std::vector<std::string> kAuditColumns = {"time", "user", "role", "source", "method", "path", "status", "version"};

std::string audit_target(const std::vector<std::string> &args, long long now_ms) {
  std::string query;
  bool since = false, user = false;
  for (size_t i = 0; i < args.size(); i++) {
    const std::string &a = args[i];
    if (a != "--since" && a != "--user") throw UsageError("audit takes --since <time> and --user <name>, not '" + a + "'");
    if (i + 1 >= args.size() || args[i + 1].empty()) throw UsageError(a + " needs a value");
    std::string v = args[++i];
    if (a == "--since") {
      if (since) throw UsageError("--since given twice");
      since = true;
      std::string rel = relative_time(v, now_ms);
      // An absolute time goes as given: the daemon checks RFC 3339.
      query += std::string(query.empty() ? "?" : "&") + "since=" + percent_encode(rel.empty() ? v : rel);
    } else {
      if (user) throw UsageError("--user given twice");
      user = true;
      query += std::string(query.empty() ? "?" : "&") + "user=" + percent_encode(v);
    }
  }
  return "/restconf/data/polycube:audit" + query;
}

nlohmann::json audit_rows(const nlohmann::json &answer) {
  nlohmann::json rows = nlohmann::json::array();
  if (!answer.is_object() || !answer.contains("polycube:audit")) return rows;
  for (const auto &e : answer["polycube:audit"].value("entry", nlohmann::json::array())) {
    if (!e.is_object()) continue;
    auto num = [&](const char *k) { return e.contains(k) ? e[k].dump() : std::string("?"); };
    std::string before = num("version-before"), after = num("version-after");
    rows.push_back({{"time", e.value("time", "")},
                    {"user", e.value("user", "")},
                    {"role", e.value("role", "")},
                    {"source", e.value("source", "")},
                    {"method", e.value("method", "")},
                    {"path", e.value("path", "")},
                    {"status", num("status")},
                    {"version", before == after ? before : before + "->" + after}});
  }
  return rows;
}

}  // namespace pcn
