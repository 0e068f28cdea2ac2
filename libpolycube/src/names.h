// Validation of user-chosen names (cubes, ports).
#pragma once

#include <string>

namespace polycube {

// Letters, digits, '_', '-', '.'; starts with a letter; 1..64 chars. ':' is
// excluded because "cube:port" names a port.
bool valid_name(const std::string &s);
void check_name(const std::string &what, const std::string &s);

// `s` as one bpffs path component. bpffs refuses every name with a '.'
// (EPERM: dots are reserved for the kernel's own files), while cube names
// may carry one (`v1.2`); '.' becomes "%2E". Injective on valid names,
// which never contain '%'.
std::string bpffs_name(const std::string &s);

}  // namespace polycube
