// End-to-end: a cube's entry block is replaced 1000 times while a UDP stream
// crosses it; every datagram sent must arrive (zero loss), in TC and XDP.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>

#include "helloworld.h"
#include "polycube/runtime.h"
#include "testnet.h"
#include "udpflow.h"

using namespace polycube;
using namespace polycube::services;
using namespace pcntest;

namespace {

class HotSwap : public ::testing::TestWithParam<Mode> {};

TEST_P(HotSwap, ThousandSwapsUnderTrafficLoseNothing) {
  TestNet net;
  net.add_ns("a");
  net.add_ns("b");
  std::string va = net.add_host("a", "va", "10.88.0.1/24", "02:00:00:00:02:01");
  std::string vb = net.add_host("b", "vb", "10.88.0.2/24", "02:00:00:00:02:02");
  // Static neighbours: no ARP in flight while counting.
  net.in("a", "ip neigh replace 10.88.0.2 lladdr 02:00:00:00:02:02 dev eth0");
  net.in("b", "ip neigh replace 10.88.0.1 lladdr 02:00:00:00:02:01 dev eth0");
  Runtime rt;
  auto hw = rt.create<HelloWorld>("hw1", GetParam());
  hw->add_port("p0", va);
  hw->add_port("p1", vb);
  hw->set_action(HelloWorld::Action::kForward);
  uint32_t first_id = hw->blocks().at(0).prog_id;

  UdpFlow flow(net.ns("a"), net.ns("b"), "10.88.0.2", 7000, 10'000'000, 50);
  flow.start();
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  std::vector<double> us;
  for (int i = 0; i < 1000; i++) {
    auto t0 = std::chrono::steady_clock::now();
    hw->load_block(0, i % 2 == 0 ? "hw_main_alt" : "hw_main");
    us.push_back(std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0).count());
  }
  EXPECT_TRUE(flow.sending()) << "the stream ended before the swaps did";
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  flow.stop_sending();
  flow.finish(1000);
  std::sort(us.begin(), us.end());
  std::printf("hot swap %s: sent %llu received %llu; swap median %.0f us p99 %.0f us\n", to_string(GetParam()),
              (unsigned long long)flow.sent(), (unsigned long long)flow.received(), us[500], us[990]);
  EXPECT_GT(flow.sent(), 1000u);
  EXPECT_EQ(flow.received(), flow.sent());
  EXPECT_NE(hw->blocks().at(0).prog_id, first_id);
  EXPECT_EQ(hw->blocks().at(0).program, "hw_main");  // 1000 swaps: back to the original code
  EXPECT_EQ(hw->port_stats("p0").drops, 0u);
}

INSTANTIATE_TEST_SUITE_P(Modes, HotSwap, ::testing::Values(Mode::kTc, Mode::kXdpSkb),
                         [](const auto &info) { return std::string(to_string(info.param)); });

}  // namespace
