// A packet generator that is not the bottleneck, for every pps benchmark
// beside the AF_PACKET one of flood.h: BPF_PROG_TEST_RUN of an XDP program
// in live-frames mode (BPF_F_TEST_XDP_LIVE_FRAMES). The kernel builds each
// frame in a page pool from the bytes given and the program redirects it
// out of an interface, so no system call, socket or copy per frame: out of
// a veth, the frames arrive at its peer's ingress (TC or XDP hooks there
// see them as usual). Needs a kernel >= 5.18, and the veth's peer must
// take XDP frames: `ethtool -K <peer> gro on` gives it the NAPI that does
// (the feature stays when the peer moves to another namespace).
#pragma once

#include <cstdint>
#include <string>

#include "flood.h"

namespace pcnbench {

// How the generator makes several flows of one frame: the 16-bit
// big-endian field at byte `vary_offset` takes `flows` values from
// `base` (0 offset: every frame the same); the 16-bit field at
// `zero_offset` is zeroed (a UDP checksum, which the varied port would
// make wrong; 0: none); the 16-bit field at `complement_offset` becomes
// 0xffff minus the varied value (0: none). With both fields in the IPv4
// header and a frame built with the varied field 0 and this one 0xffff
// (e.g. the identification), their ones'-complement sum never changes, so
// the header checksum stays right (values up to 0xffff).
struct XdpFlows {
  uint32_t flows = 1, vary_offset = 0, base = 0, zero_offset = 0, complement_offset = 0;
};
// For udp_frame() frames (Ethernet, IPv4 without options, UDP): `flows`
// source ports from `sport`.
XdpFlows udp_source_ports(uint16_t sport, uint32_t flows);

// Sends `frame` (at most 256 bytes, written whole into every frame: live
// frames are recycled with what their last user wrote) out of `ifname` in
// netns `ns` (full name) for `seconds`,
// as fast as one CPU runs the program; returns how many frames it sent
// (the program redirected; the receiver counts what arrived).
uint64_t xdp_flood(const std::string &ns, const std::string &frame, const XdpFlows &flows, double seconds,
                   const std::string &ifname = "eth0");

// flood_and_count with this generator: eth0 of `sender` (short name of
// `net`) sends `frame` as `flows`, eth0 of `receiver` counts.
Rate xdp_flood_and_count(pcntest::TestNet &net, const std::string &sender, const std::string &receiver,
                         const std::string &frame, const XdpFlows &flows, double seconds);

}  // namespace pcnbench
