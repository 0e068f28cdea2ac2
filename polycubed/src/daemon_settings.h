// GET|PATCH /restconf/data/polycube:daemon: the daemon's log level,
// changeable at run time, and its log format (read-only).
#pragma once

#include <string>

#include "restconf_server.h"

namespace polycube::daemon {

HttpReply daemon_get();
HttpReply daemon_patch(const std::string &body);
// The --log-format the daemon started with, as GET shows it.
void set_log_format_name(const std::string &format);

}  // namespace polycube::daemon
