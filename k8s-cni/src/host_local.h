// The allocations of the host-local IPAM plugin for one network, read from
// its store (<dataDir>/<network name>/<ip>: "<container id>\r\n<ifname>").
// Only for GC with a host-local that predates CNI 1.1 and so has no GC of
// its own; everything else goes through the plugin.
#pragma once

#include <vector>

#include "conf.h"

namespace pcncni {

std::vector<Attachment> host_local_allocations(const NetConf &conf);

}  // namespace pcncni
