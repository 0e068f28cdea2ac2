// API request durations for GET /metrics: one Prometheus histogram,
// polycube_http_request_duration_seconds, labelled by method and status
// code; the time from a complete request to its answer (handler included,
// or the head check for requests refused from their head).
#pragma once

#include <string>

namespace polycube::daemon {

void observe_request(const std::string &method, int status, double seconds);
// The histogram in the text exposition format 0.0.4.
std::string request_metrics_text();

}  // namespace polycube::daemon
