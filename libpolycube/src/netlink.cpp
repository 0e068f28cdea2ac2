#include "netlink.h"

#include <net/if.h>
#include <netlink/errno.h>
#include <netlink/attr.h>
#include <netlink/msg.h>
#include <netlink/netlink.h>
#include <netlink/socket.h>
#include <netlink/route/link.h>
#include <netlink/route/link/veth.h>
#include <netlink/route/qdisc.h>
#include <netlink/route/tc.h>

#include <linux/rtnetlink.h>
#include <poll.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <thread>
#include <memory>

#include "polycube/error.h"

namespace polycube::netlink {

namespace {

// One rtnetlink socket for the duration of a call.
class Socket {
 public:
  Socket() : sk_(nl_socket_alloc()) {
    if (!sk_) throw Error(ErrorCode::kKernel, "netlink: cannot allocate a socket");
    if (int err = nl_connect(sk_, NETLINK_ROUTE); err < 0) {
      nl_socket_free(sk_);
      throw Error(ErrorCode::kKernel, std::string("netlink: connect: ") + nl_geterror(err));
    }
  }
  ~Socket() { nl_socket_free(sk_); }
  Socket(const Socket &) = delete;
  Socket &operator=(const Socket &) = delete;
  nl_sock *get() const { return sk_; }

