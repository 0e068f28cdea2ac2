// What pcn learns by walking a service's compiled schema for its output:
// the column order of every list's table, and the context help that `?`
// and --help print.
#pragma once

#include <string>

#include "printers.h"

struct lysc_node;

namespace pcn {

// Records in `order` the column order of every list at or below `node`
// (its leaves in schema order, keys first).
void learn_columns(const lysc_node *node, ColumnOrder &order);

// `pcn br1 fdb ?`: the verbs at `where` and each child with its type and
// description. `list_unselected`: `node` is a whole list, not one entry.
std::string help_text(const lysc_node *node, const std::string &where, bool list_unselected);

// `pcn br1 fdb flush ?`: the action `action` at `where` and its input.
std::string action_help_text(const lysc_node *action, const std::string &where);

}  // namespace pcn
