// End-to-end: a graceful stop (SIGTERM, what `systemctl stop` and
// `restart` send) leaves the data plane forwarding, so a restart or an
// upgrade cuts no traffic; `polycubed --teardown` then removes every pin,
// hook, tc filter and qdisc the daemon made, and nothing else.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <thread>

#include "pcnd.h"
#include "polycube/runtime.h"
#include "testnet.h"
#include "udpflow.h"

using namespace pcntest;
namespace fs = std::filesystem;
using std::chrono::milliseconds;

namespace {

class GracefulStop : public ::testing::Test {
 protected:
  void SetUp() override {
    net.add_ns("a");
    net.add_ns("b");
    va = net.add_host("a", "va", "10.67.0.1/24");
    vb = net.add_host("b", "vb", "10.67.0.2/24");
    // Static neighbours: the stream needs no ARP, which a bridge with an
    // empty FDB after a restart would only flood.
    net.in("a", "ip neigh replace 10.67.0.2 lladdr $(ip netns exec " + net.ns("b") +
                    " cat /sys/class/net/eth0/address) dev eth0");
    net.in("b", "ip neigh replace 10.67.0.1 lladdr $(ip netns exec " + net.ns("a") +
                    " cat /sys/class/net/eth0/address) dev eth0");
    // Not the daemon's: every stop and the teardown must keep it.
    ASSERT_EQ(sh("tc qdisc add dev " + vb + " clsact"), 0);
    ASSERT_TRUE(pcnd.start());
    RestReply r = pcnd.rest("POST", "", R"({"bridge:bridge":[{"name":"br1","ports":[{"name":"p1","peer":")" + va +
                                            R"("},{"name":"p2","peer":")" + vb + R"("}]}]})");
    ASSERT_EQ(r.status, 201) << r.body;
  }
  bool ping() { return net.in("a", "ping -c 1 -W 1 -q 10.67.0.2 >/dev/null") == 0; }
  int teardown() {
    int rc = std::system((PCN_BUILD_DIR "/bin/polycubed --teardown --log-level warn --state-dir " + pcnd.state_dir() +
                          " >/dev/null")
                             .c_str());
    return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
  }
  std::string filters(const std::string &dev) {
    return sh_out("tc filter show dev " + dev + " ingress; tc filter show dev " + dev + " egress");
  }
  std::string clsacts(const std::string &dev) { return sh_out("tc qdisc show dev " + dev + " | grep -c clsact"); }

  TestNet net;
  std::string va, vb;
  Pcnd pcnd{net.prefix() + "gs"};
};

TEST_F(GracefulStop, SigtermAndRestartUnderAUdpStreamLoseNothing) {
  ASSERT_TRUE(ping());
  const std::string config = pcnd.rest("GET", "?content=config").body;
  UdpFlow flow(net.ns("a"), net.ns("b"), "10.67.0.2", 7300, 2000, 1000);  // ~2 s
  flow.start();
  std::this_thread::sleep_for(milliseconds(300));
  const std::string inject_veth = "pcni" + std::to_string(pcnd.pid());
  ASSERT_TRUE(pcnd.terminate()) << "polycubed did not exit cleanly on SIGTERM";
  // No daemon at all for a while: the kernel forwards on its own.
  std::this_thread::sleep_for(milliseconds(500));
  EXPECT_NE(filters(va).find("pcn_"), std::string::npos) << "SIGTERM took the hook off";
  EXPECT_TRUE(fs::exists(polycube::default_pin_root() + "/cubes"));
  EXPECT_NE(sh("ip link show " + inject_veth + " >/dev/null 2>&1"), 0) << "the packet-out veth outlived its daemon";
  ASSERT_TRUE(pcnd.start());  // adopts the running data plane
  EXPECT_EQ(pcnd.rest("GET", "?content=config").body, config);
  flow.finish();
  std::printf("SIGTERM and restart under traffic: sent %llu received %llu\n", (unsigned long long)flow.sent(),
              (unsigned long long)flow.received());
  EXPECT_GT(flow.sent(), 1000u);
  EXPECT_EQ(flow.received(), flow.sent());
  EXPECT_TRUE(ping());
  // The adopted data plane is the daemon's again: a delete takes effect.
  EXPECT_EQ(pcnd.rest("DELETE", "/bridge:bridge=br1").status, 204);
  EXPECT_FALSE(ping());
  EXPECT_TRUE(pcnd.stop());
}

TEST_F(GracefulStop, TeardownLeavesNoPinHookNorFilter) {
  ASSERT_TRUE(pcnd.terminate());
  ASSERT_TRUE(ping()) << "a stopped daemon's bridge forwards";
  // While a daemon runs on the pin root, teardown refuses and changes nothing.
  ASSERT_TRUE(pcnd.start());
  EXPECT_EQ(teardown(), 1);
  EXPECT_TRUE(ping());
  ASSERT_TRUE(pcnd.terminate());

  EXPECT_EQ(teardown(), 0);
  EXPECT_FALSE(fs::exists(polycube::default_pin_root())) << "pins left behind";
  EXPECT_EQ(filters(va).find("pcn_"), std::string::npos) << filters(va);
  EXPECT_EQ(filters(vb).find("pcn_"), std::string::npos) << filters(vb);
  EXPECT_EQ(clsacts(va), "0") << "the daemon's own qdisc was left behind";
  EXPECT_EQ(clsacts(vb), "1") << "a qdisc the daemon did not create was removed";
  EXPECT_FALSE(ping()) << "nothing forwards any more";
  // Nothing left: a second teardown has nothing to do and says so.
  EXPECT_EQ(teardown(), 0);
  // The configuration stays: the next start brings the bridge back.
  ASSERT_TRUE(pcnd.start());
  EXPECT_TRUE(ping());
  EXPECT_TRUE(pcnd.stop());
  EXPECT_FALSE(fs::exists(polycube::default_pin_root()));
}

}  // namespace
