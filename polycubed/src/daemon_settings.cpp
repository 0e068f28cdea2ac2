#include "daemon_settings.h"

#include <spdlog/spdlog.h>

#include <cctype>
#include <nlohmann/json.hpp>

#include "polycube/strict_json.h"

namespace polycube::daemon {

namespace {

using nlohmann::json;

std::string g_log_format = "text";

std::string level_name(spdlog::level::level_enum l) {
  switch (l) {
    case spdlog::level::trace: return "TRACE";
    case spdlog::level::debug: return "DEBUG";
    case spdlog::level::info: return "INFO";
    case spdlog::level::warn: return "WARN";
    case spdlog::level::err: return "ERR";
    case spdlog::level::critical: return "CRITICAL";
    default: return "OFF";
  }
}

HttpReply error(int status, const std::string &tag, const std::string &msg) { return restconf_error(status, tag, msg); }

}  // namespace

void set_log_format_name(const std::string &format) { g_log_format = format; }

HttpReply daemon_get() {
  json j = {{"polycube:daemon",
             {{"loglevel", level_name(spdlog::default_logger()->level())}, {"log-format", g_log_format}}}};
  return {200, j.dump()};
}

HttpReply daemon_patch(const std::string &body) {
  // The one strict JSON parser (duplicate members and deep nesting refused
  // before anything is built).
  StrictJson parsed = parse_json(body);
  if (!parsed.ok()) return error(400, "malformed-message", "the body is not valid JSON: " + parsed.error);
  const json &doc = parsed.value;
  if (!doc.is_object() || !doc.contains("polycube:daemon") || !doc["polycube:daemon"].is_object())
    return error(400, "invalid-value", "expected {\"polycube:daemon\":{\"loglevel\":...}}");
  const json &d = doc["polycube:daemon"];
  for (const auto &[k, v] : d.items())
    if (k != "loglevel") return error(400, "unknown-element", "polycube:daemon has no writable leaf '" + k + "'");
  if (!d.contains("loglevel") || !d["loglevel"].is_string())
    return error(400, "invalid-value", "loglevel must be one of TRACE DEBUG INFO WARN ERR CRITICAL OFF");
  std::string lower;
  for (char c : d["loglevel"].get<std::string>()) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  auto lvl = spdlog::level::from_str(lower);
  if ((lvl == spdlog::level::off && lower != "off") || lower == "warning" || lower == "error")
    return error(400, "invalid-value", "loglevel must be one of TRACE DEBUG INFO WARN ERR CRITICAL OFF");
  spdlog::default_logger()->set_level(lvl);
  spdlog::info("daemon log level set to {}", level_name(lvl));
  return {204, ""};
}

}  // namespace polycube::daemon
