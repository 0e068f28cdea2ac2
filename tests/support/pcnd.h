// polycubed for one end-to-end test, and the two ways users talk to it:
// RESTCONF (over one loopback connection, no process per request) and the
// pcn CLI (the real binary, stdin from /dev/null unless given). The state
// directory is /tmp/<prefix>state; the destructor stops the daemon and
// removes it, also when the test failed.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "daemon_process.h"

namespace pcnrest {
class Client;
}

namespace pcntest {

struct RestReply {
  int status = 0;  // 0: no answer
  std::string body;
};

struct PcnRun {
  int rc = -1;
  std::string out, err;
};

class Pcnd {
 public:
  explicit Pcnd(const std::string &prefix);
  ~Pcnd();
  Pcnd(const Pcnd &) = delete;
  Pcnd &operator=(const Pcnd &) = delete;

  // Starts polycubed on the state directory (again after stop/kill9: a
  // restart restores the saved configuration).
  bool start();
  // SIGTERM and `polycubed --teardown`; true if both exited cleanly.
  bool stop();
  // SIGTERM only: the data plane keeps forwarding for the next start()
  // (the destructor tears it down if none comes). True if it exited cleanly.
  bool terminate();
  void kill9();
  const std::string &url() const { return url_; }
  const std::string &state_dir() const { return state_; }
  pid_t pid() const { return daemon_ ? daemon_->pid() : -1; }

  // `path` is below /restconf/data ("/bridge:bridge=br1").
  RestReply rest(const std::string &method, const std::string &path, const std::string &body = "");
  // Any target ("/restconf/operations/...", "/metrics").
  RestReply raw(const std::string &method, const std::string &target, const std::string &body = "");
  // `pcn <args>`; `input` (if any) comes on stdin.
  PcnRun pcn(const std::string &args, const std::string &input = "");

 private:
  std::string state_, url_;
  std::unique_ptr<DaemonProcess> daemon_;
  std::unique_ptr<pcnrest::Client> client_;
};

}  // namespace pcntest
