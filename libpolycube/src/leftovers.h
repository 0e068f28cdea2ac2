// What a runtime owns outside its pin root, and what a dead one leaves
// behind there: the lock file of its pin root and its packet-out veth pair.
#pragma once

#include <sys/types.h>

#include <string>

namespace polycube {

// One runtime per pin root: an flock on /run/lock/polycube<root, '/' as
// '_'>.lock, held for the runtime's life and released (file removed) by the
// destructor. The kernel drops the flock when the process dies, so a dead
// runtime's file is recognisable: nobody holds it.
class PinRootLock {
 public:
  explicit PinRootLock(const std::string &pin_root);  // throws kInUse
  ~PinRootLock();
  PinRootLock(const PinRootLock &) = delete;
  PinRootLock &operator=(const PinRootLock &) = delete;
  const std::string &path() const { return path_; }

 private:
  std::string path_;
  int fd_ = -1;
};

// The packet-out veth pair of process `pid`: pcni<pid> and pcni<pid>b.
std::string inject_veth_name(pid_t pid);

// Removes lock files under /run/lock/polycube_*.lock that no live process
// holds, and pcni<pid>[b] veths whose process is gone. Never touches what
// a live runtime uses.
void remove_dead_runtime_leftovers();

}  // namespace polycube
