// GET /restconf/data/ietf-yang-library:yang-library (RFC 8525): the
// modules the daemon serves (the framework's and every service's), and
// those they only import.
#pragma once

#include "reconciler.h"
#include "restconf_server.h"

namespace polycube::daemon {

HttpReply yang_library(Reconciler &rc);

}  // namespace polycube::daemon
