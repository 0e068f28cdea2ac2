// A unix-socket listener for the daemon's HTTP server: local clients whose
// identity the kernel vouches for (SO_PEERCRED: uid, gid, pid), so that
// they need no token. The socket file is created with `mode` (0660) and
// `group`, so the file system decides who may connect at all; the
// authenticator maps the peer's uid to a role.
#pragma once

#include <sys/types.h>

#include <string>

#include "http_stream.h"

namespace polycube::http {

class UnixListener final : public Listener {
 public:
  // Throws std::runtime_error when it cannot listen: the path is too long,
  // its directory is missing, another process listens there, the group is
  // unknown. A socket file nobody listens on (a previous run's) is replaced.
  UnixListener(const std::string &path, const std::string &group = "", mode_t mode = 0660);
  ~UnixListener() override;  // closes the socket and removes its file
  UnixListener(const UnixListener &) = delete;
  UnixListener &operator=(const UnixListener &) = delete;
  int fd() const override { return fd_; }
  Accepted accept() override;
  std::string address() const override { return "unix:" + path_; }

 private:
  std::string path_;
  int fd_ = -1;
  dev_t dev_ = 0;
  ino_t ino_ = 0;
};

}  // namespace polycube::http
