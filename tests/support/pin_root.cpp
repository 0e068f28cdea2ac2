// Linked into every test binary: each test process pins its BPF objects
// under its own root, /sys/fs/bpf/pt<pid>-pins, never under the default
// /sys/fs/bpf/polycube that a real polycubed on this machine may own (and
// concurrent test runs do not wait on each other's lock). Daemons the tests
// start inherit it. scripts/cleanup.sh removes the roots of dead processes.
#include <unistd.h>

#include <cstdlib>
#include <string>

namespace {

struct PinRoot {
  PinRoot() {
    std::string root = "/sys/fs/bpf/pt" + std::to_string(getpid()) + "-pins";
    setenv("PCN_PIN_ROOT", root.c_str(), 0);
  }
} pin_root;

}  // namespace
