// Errors raised by the runtime. Each carries a category that maps 1:1 onto
// the REST status codes (400/404/409/500) so callers never parse messages.
#pragma once

#include <stdexcept>
#include <string>

namespace polycube {

enum class ErrorCode {
  kInvalid,      // bad value or combination of values (400)
  kNotFound,     // unknown cube, port, netdev, block (404)
  kExists,       // duplicate name (409)
  kInUse,        // target busy or still referenced (409)
  kUnsupported,  // valid request this mode cannot do (400)
  kKernel,       // the kernel refused (verifier, attach, map op) (500)
  kDenied,       // the daemon's policy does not allow it, e.g. a netdev outside the allow-list (403)
};

const char *to_string(ErrorCode code);

class Error : public std::runtime_error {
 public:
  Error(ErrorCode code, const std::string &message) : std::runtime_error(message), code_(code) {}
  ErrorCode code() const { return code_; }

 private:
  ErrorCode code_;
};

// Throws kKernel with `what` and strerror(-err) when err < 0.
void check_kernel(int err, const std::string &what);

}  // namespace polycube
