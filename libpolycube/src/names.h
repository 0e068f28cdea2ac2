// Validation of user-chosen names (cubes, ports).
#pragma once

#include <string>

namespace polycube {

// Letters, digits, '_', '-', '.'; starts with a letter; 1..64 chars. ':' is
// excluded because "cube:port" names a port.
bool valid_name(const std::string &s);
void check_name(const std::string &what, const std::string &s);

}  // namespace polycube
