#include "duplicate_entries.h"

#include <libyang/libyang.h>

#include <cstdlib>
#include <string>
#include <unordered_set>

#include "datastore.h"

namespace polycube::daemon {

namespace {

// The identity of a list entry or leaf-list value among its siblings:
// schema node and key values (or the value).
std::string identity(const lyd_node *n) {
  std::string id = std::to_string(reinterpret_cast<uintptr_t>(n->schema)) + "\n";
  if (n->schema->nodetype == LYS_LEAFLIST) return id + lyd_get_value(n);
  for (const lyd_node *k = lyd_child(n); k; k = k->next)
    if (k->schema && lysc_is_key(k->schema)) {
      id += lyd_get_value(k);
      id += '\n';
    }
  return id;
}

void check_siblings(const lyd_node *first) {
  std::unordered_set<std::string> seen;
  for (const lyd_node *n = first; n; n = n->next) {
    if (!n->schema) continue;  // opaque node: libyang reports it
    const bool keyed = (n->schema->nodetype == LYS_LIST && !(n->schema->flags & LYS_KEYLESS)) ||
                       (n->schema->nodetype == LYS_LEAFLIST && (n->schema->flags & LYS_CONFIG_W));
    if (keyed && !seen.insert(identity(n)).second) {
      char *path = lyd_path(n, LYD_PATH_STD, nullptr, 0);
      std::string where = path ? path : n->schema->name;
      std::free(path);
      throw DataError(ErrorCode::kInvalid,
                      "the body names " + where + " twice (one write may name a list entry or value once)", where,
                      "invalid-value");
    }
    if (n->schema->nodetype & (LYS_CONTAINER | LYS_LIST | LYS_RPC | LYS_ACTION | LYS_NOTIF))
      check_siblings(lyd_child(n));
  }
}

}  // namespace

void reject_duplicate_entries(const lyd_node *first) {
  if (!first) return;
  while (first->prev != first && first->prev->next) first = first->prev;  // the first sibling
  check_siblings(first);
}

}  // namespace polycube::daemon
