// End-to-end: polycubed killed again and again during start-up (a crash
// loop) while a UDP stream crosses a bridge between two namespaces. Every
// run that dies leaves the previous data path pinned, so not one datagram
// is lost; a graceful stop after the chain removes the clsact qdiscs the
// daemon created and keeps the one it found.
#include <bpf/bpf.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <thread>

#include "daemon_process.h"
#include "pcnd.h"
#include "polycube/runtime.h"
#include "simplebridge.h"
#include "testnet.h"
#include "udpflow.h"

using namespace pcntest;
namespace fs = std::filesystem;
using std::chrono::milliseconds;

namespace {

// Kernel id of the TC hook program pinned under the pin root (0: none).
// A new run pins its own as soon as it has set the previous run aside.
uint32_t pinned_hook_id() {
  int fd = bpf_obj_get((polycube::default_pin_root() + "/hooks/tc_ingress").c_str());
  if (fd < 0) return 0;
  bpf_prog_info info{};
  uint32_t len = sizeof(info);
  uint32_t id = bpf_obj_get_info_by_fd(fd, &info, &len) == 0 ? info.id : 0;
  close(fd);
  return id;
}

std::string clsact_count(const std::string &dev) {
  return sh_out("tc qdisc show dev " + dev + " | grep -c clsact");
}

TEST(CrashLoop, KillsDuringStartUpLoseNothingAndAGracefulStopLeavesNoQdisc) {
  TestNet net;
  net.add_ns("a");
  net.add_ns("b");
  std::string va = net.add_host("a", "va", "10.66.0.1/24");
  std::string vb = net.add_host("b", "vb", "10.66.0.2/24");
  // Static neighbours: the stream needs no ARP, which a cube with an
  // empty FDB after a restart would only flood.
  net.in("a", "ip neigh replace 10.66.0.2 lladdr $(ip netns exec " + net.ns("b") +
                  " cat /sys/class/net/eth0/address) dev eth0");
  net.in("b", "ip neigh replace 10.66.0.1 lladdr $(ip netns exec " + net.ns("a") +
                  " cat /sys/class/net/eth0/address) dev eth0");
  // vb's clsact qdisc is not the daemon's: it must survive every stop.
  ASSERT_EQ(sh("tc qdisc add dev " + vb + " clsact"), 0);

  Pcnd pcnd(net.prefix() + "loop");
  ASSERT_TRUE(pcnd.start());
  RestReply r = pcnd.rest("POST", "", R"({"simplebridge:simplebridge":[{"name":"sb1","ports":[{"name":"p1","peer":")" +
                                          va + R"("},{"name":"p2","peer":")" + vb + R"("}]}]})");
  ASSERT_EQ(r.status, 201) << r.body;
  const std::string config = pcnd.rest("GET", "?content=config").body;
  ASSERT_EQ(clsact_count(va), "1");

  UdpFlow flow(net.ns("a"), net.ns("b"), "10.66.0.2", 7200, 100000, 1000);  // stopped below
  flow.start();
  std::this_thread::sleep_for(milliseconds(200));
  pcnd.kill9();

  // Each run dies at another point of its start-up, measured from when it
  // has set the previous run aside (its own hook program is pinned):
  // during the restore, during the take-over of the netdevs, or later.
  const int extra_ms[] = {0, 1, 3, 8, 15, 30, 60};
  for (int extra : extra_ms) {
    uint32_t before = pinned_hook_id();
    DaemonProcess run(pcnd.state_dir());
    ASSERT_TRUE(run.launch());
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (pinned_hook_id() == before && std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(std::chrono::microseconds(200));
    std::this_thread::sleep_for(milliseconds(extra));
    run.kill9();
    std::this_thread::sleep_for(milliseconds(100));  // no daemon at all for a while
  }
  ASSERT_TRUE(pcnd.start());
  EXPECT_EQ(pcnd.rest("GET", "?content=config").body, config);
  std::this_thread::sleep_for(milliseconds(300));
  flow.stop_sending();
  flow.finish();
  std::printf("crash loop of %zu kills: sent %llu received %llu\n", std::size(extra_ms) + 1,
              (unsigned long long)flow.sent(), (unsigned long long)flow.received());
  EXPECT_GT(flow.sent(), 500u);
  EXPECT_EQ(flow.received(), flow.sent());

  // Nothing of the dead runs stays pinned once this one has taken over.
  EXPECT_FALSE(fs::exists(polycube::default_pin_root() + "/stale"));
  EXPECT_TRUE(pcnd.stop());
  EXPECT_EQ(clsact_count(va), "0") << "the daemon's own qdisc was left behind";
  EXPECT_EQ(clsact_count(vb), "1") << "a qdisc the daemon did not create was removed";
  EXPECT_EQ(sh_out("tc filter show dev " + vb + " ingress | grep -c pcn_"), "0");
}

// A run that dies may have hooked a netdev that the next run's
// configuration does not use (a cube created just before the crash, never
// committed). The next run takes that hook and the qdisc created for it
// off, instead of leaving a hook whose data path is gone.
TEST(CrashLoop, HooksTheNextRunDoesNotUseAreTakenOff) {
  TestNet net;
  net.add_ns("a");
  std::string va = net.add_host("a", "va", "10.68.0.1/24");
  std::string vx = net.add_host("a", "vx", "", "", "eth1");
  pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    polycube::Runtime rt;
    auto sb = rt.create<polycube::services::SimpleBridge>("sb1", polycube::Mode::kTc);
    sb->add_port("p1", va);
    auto xb = rt.create<polycube::services::SimpleBridge>("xb1", polycube::Mode::kXdpSkb);
    xb->add_port("p1", vx);
    raise(SIGKILL);
  }
  int status = 0;
  waitpid(child, &status, 0);
  ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
  ASSERT_EQ(clsact_count(va), "1");
  ASSERT_EQ(sh_out("ip -d link show dev " + vx + " | grep -c 'prog/xdp'"), "1");
  polycube::Runtime rt;  // nothing to restore: the previous hooks are let go
  EXPECT_EQ(clsact_count(va), "0");
  EXPECT_EQ(sh_out("tc filter show dev " + va + " ingress | grep -c pcn_"), "0");
  EXPECT_EQ(sh_out("ip -d link show dev " + vx + " | grep -c 'prog/xdp'"), "0");
}

}  // namespace
