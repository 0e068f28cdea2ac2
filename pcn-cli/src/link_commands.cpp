#include "link_commands.h"

#include "cli_error.h"
#include "command.h"  // percent_encode

using nlohmann::json;

namespace pcn {

namespace {

const char *kAttachUsage = "pcn attach <cube> <cube:port|netdev> [position=first|last|before:<c>|after:<c> | after=<c> | before=<c>]";

// `pcn connect|disconnect hw1:port1 veth1`: the port's peer leaf.
void link_netdev(const DaemonApi &daemon, const std::string &verb, const std::string &port_ref, const std::string &netdev) {
  auto colon = port_ref.find(':');
  std::string cube = port_ref.substr(0, colon), port = port_ref.substr(colon + 1);
  if (cube.empty() || port.empty()) throw UsageError("'" + port_ref + "' is not <cube:port>");
  std::string service;
  json cubes = daemon.call("GET", "/restconf/data/polycube:cubes");
  for (const auto &c : cubes["polycube:cubes"]["cube"])
    if (c["name"] == cube) service = c["service"];
  if (service.empty()) throw std::runtime_error("no cube " + cube);
  std::string top = service + ":" + service;
  std::string port_path = "/restconf/data/" + top + "=" + percent_encode(cube) + "/ports=" + percent_encode(port);
  json entry = daemon.call("GET", port_path);  // the daemon's message if there is no such port
  std::string current;
  for (auto &[k, v] : entry.items())
    if (v.is_array() && !v.empty()) current = v[0].value("peer", "");
  if (verb == "connect") {
    if (current == netdev) return;
    if (!current.empty()) throw std::runtime_error("port " + port_ref + " is already connected to " + current);
    json body = {{top, {{{"name", cube}, {"ports", {{{"name", port}, {"peer", netdev}}}}}}}};
    daemon.call("PATCH", "/restconf/data/" + top + "=" + percent_encode(cube), body.dump());
    return;
  }
  if (current != netdev) throw std::runtime_error(port_ref + " is not connected to " + netdev);
  daemon.call("DELETE", port_path + "/peer");
}

}  // namespace

bool is_link_command(const std::string &w) { return w == "connect" || w == "disconnect" || w == "attach" || w == "detach"; }

json attach_input(const std::vector<std::string> &w) {
  if (w.size() < 3 || w.size() > 4) throw UsageError(std::string("attach needs: ") + kAttachUsage);
  json in = {{"cube", w[1]}, {"port", w[2]}};
  if (w.size() == 4) {
    const std::string &a = w[3];
    if (a.rfind("position=", 0) == 0) in["position"] = a.substr(9);
    else if (a.rfind("after=", 0) == 0) in["position"] = "after:" + a.substr(6);
    else if (a.rfind("before=", 0) == 0) in["position"] = "before:" + a.substr(7);
    else throw UsageError("unexpected '" + a + "' (expected position=..., after=<cube> or before=<cube>)");
  }
  return in;
}

void run_link_command(const DaemonApi &daemon, const std::vector<std::string> &w) {
  const std::string &verb = w[0];
  auto operation = [&](const json &in) {
    daemon.call("POST", "/restconf/operations/polycube:" + verb, json{{"polycube:input", in}}.dump());
  };
  if (verb == "connect" || verb == "disconnect") {
    if (w.size() != 3) throw UsageError(verb + " needs two ends: pcn " + verb + " <cube:port> <cube:port|netdev>");
    bool port1 = w[1].find(':') != std::string::npos, port2 = w[2].find(':') != std::string::npos;
    if (port1 && port2) return operation({{"peer1", w[1]}, {"peer2", w[2]}});
    if (!port1 && !port2) throw UsageError(verb + ": one end must be a cube port (<cube:port>)");
    return port1 ? link_netdev(daemon, verb, w[1], w[2]) : link_netdev(daemon, verb, w[2], w[1]);
  }
  if (verb == "attach") return operation(attach_input(w));
  if (w.size() != 3) throw UsageError("detach needs: pcn detach <cube> <cube:port|netdev>");
  operation({{"cube", w[1]}, {"port", w[2]}});
}

}  // namespace pcn
