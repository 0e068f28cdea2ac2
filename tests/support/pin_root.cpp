// Linked into every test binary: each test process pins its BPF objects
// under its own root, /sys/fs/bpf/pt<pid>-pins, never under the default
// /sys/fs/bpf/polycube that a real polycubed on this machine may own (and
// concurrent test runs do not wait on each other's lock). Daemons the tests
// start inherit it. A daemon's graceful stop leaves its data plane pinned
// and forwarding; what a test left that way (say, it failed between a
// kill and the restart) is torn down when the test process exits.
// scripts/cleanup.sh removes the roots of dead processes.
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <string>

namespace {

struct PinRoot {
  std::string root;
  PinRoot() {
    root = "/sys/fs/bpf/pt" + std::to_string(getpid()) + "-pins";
    setenv("PCN_PIN_ROOT", root.c_str(), 0);
  }
  ~PinRoot() {
    struct stat st {};
    if (stat(root.c_str(), &st) != 0) return;  // every runtime cleaned up after itself
    std::string bin = PCN_BUILD_DIR "/bin/polycubed";
    if (access(bin.c_str(), X_OK) != 0) return;
    pid_t pid = fork();
    if (pid == 0) {
      execl(bin.c_str(), "polycubed", "--teardown", "--log-level", "warn", "--pin-root", root.c_str(),
            "--state-dir", "/nonexistent", static_cast<char *>(nullptr));
      _exit(127);
    }
    if (pid > 0) waitpid(pid, nullptr, 0);
  }
} pin_root;

}  // namespace
