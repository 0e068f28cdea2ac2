// Runs build/bin/polycubed as a child process on a free loopback port with
// its own state directory, and stops it. SIGTERM (and SIGKILL) leave the
// data plane forwarding for the next start to adopt; stop(), and the
// destructor of a daemon still running, also run `polycubed --teardown`, so
// a test leaves no pin, hook or qdisc behind. What a test leaves on purpose
// (killed or terminated, then failed before its restart) goes when the test
// process exits (support/pin_root.cpp) or with scripts/cleanup.sh.
#pragma once

#include <sys/resource.h>
#include <sys/types.h>

#include <string>
#include <vector>

namespace pcntest {

class DaemonProcess {
 public:
  // `extra_args` go after the defaults (e.g. {"--http-header-timeout", "1"});
  // `nofile` (if not 0) is the daemon's RLIMIT_NOFILE, soft and hard.
  explicit DaemonProcess(std::string state_dir, std::vector<std::string> extra_args = {}, rlim_t nofile = 0)
      : state_dir_(std::move(state_dir)), extra_args_(std::move(extra_args)), nofile_(nofile) {}
  ~DaemonProcess();
  // Starts it and waits for its "listening on" line; returns false on failure.
  bool start() { return launch() && wait_listening(); }
  // The two halves of start(): a test can kill the daemon in between.
  bool launch();
  bool wait_listening();
  pid_t pid() const { return pid_; }
  void kill9();
  // SIGTERM and wait; true if it exited with status 0. Its data plane
  // keeps forwarding.
  bool terminate();
  // `polycubed --teardown` on its pin root; true if that exited with 0.
  bool teardown();
  // terminate() then, if this object's daemon left a data plane (also after
  // kill9()), teardown(): the daemon and its data plane are gone.
  bool stop();
  const std::string &url() const { return url_; }  // http://127.0.0.1:<port>

 private:
  std::string state_dir_, url_, pin_root_;
  std::vector<std::string> extra_args_;
  rlim_t nofile_ = 0;
  pid_t pid_ = -1;
  bool data_plane_left_ = false;  // stopped or killed, not torn down yet
  int out_fd_ = -1;  // its stdout, until the "listening on" line
};

}  // namespace pcntest
