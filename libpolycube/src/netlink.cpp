#include "netlink.h"

#include <net/if.h>
#include <netlink/errno.h>
#include <netlink/netlink.h>
#include <netlink/route/link.h>
#include <netlink/route/link/veth.h>

#include <fstream>
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

}  // namespace polycube::netlink
