// Sending raw frames from inside a namespace (AF_PACKET), e.g. frames over a
// page long, which leave the socket with only their Ethernet header in the
// skb's linear part.
#pragma once

#include <string>

namespace pcntest {

// Sends `frame` `count` times out of `ifname` in namespace `ns` (its full
// name) from a thread that enters it; returns how many were sent.
int send_frames(const std::string &ns, const std::string &frame, int count, const std::string &ifname = "eth0");

}  // namespace pcntest
