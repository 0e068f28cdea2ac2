// Polycube's REST layout as aliases of the RESTCONF resources, so clients
// written for upstream polycubed (polycubectl, scripts with curl) keep
// working. RESTCONF stays the reference: each alias request is rewritten
// into one RESTCONF request, answered by the same code (same validation,
// same errors), and a GET's answer is unwrapped to upstream's shape.
//
//   /polycube/v1/<service>/<cube>/<path...>   /polycube/v1/<cube>/<path...>
//       a list is followed by its keys (ports/p1), as upstream spells it:
//       GET    -> GET    /restconf/data/<svc>:<svc>=<cube>/ports=p1   (answer: the entry itself)
//       POST   -> POST   to the parent, the body wrapped as the new child (create)
//                 POST   an action: the body is its input
//       PATCH, PUT -> the same verb on the resource, the body wrapped
//       DELETE -> DELETE
//   /polycube/v1/<service>                      GET: the service's cubes
//   /polycube/v1/cubes|services|netdevs|topology  GET: polycube:<that>
//   /polycube/v1/connect|disconnect|attach|detach POST: the operation (body: its input)
//   /polycube/v1/metrics                        GET: /metrics
//
// docs/daemon.md has the table.
#pragma once

#include <string>

#include "reconciler.h"
#include "restconf_server.h"

namespace polycube::daemon {

constexpr const char *kPolycubeV1 = "/polycube/v1";

bool is_polycube_v1(const std::string &path);  // the path part of a request target

// Answers `request` (whose target is below /polycube/v1) through
// handle_restconf.
HttpReply handle_polycube_v1(Reconciler &rc, RestconfRequest &request);

}  // namespace polycube::daemon
