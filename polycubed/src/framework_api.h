// The framework module `polycube` over RESTCONF: read-only views of the
// running system (cubes with their ports, stacks and loaded micro-blocks,
// services, netdevs) and the connect / disconnect operations, which go
// through the configuration (both ports' peer leaves) so they persist and
// roll back like any other write.
#pragma once

#include <string>

#include "reconciler.h"
#include "restconf_server.h"

namespace polycube::daemon {

// GET /restconf/data/polycube:<what>
HttpReply framework_get(Reconciler &rc, const std::string &what);
// GET|PATCH /restconf/data/polycube:daemon: the daemon's log level (and
// format, read-only), changeable at run time.
HttpReply daemon_patch(const std::string &body);
void set_log_format_name(const std::string &format);
// GET /restconf/data/ietf-yang-library:yang-library (RFC 8525).
HttpReply yang_library(Reconciler &rc);

// GET /metrics: Prometheus text exposition (per port counters, cubes, and
// the daemon's request counters).
std::string metrics_text(Reconciler &rc, uint64_t requests, uint64_t errors);

// POST /restconf/operations/polycube:<op> with {"polycube:input":{...}}
HttpReply framework_operation(Reconciler &rc, const std::string &op, const std::string &body, const WriteContext &ctx = {});
// Is polycube:<op> one of those operations?
bool is_framework_operation(const std::string &op);

}  // namespace polycube::daemon
