#include "polycube/error.h"

#include <cstring>

namespace polycube {

const char *to_string(ErrorCode code) {
  switch (code) {
    case ErrorCode::kInvalid: return "invalid-value";
    case ErrorCode::kNotFound: return "not-found";
    case ErrorCode::kExists: return "exists";
    case ErrorCode::kInUse: return "in-use";
    case ErrorCode::kUnsupported: return "unsupported";
    case ErrorCode::kKernel: return "kernel";
    case ErrorCode::kDenied: return "access-denied";
  }
  return "unknown";
}

void check_kernel(int err, const std::string &what) {
  if (err < 0)
    throw Error(ErrorCode::kKernel, what + ": " + std::strerror(-err));
}

}  // namespace polycube
