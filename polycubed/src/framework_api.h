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
// POST /restconf/operations/polycube:<op> with {"polycube:input":{...}}
HttpReply framework_operation(Reconciler &rc, const std::string &op, const std::string &body, const WriteContext &ctx = {});
// Is polycube:<op> one of those operations?
bool is_framework_operation(const std::string &op);

}  // namespace polycube::daemon
