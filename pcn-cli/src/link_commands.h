// pcn's words that link cubes and netdevs:
//   pcn connect|disconnect <cube:port> <cube:port|netdev>   (either end may be the netdev)
//   pcn attach <tcube> <cube:port|netdev> [position=first|last|before:<c>|after:<c> | before=<c> | after=<c>]
//   pcn detach <tcube> <cube:port|netdev>
// Two cube ports go through the daemon's connect/disconnect operations; a
// cube port and a netdev is the port's peer leaf, as polycubectl set it.
#pragma once

#include <string>
#include <vector>

#include "daemon_api.h"

namespace pcn {

bool is_link_command(const std::string &word);
void run_link_command(const DaemonApi &daemon, const std::vector<std::string> &words);

// The attach operation's input for `pcn attach <words>` (polycube:input
// members); throws UsageError. `after=c` and `before=c` (polycubectl's
// spelling) are position=after:c and before:c.
nlohmann::json attach_input(const std::vector<std::string> &words);

}  // namespace pcn
