// End-to-end: the process that built a topology is killed with SIGKILL.
// Forwarding goes on (everything is pinned or attached in the kernel), and a
// new runtime on the same pin root takes the netdevs over cleanly.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "polycube/runtime.h"
#include "simplebridge.h"
#include "testnet.h"

using namespace polycube;
using namespace polycube::services;
using namespace pcntest;

namespace {

class CrashRecovery : public ::testing::TestWithParam<Mode> {};

TEST_P(CrashRecovery, ForwardingSurvivesKillAndANewRuntimeTakesOver) {
  TestNet net;
  net.add_ns("a");
  net.add_ns("b");
  std::string va = net.add_host("a", "va", "10.33.0.1/24");
  std::string vb = net.add_host("b", "vb", "10.33.0.2/24");
  for (const char *n : {"a", "b"}) net.in(n, "ethtool -K eth0 gro on >/dev/null");
  auto ping = [&] { return net.in("a", "ping -c 2 -i 0.1 -W 1 -q 10.33.0.2 >/dev/null") == 0; };

  pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    // No gtest assertions here: build, then die without any cleanup.
    Runtime rt;
    auto sb = rt.create<SimpleBridge>("sb1", GetParam());
    sb->add_port("p1", va);
    sb->add_port("p2", vb);
    raise(SIGKILL);
  }
  int status = 0;
  waitpid(child, &status, 0);
  ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
  EXPECT_TRUE(ping()) << "forwarding stopped with the process";

  Runtime rt;  // finds the stale pin root and starts clean
  auto sb = rt.create<SimpleBridge>("sb1", GetParam());
  sb->add_port("p1", va);  // takes over the dead runtime's hook
  sb->add_port("p2", vb);
  EXPECT_TRUE(ping());
  EXPECT_EQ(sb->fdb().size(), 2u);  // learned by the new cube
  rt.delete_cube("sb1");
  EXPECT_EQ(sh_out("tc filter show dev " + va + " ingress | grep -c pcn_"), "0");
  EXPECT_EQ(sh_out("ip -d link show dev " + va + " | grep -c 'prog/xdp'"), "0");
}

INSTANTIATE_TEST_SUITE_P(Modes, CrashRecovery, ::testing::Values(Mode::kTc, Mode::kXdpSkb, Mode::kXdpDrv),
                         [](const auto &info) { return std::string(to_string(info.param)); });

}  // namespace
