#include "polycube/netdev.h"

#include <bpf/libbpf.h>
#include <linux/if_link.h>
#include <net/if.h>

#include <bpf/bpf.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdio>

#include <cerrno>
#include <string>

#include "polycube/error.h"

namespace polycube {

namespace {
// Our filter's identity on a clsact hook; distinct from tc(8) defaults so we
// never replace someone else's filter.
constexpr uint32_t kTcHandle = 0x9c;
constexpr uint32_t kTcPriority = 0x9c;

bpf_tc_attach_point point(bool egress) { return egress ? BPF_TC_EGRESS : BPF_TC_INGRESS; }
}  // namespace

uint32_t netdev_ifindex(const std::string &name) {
  if (name.empty() || name.size() >= IF_NAMESIZE)
    throw Error(ErrorCode::kInvalid, "bad netdev name '" + name + "'");
  unsigned idx = if_nametoindex(name.c_str());
  if (idx == 0)
    throw Error(ErrorCode::kNotFound, "unknown netdev '" + name + "'");
  return idx;
}

uint32_t usable_netdev_ifindex(const std::string &name) {
  uint32_t idx = netdev_ifindex(name);
  struct ifreq ifr {};
  std::snprintf(ifr.ifr_name, sizeof ifr.ifr_name, "%s", name.c_str());
  int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  bool loopback = fd >= 0 && ioctl(fd, SIOCGIFFLAGS, &ifr) == 0 && (ifr.ifr_flags & IFF_LOOPBACK);
  if (fd >= 0) close(fd);
  if (loopback) throw Error(ErrorCode::kInvalid, "netdev '" + name + "' is the loopback device; it cannot be a port peer or an attachment point");
  return idx;
}

std::string netdev_name(uint32_t ifindex) {
  char buf[IF_NAMESIZE] = {};
  return if_indextoname(ifindex, buf) ? std::string(buf) : std::string();
}

bool tc_create_clsact(uint32_t ifindex) {
  LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = static_cast<int>(ifindex), .attach_point = BPF_TC_INGRESS);
  int err = bpf_tc_hook_create(&hook);  // NLM_F_EXCL: EEXIST tells us it was there
  if (err && err != -EEXIST)
    check_kernel(err, "create clsact qdisc on " + netdev_name(ifindex));
  return err == 0;
}

bool tc_attach(uint32_t ifindex, bool egress, int prog_fd) {
  LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = static_cast<int>(ifindex), .attach_point = point(egress));
  bool created = tc_create_clsact(ifindex);
  // REPLACE: a filter with our handle/priority can only be ours, left by a
  // runtime that died; taking it over is what a restart should do.
  LIBBPF_OPTS(bpf_tc_opts, opts, .prog_fd = prog_fd, .flags = BPF_TC_F_REPLACE, .handle = kTcHandle,
              .priority = kTcPriority);
  int err = bpf_tc_attach(&hook, &opts);
  if (err) {
    if (created) tc_destroy_qdisc(ifindex);
    check_kernel(err, "attach TC program to " + netdev_name(ifindex));
  }
  return created;
}

void tc_detach(uint32_t ifindex, bool egress) {
  LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = static_cast<int>(ifindex), .attach_point = point(egress));
  LIBBPF_OPTS(bpf_tc_opts, opts, .handle = kTcHandle, .priority = kTcPriority);
  bpf_tc_detach(&hook, &opts);  // absent (netdev gone) is fine
}

void tc_destroy_qdisc(uint32_t ifindex) {
  LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = static_cast<int>(ifindex),
              .attach_point = static_cast<bpf_tc_attach_point>(BPF_TC_INGRESS | BPF_TC_EGRESS));
  bpf_tc_hook_destroy(&hook);
}

namespace {
// True if the XDP program attached to `ifindex` in `mode` is one of the
// framework's hook programs (left by a runtime that died).
bool xdp_attached_is_ours(uint32_t ifindex, uint32_t mode, uint32_t *id) {
  if (bpf_xdp_query_id(static_cast<int>(ifindex), mode, id) != 0 || *id == 0)
    return false;
  int fd = bpf_prog_get_fd_by_id(*id);
  if (fd < 0)
    return false;
  bpf_prog_info info{};
  uint32_t len = sizeof(info);
  bool ours = bpf_obj_get_info_by_fd(fd, &info, &len) == 0 &&
              std::string(info.name).rfind("pcn_", 0) == 0;  // kernel keeps 15 chars of the name
  close(fd);
  return ours;
}
}  // namespace

void xdp_attach(uint32_t ifindex, int prog_fd, bool native) {
  uint32_t mode = native ? XDP_FLAGS_DRV_MODE : XDP_FLAGS_SKB_MODE;
  int err = bpf_xdp_attach(static_cast<int>(ifindex), prog_fd, XDP_FLAGS_UPDATE_IF_NOEXIST | mode, nullptr);
  uint32_t old_id = 0;
  if ((err == -EBUSY || err == -EEXIST) && xdp_attached_is_ours(ifindex, mode, &old_id))
    err = bpf_xdp_attach(static_cast<int>(ifindex), prog_fd, mode, nullptr);
  if (err == -EBUSY || err == -EEXIST)
    throw Error(ErrorCode::kInUse, "netdev " + netdev_name(ifindex) + " already runs an XDP program");
  check_kernel(err, std::string("attach XDP (") + (native ? "native" : "generic") + ") to " +
                        netdev_name(ifindex));
}

void xdp_detach_ours(uint32_t ifindex) {
  for (uint32_t mode : {XDP_FLAGS_SKB_MODE, XDP_FLAGS_DRV_MODE}) {
    uint32_t id = 0;
    if (xdp_attached_is_ours(ifindex, mode, &id))
      bpf_xdp_detach(static_cast<int>(ifindex), mode, nullptr);
  }
}

void xdp_detach(uint32_t ifindex, bool native, uint32_t expected_prog_id) {
  uint32_t mode = native ? XDP_FLAGS_DRV_MODE : XDP_FLAGS_SKB_MODE;
  uint32_t id = 0;
  if (bpf_xdp_query_id(static_cast<int>(ifindex), mode, &id) == 0 && id == expected_prog_id)
    bpf_xdp_detach(static_cast<int>(ifindex), mode, nullptr);
}

}  // namespace polycube
