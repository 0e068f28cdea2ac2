// systemd's readiness protocol (sd_notify(3)) without libsystemd: one
// datagram to $NOTIFY_SOCKET per state change. No-op when the daemon is
// not run by systemd (the variable is unset).
#pragma once

#include <string>

namespace polycube::daemon {

// `state`: newline-separated assignments, e.g. "READY=1\nSTATUS=listening".
// Returns false if NOTIFY_SOCKET is set but the message could not be sent.
bool sd_notify(const std::string &state);

}  // namespace polycube::daemon
