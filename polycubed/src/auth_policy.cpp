#include "auth_policy.h"

#include <cstdint>

#include "restconf_path.h"

namespace polycube::daemon {

const char *to_string(Role role) {
  switch (role) {
    case Role::kViewer: return "viewer";
    case Role::kOperator: return "operator";
    case Role::kAdmin: return "admin";
  }
  return "viewer";
}

std::optional<Role> role_from_string(std::string_view name) {
  if (name == "viewer") return Role::kViewer;
  if (name == "operator") return Role::kOperator;
  if (name == "admin") return Role::kAdmin;
  return std::nullopt;
}

const char *to_string(ApiPart part) {
  switch (part) {
    case ApiPart::kPublic: return "public";
    case ApiPart::kMeta: return "meta";
    case ApiPart::kServiceData: return "service-data";
    case ApiPart::kFrameworkData: return "framework-data";
    case ApiPart::kFrameworkOps: return "framework-operations";
    case ApiPart::kDaemonSettings: return "daemon-settings";
    case ApiPart::kAudit: return "audit";
  }
  return "meta";
}

namespace {

unsigned access_of(std::string_view method, bool operation) {
  if (method == "GET" || method == "HEAD" || method == "OPTIONS") return kRead;
  if (operation) return kExec;
  // POST below a data resource creates a child or runs an action: the
  // rules grant create and exec together, so create stands for both.
  if (method == "POST") return kCreate;
  if (method == "PUT" || method == "PATCH") return kCreate | kUpdate;  // a merge may create
  if (method == "DELETE") return kDelete;
  return kUpdate;  // a method the API does not take: nobody but an admin learns more (405)
}

std::string decoded(std::string_view s) {
  try {
    return percent_decode(std::string(s));
  } catch (const std::exception &) {
    return std::string(s);  // the router refuses it (400); classified as written
  }
}

// One rule of the list: roles (bits of Role), part (or every part),
// access operations, permit or deny.
struct Rule {
  const char *name;
  unsigned roles;
  bool any_part;
  ApiPart part;
  unsigned access;
  bool permit;
};

constexpr unsigned role_bit(Role r) { return 1u << static_cast<unsigned>(r); }
constexpr unsigned kEveryRole = role_bit(Role::kViewer) | role_bit(Role::kOperator) | role_bit(Role::kAdmin);
constexpr unsigned kEveryAccess = kRead | kCreate | kUpdate | kDelete | kExec;

// In order; the first rule that matches role, part and operation decides.
const Rule kRules[] = {
    {"admin-permits-all", role_bit(Role::kAdmin), true, ApiPart::kMeta, kEveryAccess, true},
    {"audit-log-is-admin-only", kEveryRole, false, ApiPart::kAudit, kEveryAccess, false},
    {"everyone-reads", kEveryRole, true, ApiPart::kMeta, kRead, true},
    {"operator-writes-service-data", role_bit(Role::kOperator), false, ApiPart::kServiceData,
     kCreate | kUpdate | kDelete | kExec, true},
    {"operator-runs-framework-operations", role_bit(Role::kOperator), false, ApiPart::kFrameworkOps, kExec, true},
};

}  // namespace

RequestClass classify_request(std::string_view method, std::string_view target) {
  std::string_view path = target.substr(0, target.find('?'));
  const std::string_view data = "/restconf/data", ops = "/restconf/operations/";
  if (path == "/healthz" || path == "/readyz") return {ApiPart::kPublic, kRead};
  const std::string_view v1 = "/polycube/v1/";  // upstream's layout (polycube_v1.h): the parts it aliases
  if (path.substr(0, v1.size()) == v1) {
    std::string_view rest = path.substr(v1.size());
    while (!rest.empty() && rest.front() == '/') rest.remove_prefix(1);  // the router skips empty segments too
    std::string first = decoded(rest.substr(0, rest.find('/')));
    if (first == "metrics") return {ApiPart::kMeta, access_of(method, false)};
    if (first == "connect" || first == "disconnect" || first == "attach" || first == "detach")
      return {ApiPart::kFrameworkOps, access_of(method, true)};
    unsigned access = access_of(method, false);
    if (first == "cubes" || first == "services" || first == "netdevs" || first == "topology")
      return {access == kRead ? ApiPart::kFrameworkData : ApiPart::kDaemonSettings, access};
    return {ApiPart::kServiceData, access};
  }
  if (path.substr(0, ops.size()) == ops) {
    return {ApiPart::kFrameworkOps, access_of(method, true)};
  }
  if (path.substr(0, data.size()) == data && (path.size() == data.size() || path[data.size()] == '/')) {
    std::string_view rest = path.substr(data.size());
    while (!rest.empty() && rest.front() == '/') rest.remove_prefix(1);
    if (rest.empty()) return {ApiPart::kServiceData, access_of(method, false)};
    std::string first = decoded(rest.substr(0, rest.find('/')));
    std::string module = first.substr(0, first.find(':'));
    std::string node = first.find(':') == std::string::npos ? "" : first.substr(first.find(':') + 1);
    node = node.substr(0, node.find('='));
    unsigned access = access_of(method, false);
    if (module == "polycube") {
      if (node == "audit") return {ApiPart::kAudit, access};
      if (node == "daemon" || access != kRead) return {ApiPart::kDaemonSettings, access};
      return {ApiPart::kFrameworkData, access};
    }
    if (module == "ietf-yang-library") return {ApiPart::kMeta, access};
    return {ApiPart::kServiceData, access};
  }
  return {ApiPart::kMeta, access_of(method, false)};
}

bool permitted(Role role, const RequestClass &rc, std::string *rule) {
  if (rc.part == ApiPart::kPublic) {
    if (rule) *rule = "public";
    return true;
  }
  for (unsigned op = 1; op <= kExec; op <<= 1) {
    if (!(rc.access & op)) continue;
    const Rule *decided = nullptr;
    for (const Rule &r : kRules)
      if ((r.roles & role_bit(role)) && (r.any_part || r.part == rc.part) && (r.access & op)) {
        decided = &r;
        break;
      }
    if (!decided || !decided->permit) {
      if (rule) *rule = decided ? decided->name : "default-deny";
      return false;
    }
    if (rule) *rule = decided->name;
  }
  return true;
}

}  // namespace polycube::daemon
