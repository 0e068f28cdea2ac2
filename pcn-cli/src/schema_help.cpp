#include "schema_help.h"

#include <libyang/libyang.h>

#include "schema.h"

namespace pcn {

namespace {

// "    name             type                           description"
std::string padded(const std::string &s, size_t width) { return s.size() >= width ? s : s + std::string(width - s.size(), ' '); }

std::string child_line(const char *name, const std::string &type, const char *dsc) {
  return "    " + padded(name, 16) + " " + padded(type, 30) + " " + (dsc ? dsc : "") + "\n";
}

}  // namespace

void learn_columns(const lysc_node *node, ColumnOrder &order) {
  for (const lysc_node *c = node; c; c = c->next) {
    if (c->nodetype == LYS_LIST) {
      auto &cols = order[c->name];
      if (cols.empty())
        for (const lysc_node *x = lysc_node_child(c); x; x = x->next)
          if (x->nodetype & (LYS_LEAF | LYS_LEAFLIST)) cols.push_back(x->name);
    }
    if (c->nodetype & (LYS_LIST | LYS_CONTAINER)) learn_columns(lysc_node_child(c), order);
  }
}

std::string help_text(const lysc_node *node, const std::string &where, bool list_unselected) {
  std::string out = where + "\n";
  if (list_unselected) {
    std::string keys = keys_usage(node);
    out += "  verbs: add " + keys + " [k=v ...] | del " + keys + " | show | " + keys + " ...\n";
  } else {
    out += std::string("  verbs: show | set k=v ...") + (where.find(' ') == std::string::npos ? "" : " | del") + "\n";
  }
  out += "  what can follow:\n";
  for (const lysc_node *c = lysc_node_child(node); c; c = c->next) {
    if (lysc_is_key(c)) continue;
    out += child_line(c->name, type_name(c), c->dsc);
  }
  for (const lysc_node_action *a = lysc_node_actions(node); a; a = reinterpret_cast<const lysc_node_action *>(a->next))
    out += child_line(a->name, "action", a->dsc);
  return out;
}

std::string action_help_text(const lysc_node *node, const std::string &where) {
  auto *action = reinterpret_cast<const lysc_node_action *>(node);
  std::string out = where + " " + action->name + ": " + (action->dsc ? action->dsc : "YANG action") + "\n  input:" +
                    (action->input.child ? "" : " none") + "\n";
  for (const lysc_node *in = action->input.child; in; in = in->next) out += child_line(in->name, type_name(in), in->dsc);
  return out;
}

}  // namespace pcn
