// End-to-end: what a runtime leaves outside its pin root. A runtime that
// used the slow path and died (kill -9) leaves its packet-out veth pair
// pcni<pid>/pcni<pid>b and its lock file under /run/lock; the next runtime
// to start removes both, and nothing of a runtime that is still alive. A
// runtime that stops normally removes its own.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>

#include "polycube/runtime.h"
#include "simplebridge.h"
#include "testnet.h"

using namespace polycube;
using namespace polycube::services;
using namespace pcntest;
namespace fs = std::filesystem;

namespace {

std::string lock_file(const std::string &pin_root) {
  std::string name = pin_root;
  for (auto &ch : name)
    if (ch == '/') ch = '_';
  return "/run/lock/polycube" + name + ".lock";
}

bool link_exists(const std::string &name) { return sh("ip link show dev " + name + " >/dev/null 2>&1") == 0; }

// A runtime on its own pin root that sends one frame through the slow path
// (so it creates pcni<pid>), then tells the parent on `ready` and either
// dies by SIGKILL or waits for the parent to kill it.
pid_t slow_path_runtime(const std::string &pin_root, bool die, int ready) {
  pid_t pid = fork();
  if (pid != 0) return pid;
  signal(SIGTERM, [](int) {});  // ends pause(), so the destructor runs
  {
    RuntimeOptions opts;
    opts.pin_root = pin_root;
    Runtime rt(opts);
    auto a = rt.create<SimpleBridge>("sb1", Mode::kTc);
    auto b = rt.create<SimpleBridge>("sb2", Mode::kTc);
    a->add_port("p1");
    b->add_port("p1");
    rt.connect("sb1:p1", "sb2:p1");
    std::string frame(60, '\0');
    frame[0] = frame[6] = 0x02;
    a->packet_out("p1", frame);
    char ok = 1;
    if (write(ready, &ok, 1) != 1) _exit(1);
    if (die) raise(SIGKILL);
    pause();
  }
  _exit(0);
}

TEST(Leftovers, DeadRuntimesVethAndLockGoAtTheNextStartLiveOnesStay) {
  std::string base = "/sys/fs/bpf/pt" + std::to_string(getpid());
  std::string dead_root = base + "-dead", live_root = base + "-live";
  int pipefd[2];
  ASSERT_EQ(pipe(pipefd), 0);
  char c;
  // The live one first: its start would clean up after the dead one.
  pid_t live = slow_path_runtime(live_root, false, pipefd[1]);
  ASSERT_EQ(read(pipefd[0], &c, 1), 1);
  pid_t dead = slow_path_runtime(dead_root, true, pipefd[1]);
  ASSERT_EQ(read(pipefd[0], &c, 1), 1);
  int status = 0;
  waitpid(dead, &status, 0);
  ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);

  std::string dead_veth = "pcni" + std::to_string(dead), live_veth = "pcni" + std::to_string(live);
  EXPECT_TRUE(link_exists(dead_veth));
  EXPECT_TRUE(link_exists(dead_veth + "b"));
  EXPECT_TRUE(fs::exists(lock_file(dead_root)));
  EXPECT_TRUE(link_exists(live_veth));
  EXPECT_TRUE(fs::exists(lock_file(live_root)));

  {
    Runtime rt;  // this test's own pin root
    EXPECT_FALSE(link_exists(dead_veth)) << "a dead runtime's packet-out veth survived a start";
    EXPECT_FALSE(link_exists(dead_veth + "b"));
    EXPECT_FALSE(fs::exists(lock_file(dead_root))) << "a dead runtime's lock file survived a start";
    EXPECT_TRUE(link_exists(live_veth)) << "a live runtime's veth was removed";
    EXPECT_TRUE(fs::exists(lock_file(live_root))) << "a live runtime's lock file was removed";
    EXPECT_TRUE(fs::exists(lock_file(rt.pin_root())));
    // The live runtime's root is still locked by it.
    RuntimeOptions opts;
    opts.pin_root = live_root;
    EXPECT_THROW(Runtime second(opts), Error);
  }
  EXPECT_FALSE(fs::exists(lock_file(default_pin_root()))) << "a runtime that stopped kept its lock file";

  kill(live, SIGTERM);  // pause() ends, the runtime's destructor runs
  waitpid(live, &status, 0);
  EXPECT_FALSE(link_exists(live_veth)) << "a runtime that stopped kept its veth";
  EXPECT_FALSE(fs::exists(lock_file(live_root)));
  close(pipefd[0]);
  close(pipefd[1]);
  sh("rm -rf " + dead_root + " " + live_root);
  sh("ip link del " + dead_veth + " 2>/dev/null; ip link del " + live_veth + " 2>/dev/null");
}

}  // namespace
