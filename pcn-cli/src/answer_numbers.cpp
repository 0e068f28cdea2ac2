#include "answer_numbers.h"

#include <libyang/libyang.h>

#include <cerrno>
#include <cstdlib>

#include "command.h"  // strip_prefix
#include "schema.h"

using nlohmann::json;

namespace pcn {

namespace {

void as_number(LY_DATA_TYPE type, json &v) {
  if (!v.is_string()) return;
  const std::string &s = v.get_ref<const std::string &>();
  if (s.empty()) return;
  char *end = nullptr;
  errno = 0;
  if (type == LY_TYPE_UINT64) {
    if (s[0] == '-') return;
    unsigned long long n = std::strtoull(s.c_str(), &end, 10);
    if (errno == 0 && *end == '\0') v = static_cast<uint64_t>(n);
  } else {
    long long n = std::strtoll(s.c_str(), &end, 10);
    if (errno == 0 && *end == '\0') v = static_cast<int64_t>(n);
  }
}

void walk(const Schema &schema, const lysc_node *node, json &v) {
  if (node->nodetype & (LYS_LEAF | LYS_LEAFLIST)) {
    LY_DATA_TYPE t = reinterpret_cast<const lysc_node_leaf *>(node)->type->basetype;
    if (t != LY_TYPE_INT64 && t != LY_TYPE_UINT64) return;
    if (v.is_array())
      for (auto &x : v) as_number(t, x);
    else
      as_number(t, v);
    return;
  }
  if (v.is_array()) {  // a list's entries
    for (auto &e : v) walk(schema, node, e);
    return;
  }
  if (!v.is_object()) return;
  for (auto &[k, x] : v.items())
    if (const lysc_node *c = schema.child(node, strip_prefix(k))) walk(schema, c, x);
}

}  // namespace

void integers_as_numbers(const Schema &schema, const lysc_node *node, json &answer) {
  if (!node || !answer.is_object()) return;
  for (auto &[k, v] : answer.items())
    if (strip_prefix(k) == node->name) walk(schema, node, v);
}

}  // namespace pcn
