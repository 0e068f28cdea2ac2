// rtnetlink (libnl-route) for the links the runtime owns: its packet-out veth
// pair. No shelling out to ip(8): errors come back as errno values, and the
// runtime works where no ip binary is installed.
#pragma once

#include <string>
#include <vector>

namespace polycube::netlink {

// Creates the veth pair `a` <-> `b` with IPv6 off on both (no autoconfig
// chatter), sets both up and returns once both can transmit (their root
// qdisc is no longer noop). Throws Error(kKernel) naming the step.
void create_veth_pair(const std::string &a, const std::string &b);
// Deletes link `name` (a veth takes its peer with it). Absent is fine.
void delete_link(const std::string &name);
// Names of every link in the caller's network namespace.
std::vector<std::string> link_names();

}  // namespace polycube::netlink
