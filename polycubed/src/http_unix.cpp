#include "http_unix.h"

#include <grp.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace polycube::http {

namespace {

sockaddr_un address_of(const std::string &path) {
  sockaddr_un sa{};
  sa.sun_family = AF_UNIX;
  if (path.empty() || path.size() >= sizeof(sa.sun_path))
    throw std::runtime_error("unix socket path '" + path + "' must have 1 to " + std::to_string(sizeof(sa.sun_path) - 1) +
                             " characters");
  std::memcpy(sa.sun_path, path.data(), path.size());
  return sa;
}

// A socket file left by a previous run is replaced; a live one (somebody
// accepts connections on it) or a file that is not a socket is not.
void clear_stale(const std::string &path, const sockaddr_un &sa) {
  struct stat st {};
  if (lstat(path.c_str(), &st) != 0) return;
  if (!S_ISSOCK(st.st_mode)) throw std::runtime_error(path + " exists and is not a socket");
  int probe = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (probe < 0) throw std::runtime_error(std::string("socket: ") + std::strerror(errno));
  bool live = connect(probe, reinterpret_cast<const sockaddr *>(&sa), sizeof(sa)) == 0;
  close(probe);
  if (live) throw std::runtime_error("another process listens on " + path);
  unlink(path.c_str());
}

}  // namespace

UnixListener::UnixListener(const std::string &path, const std::string &group, mode_t mode) : path_(path) {
  sockaddr_un sa = address_of(path);
  gid_t gid = static_cast<gid_t>(-1);
  if (!group.empty()) {
    struct group *g = getgrnam(group.c_str());
    if (!g) throw std::runtime_error("unknown group '" + group + "' for the unix socket");
    gid = g->gr_gid;
  }
  clear_stale(path, sa);
  fd_ = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd_ < 0) throw std::runtime_error(std::string("socket: ") + std::strerror(errno));
  // The file is made by bind() with the process's umask (the daemon's is
  // 077: only its owner), then given the group and mode asked for.
  if (bind(fd_, reinterpret_cast<const sockaddr *>(&sa), sizeof(sa)) != 0 ||
      (gid != static_cast<gid_t>(-1) && chown(path.c_str(), static_cast<uid_t>(-1), gid) != 0) ||
      chmod(path.c_str(), mode) != 0 || listen(fd_, SOMAXCONN) != 0) {
    std::string why = std::strerror(errno);
    close(fd_);
    fd_ = -1;
    unlink(path.c_str());
    throw std::runtime_error("cannot listen on unix socket " + path + ": " + why);
  }
  struct stat st {};
  stat(path.c_str(), &st);
  dev_ = st.st_dev;
  ino_ = st.st_ino;
}

UnixListener::~UnixListener() {
  if (fd_ >= 0) close(fd_);
  // Only our own file: another daemon may have replaced it meanwhile.
  struct stat st {};
  if (stat(path_.c_str(), &st) == 0 && st.st_dev == dev_ && st.st_ino == ino_) unlink(path_.c_str());
}

Accepted UnixListener::accept() {
  Accepted a;
  int fd = accept4(fd_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
  if (fd < 0) {
    a.error = errno;
    return a;
  }
  ucred cred{};
  socklen_t len = sizeof(cred);
  if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0) {
    a.error = errno;
    close(fd);
    return a;
  }
  a.peer.has_credentials = true;
  a.peer.uid = cred.uid;
  a.peer.gid = cred.gid;
  a.peer.pid = cred.pid;
  a.peer.source = "uid:" + std::to_string(cred.uid);
  a.peer.display = "unix:uid=" + std::to_string(cred.uid) + ",pid=" + std::to_string(cred.pid);
  a.stream = std::make_unique<SocketStream>(fd);
  return a;
}

}  // namespace polycube::http
