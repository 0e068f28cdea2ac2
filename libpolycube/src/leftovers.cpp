#include "leftovers.h"

#include <fcntl.h>
#include <signal.h>
#include <spdlog/spdlog.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>

#include "netlink.h"
#include "polycube/error.h"

namespace polycube {

namespace fs = std::filesystem;

namespace {

constexpr const char *kLockDir = "/run/lock";
constexpr const char *kLockPrefix = "polycube_";  // every pin root is absolute, so the name starts "polycube_"

// Does `fd` still name the file at `path`? A sweeper may unlink a lock file
// between our open() and flock(): the lock we then hold is on a file nobody
// else will ever open.
bool same_file(int fd, const std::string &path) {
  struct stat a {}, b {};
  return fstat(fd, &a) == 0 && stat(path.c_str(), &b) == 0 && a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

bool process_gone(pid_t pid) { return pid > 0 && kill(pid, 0) != 0 && errno == ESRCH; }

}  // namespace

PinRootLock::PinRootLock(const std::string &pin_root) {
  std::string name = pin_root;
  for (auto &ch : name)
    if (ch == '/') ch = '_';
  fs::create_directories(kLockDir);
  path_ = std::string(kLockDir) + "/polycube" + name + ".lock";
  for (;;) {
    fd_ = open(path_.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd_ < 0) throw Error(ErrorCode::kKernel, "cannot open " + path_ + ": " + std::strerror(errno));
    if (flock(fd_, LOCK_EX | LOCK_NB) != 0) {
      close(fd_);
      throw Error(ErrorCode::kInUse, "another polycube runtime is using " + pin_root + " (" + path_ + " is locked)");
    }
    if (same_file(fd_, path_)) return;
    close(fd_);  // swept under us: take the file the next runtime will see
  }
}

PinRootLock::~PinRootLock() {
  // Removed while still held, so a runtime waiting on this file retries on
  // a fresh one (same_file) instead of sharing the root with another.
  unlink(path_.c_str());
  close(fd_);
}

std::string inject_veth_name(pid_t pid) { return "pcni" + std::to_string(pid); }

void remove_dead_runtime_leftovers() {
  std::error_code ec;
  for (const auto &entry : fs::directory_iterator(kLockDir, ec)) {
    std::string file = entry.path().filename();
    if (file.rfind(kLockPrefix, 0) != 0 || file.size() < 5 || file.compare(file.size() - 5, 5, ".lock") != 0)
      continue;
    std::string path = entry.path();
    int fd = open(path.c_str(), O_RDWR | O_CLOEXEC);
    if (fd < 0) continue;
    // Held: a live runtime's. Ours to take: its runtime is gone; removed
    // while we hold it (see PinRootLock).
    if (flock(fd, LOCK_EX | LOCK_NB) == 0 && same_file(fd, path)) {
      unlink(path.c_str());
      spdlog::info("removed {}: its runtime is gone", path);
    }
    close(fd);
  }
  for (const auto &link : netlink::link_names()) {
    if (link.rfind("pcni", 0) != 0) continue;
    std::string digits = link.substr(4);
    if (!digits.empty() && digits.back() == 'b') digits.pop_back();
    if (digits.empty() || digits.find_first_not_of("0123456789") != std::string::npos || digits.size() > 9) continue;
    pid_t pid = static_cast<pid_t>(std::strtol(digits.c_str(), nullptr, 10));
    if (pid == getpid() || !process_gone(pid)) continue;
    try {
      netlink::delete_link(link);  // the peer goes with it
      spdlog::info("removed packet-out veth {}: process {} is gone", link, pid);
    } catch (const std::exception &e) {
      spdlog::warn("cannot remove {}: {}", link, e.what());
    }
  }
}

}  // namespace polycube
