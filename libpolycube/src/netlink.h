// rtnetlink (libnl-route) for the links the runtime owns (its packet-out veth
// pair) and for news of the others (LinkMonitor: a port's peer deleted). No shelling out to ip(8): errors come back as errno values, and the
// runtime works where no ip binary is installed.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

struct nl_sock;

namespace polycube::netlink {

// Creates the veth pair `a` <-> `b` with IPv6 off on both (no autoconfig
// chatter), sets both up and returns once both can transmit (their root
// qdisc is no longer noop). Throws Error(kKernel) naming the step.
void create_veth_pair(const std::string &a, const std::string &b);
// Deletes link `name` (a veth takes its peer with it). Absent is fine.
void delete_link(const std::string &name);
// Names of every link in the caller's network namespace.
std::vector<std::string> link_names();

// A link that appeared (or changed) or went away in the caller's network
// namespace (RTM_NEWLINK / RTM_DELLINK; a link moved to another namespace
// is gone from this one).
struct LinkEvent {
  bool removed = false;
  uint32_t ifindex = 0;
  std::string name;
};

// Subscribed to the kernel's link notifications (RTNLGRP_LINK) from
// construction on: no event after that is missed, except when the socket's
// buffer overflows, which wait() reports as `overflowed` (the caller then
// checks what it holds against the links that exist).
class LinkMonitor {
 public:
  LinkMonitor();
  ~LinkMonitor();
  LinkMonitor(const LinkMonitor &) = delete;
  LinkMonitor &operator=(const LinkMonitor &) = delete;
  // Waits up to `timeout_ms` for notifications; returns those that came, in
  // the kernel's order (none on a timeout).
  std::vector<LinkEvent> wait(int timeout_ms, bool *overflowed);

 private:
  nl_sock *sk_;
};

}  // namespace polycube::netlink
