// Layered test packets: the packet builder is libpolycube's
// (polycube/packet.h), shared with the control planes that write frames
// (the router's ARP requests and ICMP errors), so a test and the code it
// tests agree on one serializer. Tests name it pcntest::Packet, build(),
// parse(), mac(), ip() and so on, as before it moved.
#pragma once

#include "polycube/packet.h"

namespace pcntest {

using namespace polycube::packet;

}  // namespace pcntest
