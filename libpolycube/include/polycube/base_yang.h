// The YANG text of polycube-base, the module every service imports for its
// common leaves (name, type, loglevel, ports / attached-to). Served by the
// daemon at /restconf/yang/polycube-base.
#pragma once

#include <string>

const std::string &polycube_base_yang();
