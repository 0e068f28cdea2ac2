// The runtime-control resources of the framework module `polycube` that
// are not configuration: the audit log.
//
//   GET  /restconf/data/polycube:audit[?since=<RFC 3339>][&user=<name>]
//        {"polycube:audit":{"entry":[{time,user,role,auth,source,method,
//        path,status,version-before,version-after}, ...]}}, oldest first
#pragma once

#include <functional>
#include <string>

#include "restconf_server.h"

namespace polycube::daemon {

constexpr const char *kAuditPath = "/restconf/data/polycube:audit";

HttpReply audit_resource(const AuditLog *log, const std::string &method, const std::string &query);

}  // namespace polycube::daemon
