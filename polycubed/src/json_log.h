// --log-format json: one JSON object per log line (time, level, logger,
// msg), for log shippers. The logger is "polycubed" or the cube's name.
#pragma once

#include <memory>

#include <spdlog/formatter.h>

namespace polycube::daemon {

std::unique_ptr<spdlog::formatter> make_json_formatter();

}  // namespace polycube::daemon
