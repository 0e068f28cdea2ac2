#include "leaf_value.h"

#include <libyang/libyang.h>

#include <strings.h>

#include <vector>

#include "cli_error.h"

namespace pcn {

namespace {

bool same_ignoring_case(const std::string &a, const char *b) { return strcasecmp(a.c_str(), b) == 0; }

// The enumeration names a type takes, also through a union's members; empty
// if it takes other values too (a union with a string: leave it to libyang).
bool enum_names(const lysc_type *t, std::vector<const char *> &names) {
  if (t->basetype == LY_TYPE_ENUM) {
    auto *e = reinterpret_cast<const lysc_type_enum *>(t);
    LY_ARRAY_COUNT_TYPE i;
    LY_ARRAY_FOR(e->enums, i) names.push_back(e->enums[i].name);
    return true;
  }
  if (t->basetype == LY_TYPE_UNION) {
    auto *u = reinterpret_cast<const lysc_type_union *>(t);
    LY_ARRAY_COUNT_TYPE i;
    LY_ARRAY_FOR(u->types, i) if (!enum_names(u->types[i], names)) return false;
    return true;
  }
  return false;
}

}  // namespace

std::string canonical_value(const lysc_node *leaf, const std::string &name, const std::string &text) {
  if (!leaf || !(leaf->nodetype & (LYS_LEAF | LYS_LEAFLIST))) return text;
  const lysc_type *t = reinterpret_cast<const lysc_node_leaf *>(leaf)->type;
  if (t->basetype == LY_TYPE_BOOL) {
    if (same_ignoring_case(text, "true") || same_ignoring_case(text, "on")) return "true";
    if (same_ignoring_case(text, "false") || same_ignoring_case(text, "off")) return "false";
    throw UsageError("bad value '" + text + "' for '" + name + "' (expected true|false, or ON|OFF)");
  }
  std::vector<const char *> names;
  if (!enum_names(t, names)) return text;
  for (const char *n : names)
    if (text == n) return text;  // exact first: two names may differ only in case
  for (const char *n : names)
    if (same_ignoring_case(text, n)) return n;
  std::string valid;
  for (const char *n : names) valid += (valid.empty() ? "" : "|") + std::string(n);
  throw UsageError("bad value '" + text + "' for '" + name + "' (expected " + valid + ", in any case)");
}

}  // namespace pcn
