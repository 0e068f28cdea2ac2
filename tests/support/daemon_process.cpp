#include "daemon_process.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>

namespace pcntest {

DaemonProcess::~DaemonProcess() { stop(); }

bool DaemonProcess::launch() {
  int pipefd[2];
  if (pipe(pipefd) != 0) return false;
  pid_ = fork();
  if (pid_ < 0) return false;
  if (pid_ == 0) {
    dup2(pipefd[1], STDOUT_FILENO);
    close(pipefd[0]);
    if (nofile_) {
      rlimit rl{nofile_, nofile_};
      setrlimit(RLIMIT_NOFILE, &rl);
    }
    std::vector<const char *> argv = {"polycubed", "--port", "0", "--log-level", "warn", "--state-dir",
                                      state_dir_.c_str()};
    for (const auto &a : extra_args_) argv.push_back(a.c_str());
    argv.push_back(nullptr);
    execv(PCN_BUILD_DIR "/bin/polycubed", const_cast<char *const *>(argv.data()));
    _exit(127);
  }
  close(pipefd[1]);
  out_fd_ = pipefd[0];
  return true;
}

bool DaemonProcess::wait_listening() {
  if (out_fd_ < 0) return false;
  FILE *f = fdopen(out_fd_, "r");
  out_fd_ = -1;
  char line[256] = {};
  bool ok = fgets(line, sizeof(line), f) != nullptr;
  fclose(f);
  std::string s(line);
  auto colon = s.rfind(':');
  if (!ok || colon == std::string::npos) return false;
  url_ = "http://127.0.0.1:" + std::to_string(std::atoi(s.c_str() + colon + 1));
  return true;
}

void DaemonProcess::kill9() {
  if (out_fd_ >= 0) close(out_fd_);
  out_fd_ = -1;
  if (pid_ <= 0) return;
  kill(pid_, SIGKILL);
  waitpid(pid_, nullptr, 0);
  pid_ = -1;
}

bool DaemonProcess::stop() {
  if (out_fd_ >= 0) close(out_fd_);
  out_fd_ = -1;
  if (pid_ <= 0) return true;
  kill(pid_, SIGTERM);
  int status = 0;
  waitpid(pid_, &status, 0);
  pid_ = -1;
  return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

}  // namespace pcntest
