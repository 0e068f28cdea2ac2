// Attaching framework hook programs to Linux netdevs (TC clsact or XDP),
// remembering what we created so that detaching leaves nothing behind.
#pragma once

#include <cstdint>
#include <string>

namespace polycube {

// ifindex of a netdev in the daemon's namespace; throws kNotFound.
uint32_t netdev_ifindex(const std::string &name);
// netdev_ifindex() of a netdev a cube may take over (port peer or
// attachment): the loopback device is refused (kInvalid), since hooking it
// would capture the host's local traffic, the daemon's own API included.
uint32_t usable_netdev_ifindex(const std::string &name);
std::string netdev_name(uint32_t ifindex);

// TC: creates the clsact qdisc of `ifindex` unless it exists; true if this
// call created it.
bool tc_create_clsact(uint32_t ifindex);
// TC: attaches `prog_fd` as a direct-action filter on ingress or egress,
// creating the clsact qdisc if needed. Returns true if the qdisc was created.
bool tc_attach(uint32_t ifindex, bool egress, int prog_fd);
void tc_detach(uint32_t ifindex, bool egress);
void tc_destroy_qdisc(uint32_t ifindex);

// XDP in generic (skb) or native (drv) mode; refuses a netdev that already has
// another XDP program.
void xdp_attach(uint32_t ifindex, int prog_fd, bool native);
void xdp_detach(uint32_t ifindex, bool native, uint32_t expected_prog_id);
// Detaches, in either mode, an XDP program that is one of the framework's
// hooks (name pcn_...), left by a runtime that died; others stay.
void xdp_detach_ours(uint32_t ifindex);

}  // namespace polycube
