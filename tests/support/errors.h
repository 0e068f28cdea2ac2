// The error code an operation raises, for table-driven bad-input tests.
#pragma once

#include <functional>
#include <string>

#include "polycube/error.h"

namespace pcntest {

// Runs `fn`; returns the polycube error code name it threw, or "no error".
inline std::string error_of(const std::function<void()> &fn) {
  try {
    fn();
  } catch (const polycube::Error &e) {
    return polycube::to_string(e.code());
  }
  return "no error";
}

}  // namespace pcntest
