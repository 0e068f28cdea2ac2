// Runs build/bin/polycubed as a child process on a free loopback port with
// its own state directory, and stops it (SIGTERM, or SIGKILL on request).
#pragma once

#include <sys/types.h>

#include <string>

namespace pcntest {

class DaemonProcess {
 public:
  explicit DaemonProcess(std::string state_dir) : state_dir_(std::move(state_dir)) {}
  ~DaemonProcess();
  // Starts it and waits for its "listening on" line; returns false on failure.
  bool start() { return launch() && wait_listening(); }
  // The two halves of start(): a test can kill the daemon in between.
  bool launch();
  bool wait_listening();
  pid_t pid() const { return pid_; }
  void kill9();
  // SIGTERM and wait; true if it exited with status 0.
  bool stop();
  const std::string &url() const { return url_; }  // http://127.0.0.1:<port>

 private:
  std::string state_dir_, url_;
  pid_t pid_ = -1;
  int out_fd_ = -1;  // its stdout, until the "listening on" line
};

}  // namespace pcntest
