#include "netlink.h"

#include <net/if.h>
#include <netlink/errno.h>
#include <netlink/netlink.h>
#include <netlink/route/link.h>
#include <netlink/route/link/veth.h>
#include <netlink/route/qdisc.h>
#include <netlink/route/tc.h>

#include <chrono>
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

}  // namespace polycube::netlink
