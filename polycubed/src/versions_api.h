// Configuration versions over RESTCONF (polycube.yang): the resource
// polycube:versions, the operations polycube:rollback, confirm,
// cancel-commit, diff and apply, and what a write request says about
// itself (its user, the X-Pcn-Message header, ?confirm-timeout=).
#pragma once

#include <string>

#include "reconciler.h"
#include "restconf_server.h"

namespace polycube::daemon {

// GET /restconf/data/polycube:versions[/version=N]
HttpReply versions_get(Reconciler &rc, const std::string &what);

// POST /restconf/operations/polycube:<op> for the operations above.
bool is_versions_operation(const std::string &op);
HttpReply versions_operation(Reconciler &rc, const std::string &op, const std::string &body, const WriteContext &ctx);

// The write context of a request: its user and message, and
// confirm-timeout=<seconds> taken out of `query` (the rest of the query is
// left for the resource). Throws DataError (400) for a bad value.
WriteContext write_context(const RestconfRequest &req, std::string &query);

}  // namespace polycube::daemon
