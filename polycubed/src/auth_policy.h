// Who may do what: three roles and an ordered rule list in the manner of
// NACM (RFC 8341). A request is classified from its method and path alone
// (never its body) into the access operations it needs (read, create,
// update, delete, exec) and the part of the API it touches; the first rule
// that names the role, the part and the operation decides, and what no
// rule permits is denied.
//
//   viewer    reads everything but the audit log
//   operator  also creates, updates and deletes cubes and their contents,
//             runs their actions and the connect/disconnect/attach/detach
//             operations
//   admin     everything: daemon settings (polycube:daemon, the log level),
//             the audit log
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace polycube::daemon {

enum class Role { kViewer, kOperator, kAdmin };
const char *to_string(Role role);
std::optional<Role> role_from_string(std::string_view name);

// NACM access operations (bits).
enum Access : unsigned { kRead = 1, kCreate = 2, kUpdate = 4, kDelete = 8, kExec = 16 };

// The parts of the API the rules name.
enum class ApiPart {
  kPublic,           // /healthz, /readyz: no authentication at all
  kMeta,             // schemas, yang-library, OpenAPI, /metrics, OPTIONS *
  kServiceData,      // /restconf/data (root) and every service module's data and actions
  kFrameworkData,    // polycube:cubes, netdevs, services, topology
  kFrameworkOps,     // /restconf/operations/polycube:connect|disconnect|attach|detach
  kDaemonSettings,   // polycube:daemon (log level) and any other write to polycube:*
  kAudit,            // polycube:audit
};
const char *to_string(ApiPart part);

struct RequestClass {
  ApiPart part;
  unsigned access;  // Access bits the request needs, all of them
};

// `target` is the request target ("/restconf/data/x?y", "*"). Percent-
// encoded module names are decoded first, so that an encoding cannot move
// a request to another part than the one the router will serve.
RequestClass classify_request(std::string_view method, std::string_view target);

// Does `role` hold every access of `rc`? `rule` (if given) receives the
// name of the deciding rule, for the log.
bool permitted(Role role, const RequestClass &rc, std::string *rule = nullptr);

}  // namespace polycube::daemon
