// MAC addresses as control planes handle them: the 48 bits in the low bits
// of a uint64_t (the form services key their maps with), printed in colon
// form. One definition for every service.
#pragma once

#include <cstdint>
#include <string>

namespace polycube {

std::string mac_to_string(uint64_t mac);         // "02:00:00:00:00:01"
uint64_t mac_from_string(const std::string &s);  // throws Error(kInvalid)
uint64_t mac_from_bytes(const uint8_t b[6]);     // network order
void mac_to_bytes(uint64_t mac, uint8_t out[6]);

}  // namespace polycube
