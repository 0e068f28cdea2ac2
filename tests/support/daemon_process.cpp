#include "daemon_process.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>

namespace pcntest {

DaemonProcess::~DaemonProcess() {
  // A daemon killed or terminated on purpose keeps its data plane: the test
  // may start its successor with another object (it adopts it).
  if (pid_ > 0) stop();
  if (out_fd_ >= 0) close(out_fd_);
}

namespace {

// Runs polycubed with `args`, waits; true if it exited with 0.
bool run_polycubed(const std::vector<const char *> &args) {
  pid_t pid = fork();
  if (pid < 0) return false;
  if (pid == 0) {
    int null = open("/dev/null", O_WRONLY);  // its one-line report; errors stay on stderr
    if (null >= 0) dup2(null, STDOUT_FILENO);
    std::vector<const char *> argv = {"polycubed"};
    argv.insert(argv.end(), args.begin(), args.end());
    argv.push_back(nullptr);
    execv(PCN_BUILD_DIR "/bin/polycubed", const_cast<char *const *>(argv.data()));
    _exit(127);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

}  // namespace

bool DaemonProcess::launch() {
  // Its pin root, for teardown(): the environment's now (a test may set
  // PCN_PIN_ROOT only around the start).
  const char *root = std::getenv("PCN_PIN_ROOT");
  pin_root_ = root ? root : "";
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
  data_plane_left_ = true;
}

bool DaemonProcess::teardown() {
  std::vector<const char *> args = {"--teardown", "--log-level", "warn", "--state-dir", state_dir_.c_str()};
  if (!pin_root_.empty()) args.insert(args.end(), {"--pin-root", pin_root_.c_str()});
  bool ok = run_polycubed(args);
  if (ok) data_plane_left_ = false;
  return ok;
}

bool DaemonProcess::stop() {
  bool clean = terminate();
  bool torn_down = !data_plane_left_ || teardown();
  return clean && torn_down;
}

bool DaemonProcess::terminate() {
  if (out_fd_ >= 0) close(out_fd_);
  out_fd_ = -1;
  if (pid_ <= 0) return true;
  kill(pid_, SIGTERM);
  int status = 0;
  waitpid(pid_, &status, 0);
  pid_ = -1;
  data_plane_left_ = true;
  return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

}  // namespace pcntest
