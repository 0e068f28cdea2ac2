// A value typed on the command line, put in the schema's own spelling
// before libyang types it: polycubectl accepted enumerations in any case
// (`action=forward`, `loglevel=trace`, `type=xdp_skb`) and booleans as
// ON/OFF (`accept-established=ON`), and scripts carry those spellings.
#pragma once

#include <string>

struct lysc_node;

namespace pcn {

// `text` as the leaf's (or leaf-list's) type spells it: an enumeration's
// name matched without regard to case, a boolean from true/false/on/off in
// any case. Other types are left to libyang. An enumeration value that
// matches no name is refused with the names it takes.
std::string canonical_value(const lysc_node *leaf, const std::string &name, const std::string &text);

}  // namespace pcn
