// GET /metrics: the Prometheus text exposition (format 0.0.4) of the
// port counters of every cube, the cubes per service, and the daemon's
// request counters.
#pragma once

#include <cstdint>
#include <string>

#include "reconciler.h"

namespace polycube::daemon {

std::string metrics_text(Reconciler &rc, uint64_t requests, uint64_t errors);

}  // namespace polycube::daemon
