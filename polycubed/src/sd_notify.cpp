#include "sd_notify.h"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstddef>
#include <cstdlib>
#include <cstring>

namespace polycube::daemon {

bool sd_notify(const std::string &state) {
  const char *path = std::getenv("NOTIFY_SOCKET");
  if (!path || !*path) return true;
  sockaddr_un sa{};
  sa.sun_family = AF_UNIX;
  size_t len = std::strlen(path);
  if ((path[0] != '/' && path[0] != '@') || len >= sizeof(sa.sun_path)) return false;
  std::memcpy(sa.sun_path, path, len);
  if (path[0] == '@') sa.sun_path[0] = '\0';  // abstract namespace
  int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  ssize_t n = sendto(fd, state.data(), state.size(), MSG_NOSIGNAL, reinterpret_cast<const sockaddr *>(&sa),
                     static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + len));
  close(fd);
  return n == static_cast<ssize_t>(state.size());
}

}  // namespace polycube::daemon
