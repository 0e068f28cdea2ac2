#include "netlink.h"

#include <fcntl.h>
#include <linux/nsfs.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <netlink/addr.h>
#include <netlink/cache.h>
#include <netlink/errno.h>
#include <netlink/netlink.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include <netlink/route/link/veth.h>
#include <netlink/route/route.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>

#include "cni_error.h"

namespace pcncni {

namespace {

[[noreturn]] void fail(const std::string &what, int err) {
  throw CniError(kNetlinkFailure, what + ": " + nl_geterror(err));
}

struct LinkDeleter {
  void operator()(rtnl_link *l) const { rtnl_link_put(l); }
};
using LinkPtr = std::unique_ptr<rtnl_link, LinkDeleter>;
struct AddrDeleter {
  void operator()(nl_addr *a) const { nl_addr_put(a); }
};
using AddrPtr = std::unique_ptr<nl_addr, AddrDeleter>;
struct CacheDeleter {
  void operator()(nl_cache *c) const { nl_cache_free(c); }
};
using CachePtr = std::unique_ptr<nl_cache, CacheDeleter>;

AddrPtr ipv4_addr(uint32_t a, int len) {
  uint32_t be = htonl(a);
  nl_addr *x = nl_addr_build(AF_INET, &be, sizeof(be));
  if (!x) throw CniError(kNetlinkFailure, "out of memory");
  nl_addr_set_prefixlen(x, len);
  return AddrPtr(x);
}

uint32_t ipv4_of(nl_addr *a) {
  uint32_t be = 0;
  if (a && nl_addr_get_family(a) == AF_INET && nl_addr_get_len(a) == 4) std::memcpy(&be, nl_addr_get_binary_addr(a), 4);
  return ntohl(be);
}

LinkInfo info_of(rtnl_link *l) {
  LinkInfo i;
  i.name = rtnl_link_get_name(l) ? rtnl_link_get_name(l) : "";
  i.ifindex = rtnl_link_get_ifindex(l);
  i.mtu = rtnl_link_get_mtu(l);
  i.up = (rtnl_link_get_flags(l) & IFF_UP) != 0;
  if (const char *a = rtnl_link_get_ifalias(l)) i.alias = a;
  if (const char *k = rtnl_link_get_type(l)) i.kind = k;
  if (nl_addr *mac = rtnl_link_get_addr(l)) {
    char buf[64];
    i.mac = nl_addr2str(mac, buf, sizeof(buf));
  }
  return i;
}

}  // namespace

Netns Netns::open(const std::string &path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw CniError(kUnknownContainer, "cannot open network namespace " + path + ": " + std::strerror(errno));
  if (ioctl(fd, NS_GET_NSTYPE) != CLONE_NEWNET) {
    ::close(fd);
    throw CniError(kInvalidEnvironment, "CNI_NETNS " + path + " is not a network namespace");
  }
  return Netns(fd);
}

Netns Netns::current() {
  int fd = ::open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw CniError(kIoFailure, std::string("cannot open /proc/self/ns/net: ") + std::strerror(errno));
  return Netns(fd);
}

Netns::~Netns() {
  if (fd_ >= 0) ::close(fd_);
}

Rtnl::Rtnl(const Netns *ns) {
  std::optional<Netns> home;
  if (ns) {
    home.emplace(Netns::current());
    if (setns(ns->fd(), CLONE_NEWNET) != 0)
      throw CniError(kUnknownContainer, std::string("cannot enter the pod's network namespace: ") + std::strerror(errno));
  }
  sk_ = nl_socket_alloc();
  int err = sk_ ? nl_connect(sk_, NETLINK_ROUTE) : -NLE_NOMEM;
  if (home && setns(home->fd(), CLONE_NEWNET) != 0)  // cannot happen; never stay in the pod's namespace
    std::abort();
  if (err < 0) {
    if (sk_) nl_socket_free(sk_);
    sk_ = nullptr;
    fail("netlink socket", err);
  }
}

Rtnl::~Rtnl() {
  if (sk_) nl_socket_free(sk_);
}

std::optional<LinkInfo> Rtnl::link(const std::string &name) {
  rtnl_link *l = nullptr;
  int err = rtnl_link_get_kernel(sk_, 0, name.c_str(), &l);
  if (err == -NLE_OBJ_NOTFOUND || err == -NLE_NODEV) return std::nullopt;
  if (err < 0) fail("get link " + name, err);
  LinkPtr p(l);
  return info_of(l);
}

std::vector<LinkInfo> Rtnl::links() {
  nl_cache *c = nullptr;
  int err = rtnl_link_alloc_cache(sk_, AF_UNSPEC, &c);
  if (err < 0) fail("list links", err);
  CachePtr cache(c);
  std::vector<LinkInfo> out;
  for (nl_object *o = nl_cache_get_first(c); o; o = nl_cache_get_next(o))
    out.push_back(info_of(reinterpret_cast<rtnl_link *>(o)));
  return out;
}

void Rtnl::create_veth(const std::string &name, const std::string &peer_name, const Netns &peer_ns, unsigned mtu) {
  LinkPtr link(rtnl_link_veth_alloc());
  if (!link) throw CniError(kNetlinkFailure, "out of memory");
  rtnl_link_set_name(link.get(), name.c_str());
  rtnl_link_set_mtu(link.get(), mtu);
  rtnl_link *peer = rtnl_link_veth_get_peer(link.get());
  rtnl_link_set_name(peer, peer_name.c_str());
  rtnl_link_set_mtu(peer, mtu);
  rtnl_link_set_ns_fd(peer, peer_ns.fd());
  rtnl_link_put(peer);
  int err = rtnl_link_add(sk_, link.get(), NLM_F_CREATE | NLM_F_EXCL);
  if (err == -NLE_EXIST)
    throw CniError(kInterfaceExists, "cannot create veth " + name + " / " + peer_name + ": an interface of that name exists");
  if (err < 0) fail("create veth " + name + " / " + peer_name, err);
}

namespace {

// rtnl_link_change needs the kernel's view of the link (its ifindex).
void change_link(nl_sock *sk, const std::string &name, rtnl_link *change, const std::string &what) {
  rtnl_link *orig = nullptr;
  int err = rtnl_link_get_kernel(sk, 0, name.c_str(), &orig);
  if (err < 0) fail(what, err);
  LinkPtr o(orig);
  err = rtnl_link_change(sk, orig, change, 0);
  if (err < 0) fail(what, err);
}

}  // namespace

void Rtnl::set_up(const std::string &name) {
  LinkPtr change(rtnl_link_alloc());
  rtnl_link_set_flags(change.get(), IFF_UP);
  change_link(sk_, name, change.get(), "set " + name + " up");
}

void Rtnl::set_alias(const std::string &name, const std::string &alias) {
  LinkPtr change(rtnl_link_alloc());
  rtnl_link_set_ifalias(change.get(), alias.c_str());
  change_link(sk_, name, change.get(), "set the alias of " + name);
}

bool Rtnl::delete_link(const std::string &name) {
  LinkPtr l(rtnl_link_alloc());
  rtnl_link_set_name(l.get(), name.c_str());
  int err = rtnl_link_delete(sk_, l.get());
  if (err == -NLE_NODEV || err == -NLE_OBJ_NOTFOUND) return false;
  if (err < 0) fail("delete link " + name, err);
  return true;
}

void Rtnl::add_address(int ifindex, const Ipv4Prefix &p) {
  std::unique_ptr<rtnl_addr, void (*)(rtnl_addr *)> a(rtnl_addr_alloc(), rtnl_addr_put);
  AddrPtr local = ipv4_addr(p.addr, p.len);
  rtnl_addr_set_ifindex(a.get(), ifindex);
  rtnl_addr_set_family(a.get(), AF_INET);
  rtnl_addr_set_local(a.get(), local.get());
  rtnl_addr_set_prefixlen(a.get(), p.len);
  int err = rtnl_addr_add(sk_, a.get(), 0);
  if (err < 0 && err != -NLE_EXIST) fail("add address " + format_prefix(p.addr, p.len), err);
}

std::vector<Ipv4Prefix> Rtnl::addresses(int ifindex) {
  nl_cache *c = nullptr;
  int err = rtnl_addr_alloc_cache(sk_, &c);
  if (err < 0) fail("list addresses", err);
  CachePtr cache(c);
  std::vector<Ipv4Prefix> out;
  for (nl_object *o = nl_cache_get_first(c); o; o = nl_cache_get_next(o)) {
    auto *a = reinterpret_cast<rtnl_addr *>(o);
    if (rtnl_addr_get_ifindex(a) != ifindex || rtnl_addr_get_family(a) != AF_INET) continue;
    out.push_back({ipv4_of(rtnl_addr_get_local(a)), rtnl_addr_get_prefixlen(a)});
  }
  return out;
}

void Rtnl::replace_route(const Ipv4Prefix &dst, std::optional<uint32_t> gw, int ifindex) {
  std::unique_ptr<rtnl_route, void (*)(rtnl_route *)> r(rtnl_route_alloc(), rtnl_route_put);
  AddrPtr d = ipv4_addr(dst.network(), dst.len);
  rtnl_route_set_family(r.get(), AF_INET);
  rtnl_route_set_dst(r.get(), d.get());
  rtnl_route_set_table(r.get(), RT_TABLE_MAIN);
  rtnl_route_set_protocol(r.get(), RTPROT_BOOT);
  rtnl_route_set_scope(r.get(), gw ? RT_SCOPE_UNIVERSE : RT_SCOPE_LINK);
  rtnl_route_set_type(r.get(), RTN_UNICAST);
  rtnl_nexthop *nh = rtnl_route_nh_alloc();
  rtnl_route_nh_set_ifindex(nh, ifindex);
  if (gw) {
    AddrPtr g = ipv4_addr(*gw, 32);
    rtnl_route_nh_set_gateway(nh, g.get());
  }
  rtnl_route_add_nexthop(r.get(), nh);  // owned by the route now
  int err = rtnl_route_add(sk_, r.get(), NLM_F_CREATE | NLM_F_REPLACE);
  if (err < 0)
    fail("add route " + format_prefix(dst.network(), dst.len) + (gw ? " via " + format_ipv4(*gw) : ""), err);
}

std::vector<RouteInfo> Rtnl::routes(int ifindex) {
  nl_cache *c = nullptr;
  int err = rtnl_route_alloc_cache(sk_, AF_INET, 0, &c);
  if (err < 0) fail("list routes", err);
  CachePtr cache(c);
  std::vector<RouteInfo> out;
  for (nl_object *o = nl_cache_get_first(c); o; o = nl_cache_get_next(o)) {
    auto *r = reinterpret_cast<rtnl_route *>(o);
    if (rtnl_route_get_table(r) != RT_TABLE_MAIN || rtnl_route_get_nnexthops(r) < 1) continue;
    rtnl_nexthop *nh = rtnl_route_nexthop_n(r, 0);
    if (rtnl_route_nh_get_ifindex(nh) != ifindex) continue;
    RouteInfo ri;
    nl_addr *dst = rtnl_route_get_dst(r);
    ri.dst = {ipv4_of(dst), dst ? static_cast<int>(nl_addr_get_prefixlen(dst)) : 0};
    if (nl_addr *g = rtnl_route_nh_get_gateway(nh)) ri.gw = ipv4_of(g);
    ri.ifindex = ifindex;
    out.push_back(ri);
  }
  return out;
}

}  // namespace pcncni
