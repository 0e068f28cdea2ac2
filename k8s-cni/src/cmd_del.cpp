// DEL: the pod's port, its veth and its address, each step tolerating what
// is already gone, so a second DEL (or a DEL after a failed ADD) succeeds.
// When polycubed does not answer, the local parts are still cleaned up and
// the answer is code 11 so that the runtime retries for the port.
#include <cstdio>

#include "cni_error.h"
#include "commands.h"
#include "delegate.h"
#include "names.h"
#include "netlink.h"
#include "pod_network.h"
#include "trace.h"

namespace pcncni {

std::string cmd_del(const Env &env, const NetConf &conf) {
  const std::string port = pod_port(conf.name, env.container_id, env.ifname);
  std::optional<CniError> daemon_error;
  try {
    RestClient rest(conf.daemon, conf.token);
    PodNetwork(conf, rest).delete_port(port);
    trace("port deleted in polycubed");
  } catch (const CniError &e) {
    if (e.code() != kTryAgainLater) throw;  // the daemon refused: keep everything for a retry
    daemon_error = e;
  }
  Rtnl node;
  node.delete_link(port);  // the pod's end goes with it, if the pod still exists
  trace("veth deleted");
  Ipam(conf, env).del(env.container_id, env.ifname);
  trace("IPAM DEL");
  if (daemon_error) throw *daemon_error;
  return "";
}

}  // namespace pcncni
