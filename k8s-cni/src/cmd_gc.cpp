// GC (CNI 1.1): every attachment of this network that is not in
// cni.dev/valid-attachments loses its port, its veth and its address.
// Found three ways, so that a crash at any point of an ADD is covered:
// the bridge's ports (which carry container-id / container-ifname), the
// node's veths (whose alias names the attachment), and the IPAM plugin's
// own GC (or, for a host-local without one, its store).
#include <cstdio>
#include <set>

#include "cni_error.h"
#include "commands.h"
#include "delegate.h"
#include "names.h"
#include "netlink.h"
#include "pod_network.h"

namespace pcncni {

std::string cmd_gc(const Env &env, const NetConf &conf) {
  std::set<std::string> valid_ports;
  for (const auto &a : conf.valid_attachments) valid_ports.insert(pod_port(conf.name, a.container_id, a.ifname));
  RestClient rest(conf.daemon, conf.token);
  rest.connect();
  PodNetwork net(conf, rest);
  Rtnl node;
  Ipam ipam(conf, env);
  std::set<Attachment> released;
  auto release = [&](const Attachment &a, const std::string &port) {
    node.delete_link(port);
    if (released.insert(a).second) ipam.del(a.container_id, a.ifname);
  };
  for (const auto &p : net.ports()) {
    std::string name = p.value("name", ""), id = p.value("container-id", ""), ifname = p.value("container-ifname", "");
    if (id.empty() || valid_ports.count(name)) continue;  // not a pod's port (gw), or alive
    net.delete_port(name);
    release({id, ifname}, name);
  }
  const std::string prefix = kAliasPrefix + conf.name + " ";
  for (const auto &l : node.links()) {
    if (l.alias.rfind(prefix, 0) != 0 || valid_ports.count(l.name)) continue;
    std::string rest_of = l.alias.substr(prefix.size());
    auto sp = rest_of.find(' ');
    if (sp == std::string::npos) continue;
    release({rest_of.substr(0, sp), rest_of.substr(sp + 1)}, l.name);
  }
  ipam.gc(conf.valid_attachments);
  return "";
}

}  // namespace pcncni
