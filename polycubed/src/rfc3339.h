// Wall-clock time as the daemon writes it (versions, audit log): milliseconds
// since the epoch and RFC 3339 text, one implementation for both.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace polycube::daemon {

// Milliseconds since the epoch, now.
int64_t now_ms();
// Milliseconds since the epoch as RFC 3339 UTC with milliseconds.
std::string format_rfc3339(int64_t ms);
// RFC 3339 date-time ("2026-12-03T13:05:01Z", fraction and offset allowed)
// as milliseconds since the epoch; nullopt if it is not one.
std::optional<int64_t> parse_rfc3339(std::string_view text);

}  // namespace polycube::daemon
