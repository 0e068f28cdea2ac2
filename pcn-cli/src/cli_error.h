// The one error type pcn tells apart: a command line or body that cannot be
// right whatever the daemon says (exit status 2; any other failure is 1).
#pragma once

#include <stdexcept>

namespace pcn {

struct UsageError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

}  // namespace pcn
