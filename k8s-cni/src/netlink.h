// The kernel side of an attachment, over rtnetlink (libnl-route): veth
// pairs, addresses, routes, MTU, link state, in the node's namespace or in
// a pod's. One Rtnl is one netlink socket bound to the namespace it was
// opened in; a pod's socket is opened by entering that namespace for the
// duration of socket() only, so the plugin never runs "inside" the pod.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "ipv4.h"

struct nl_sock;

namespace pcncni {

// An open network namespace (fd), closed on destruction.
class Netns {
 public:
  // Throws CniError: kUnknownContainer when `path` is missing,
  // kInvalidEnvironment when it is not a network namespace.
  static Netns open(const std::string &path);
  static Netns current();
  Netns(Netns &&o) noexcept : fd_(o.fd_) { o.fd_ = -1; }
  Netns &operator=(Netns &&o) = delete;
  ~Netns();
  int fd() const { return fd_; }

 private:
  explicit Netns(int fd) : fd_(fd) {}
  int fd_;
};

struct LinkInfo {
  std::string name, mac, alias, kind;
  int ifindex = 0;
  unsigned mtu = 0;
  bool up = false;
};

struct RouteInfo {
  Ipv4Prefix dst;
  std::optional<uint32_t> gw;
  int ifindex = 0;
};

class Rtnl {
 public:
  // A socket in the caller's namespace, or in `ns` when given.
  explicit Rtnl(const Netns *ns = nullptr);
  ~Rtnl();
  Rtnl(const Rtnl &) = delete;
  Rtnl &operator=(const Rtnl &) = delete;

  std::optional<LinkInfo> link(const std::string &name);
  std::vector<LinkInfo> links();
  // A veth pair `name` <-> `peer`, both with `mtu`; the peer is created
  // directly in `peer_ns` (no temporary name in the node's namespace).
  // Throws CniError(kInterfaceExists) on EEXIST (either name).
  void create_veth(const std::string &name, const std::string &peer, const Netns &peer_ns, unsigned mtu);
  void set_up(const std::string &name);
  void set_alias(const std::string &name, const std::string &alias);
  // true if it existed.
  bool delete_link(const std::string &name);
  void add_address(int ifindex, const Ipv4Prefix &p);
  std::vector<Ipv4Prefix> addresses(int ifindex);
  // Replaces an existing route to the same destination.
  void replace_route(const Ipv4Prefix &dst, std::optional<uint32_t> gw, int ifindex);
  std::vector<RouteInfo> routes(int ifindex);

 private:
  nl_sock *sk_ = nullptr;
};

}  // namespace pcncni