 private:
  nl_sock *sk_;
};

struct LinkPut {
  void operator()(rtnl_link *l) const { rtnl_link_put(l); }
};
using LinkPtr = std::unique_ptr<rtnl_link, LinkPut>;

void check(int err, const std::string &what) {
  if (err < 0) throw Error(ErrorCode::kKernel, what + ": " + nl_geterror(err));
}

// A link without IPv6 sends no router solicitations, DAD or MLD: nothing
// but the frames we put on it. Before the link is up, so it never starts.
void disable_ipv6(const std::string &name) {
  std::ofstream f("/proc/sys/net/ipv6/conf/" + name + "/disable_ipv6");
  if (f) f << "1\n";  // no file: IPv6 is off in this kernel altogether
}

void set_up(nl_sock *sk, const std::string &name) {
  rtnl_link *raw = nullptr;
  check(rtnl_link_get_kernel(sk, 0, name.c_str(), &raw), "netlink: find " + name);
  LinkPtr link(raw), change(rtnl_link_alloc());
  if (!change) throw Error(ErrorCode::kKernel, "netlink: out of memory");
  rtnl_link_set_flags(change.get(), IFF_UP);
  check(rtnl_link_change(sk, link.get(), change.get(), 0), "netlink: set " + name + " up");
}

// Has the kernel activated `ifindex`'s transmit path? Until the link
// watcher sees the carrier (deferred work, later still on a loaded
// machine), the root qdisc is noop and every frame sent is dropped without
// an error.
bool transmit_active(nl_sock *sk, int ifindex) {
  nl_cache *cache = nullptr;
  if (rtnl_qdisc_alloc_cache(sk, &cache) < 0) return false;
  bool active = false;
  for (nl_object *o = nl_cache_get_first(cache); o; o = nl_cache_get_next(o)) {
    auto *tc = TC_CAST(o);
    if (rtnl_tc_get_ifindex(tc) != ifindex || rtnl_tc_get_parent(tc) != TC_H_ROOT) continue;
    const char *kind = rtnl_tc_get_kind(tc);
    active = kind && std::strcmp(kind, "noop") != 0;
  }
  nl_cache_free(cache);
  return active;
}

}  // namespace

void create_veth_pair(const std::string &a, const std::string &b) {
  Socket sk;
  LinkPtr veth(rtnl_link_veth_alloc());
  if (!veth) throw Error(ErrorCode::kKernel, "netlink: out of memory");
  rtnl_link_set_name(veth.get(), a.c_str());
  LinkPtr peer(rtnl_link_veth_get_peer(veth.get()));  // a new reference
  rtnl_link_set_name(peer.get(), b.c_str());
  check(rtnl_link_add(sk.get(), veth.get(), NLM_F_CREATE | NLM_F_EXCL), "netlink: create veth " + a + "/" + b);
  try {
    disable_ipv6(a);
    disable_ipv6(b);
    set_up(sk.get(), a);
    set_up(sk.get(), b);
    // The first packet-out goes out at once (an ARP request, say): it must
    // not meet a link still on its way up.
    int ia = static_cast<int>(if_nametoindex(a.c_str())), ib = static_cast<int>(if_nametoindex(b.c_str()));
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (!(transmit_active(sk.get(), ia) && transmit_active(sk.get(), ib))) {
      if (std::chrono::steady_clock::now() > deadline)
        throw Error(ErrorCode::kKernel, "netlink: veth " + a + "/" + b + " did not come up within 5 s");
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
  } catch (...) {
    rtnl_link_delete(sk.get(), veth.get());
    throw;
  }
}

void delete_link(const std::string &name) {
  Socket sk;
  LinkPtr link(rtnl_link_alloc());
  if (!link) throw Error(ErrorCode::kKernel, "netlink: out of memory");
  rtnl_link_set_name(link.get(), name.c_str());
  int err = rtnl_link_delete(sk.get(), link.get());
  if (err == -NLE_NODEV || err == -NLE_OBJ_NOTFOUND) return;
  check(err, "netlink: delete " + name);
}

std::vector<std::string> link_names() {
  std::vector<std::string> out;
  if (struct if_nameindex *all = if_nameindex()) {
    for (struct if_nameindex *i = all; i->if_index != 0; i++) out.emplace_back(i->if_name);
    if_freenameindex(all);
  }
  return out;
}

LinkMonitor::LinkMonitor() : sk_(nl_socket_alloc()) {
  if (!sk_) throw Error(ErrorCode::kKernel, "netlink: cannot allocate a socket");
  // Notifications carry no sequence numbers of ours.
  nl_socket_disable_seq_check(sk_);
  int err = nl_connect(sk_, NETLINK_ROUTE);
  if (err >= 0) err = nl_socket_add_membership(sk_, RTNLGRP_LINK);
  if (err >= 0) err = nl_socket_set_nonblocking(sk_);
  // A larger buffer: a burst of deletions (a namespace going away with its
  // veths) should not overflow it.
  if (err >= 0) nl_socket_set_buffer_size(sk_, 1 << 20, 0);
  if (err < 0) {
    nl_socket_free(sk_);
    throw Error(ErrorCode::kKernel, std::string("netlink: link notifications: ") + nl_geterror(err));
  }
}

LinkMonitor::~LinkMonitor() { nl_socket_free(sk_); }

std::vector<LinkEvent> LinkMonitor::wait(int timeout_ms, bool *overflowed) {
  std::vector<LinkEvent> out;
  *overflowed = false;
  pollfd pfd{nl_socket_get_fd(sk_), POLLIN, 0};
  if (poll(&pfd, 1, timeout_ms) <= 0) return out;
  for (;;) {
    sockaddr_nl from{};
    unsigned char *buf = nullptr;
    int n = nl_recv(sk_, &from, &buf, nullptr);
    if (n <= 0) {
      // -NLE_NOMEM is ENOBUFS: the kernel dropped notifications.
      // Any other error: what came so far; the next wait reads on.
      if (n == -NLE_NOMEM) *overflowed = true;
      free(buf);
      return out;
    }
    for (auto *h = reinterpret_cast<nlmsghdr *>(buf); nlmsg_ok(h, n); h = nlmsg_next(h, &n)) {
      if (h->nlmsg_type != RTM_NEWLINK && h->nlmsg_type != RTM_DELLINK) continue;
      if (h->nlmsg_len < NLMSG_LENGTH(sizeof(ifinfomsg))) continue;
      auto *ifi = static_cast<ifinfomsg *>(nlmsg_data(h));
      LinkEvent e;
      e.removed = h->nlmsg_type == RTM_DELLINK;
      e.ifindex = static_cast<uint32_t>(ifi->ifi_index);
      if (nlattr *name = nlmsg_find_attr(h, sizeof(ifinfomsg), IFLA_IFNAME)) e.name = nla_get_string(name);
      out.push_back(std::move(e));
    }
    free(buf);
  }
}

}  // namespace polycube::netlink
