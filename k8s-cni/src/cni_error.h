// The error a CNI plugin reports: a code from the spec's table (1-99) or a
// plugin-specific one (100+), a short message and details. main() prints it
// as the spec's error JSON on stdout and exits non-zero.
#pragma once

#include <stdexcept>
#include <string>

namespace pcncni {

enum Code : int {
  kIncompatibleVersion = 1,
  kUnsupportedField = 2,
  kUnknownContainer = 3,
  kInvalidEnvironment = 4,
  kIoFailure = 5,
  kDecodeFailure = 6,
  kInvalidConfig = 7,
  kTryAgainLater = 11,
  kPluginNotAvailable = 50,     // STATUS: cannot serve ADD
  kLimitedConnectivity = 51,    // STATUS: and existing pods may be cut off
  // Plugin-specific codes.
  kInterfaceExists = 100,       // CNI_IFNAME already exists in the pod
  kCheckFailed = 101,           // CHECK found the attachment broken
  kNetlinkFailure = 102,        // the kernel refused a link/address/route change
  kDaemonRefused = 103,         // polycubed answered with an error
  kDelegateFailure = 104,       // the IPAM plugin failed without a CNI error
};

class CniError : public std::runtime_error {
 public:
  CniError(int code, const std::string &msg, std::string details = "")
      : std::runtime_error(msg), code_(code), details_(std::move(details)) {}
  int code() const { return code_; }
  const std::string &details() const { return details_; }

 private:
  int code_;
  std::string details_;
};

}  // namespace pcncni
