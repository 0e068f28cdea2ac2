#include "daemon_process.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>

namespace pcntest {

DaemonProcess::~DaemonProcess() { stop(); }

bool DaemonProcess::start() {
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
  FILE *f = fdopen(pipefd[0], "r");
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
  if (pid_ <= 0) return;
  kill(pid_, SIGKILL);
  waitpid(pid_, nullptr, 0);
  pid_ = -1;
}

bool DaemonProcess::stop() {
  if (pid_ <= 0) return true;
  kill(pid_, SIGTERM);
  int status = 0;
  waitpid(pid_, &status, 0);
  pid_ = -1;
  return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

}  // namespace pcntest
