// ns per packet under BPF_PROG_TEST_RUN through the real hook and cube
// programs, next to the cheapest possible program of the same hook type
// measured in the same run. Pinned to one CPU.
//
//   pcn-bench-prog [repeat]        (default 2000000)
#include <bpf/bpf.h>
#include <linux/bpf.h>

#include <cstdio>
#include <cstdlib>

#include <spdlog/spdlog.h>

#include "bench_util.h"
#include "baseline_bpf.h"
#include "frames.h"
#include "helloworld.h"
#include "polycube/netdev.h"
#include "polycube/runtime.h"
#include "progrun.h"
#include "simplebridge.h"
#include "testnet.h"

using namespace polycube;
using namespace polycube::services;
using namespace pcntest;

namespace {

uint32_t g_repeat = 2000000;

// Best of three runs of `repeat` iterations, in ns per packet.
double ns_per_packet(const std::string &pin, Mode mode, uint32_t ifindex, const std::string &frame) {
  double best = 1e18;
  for (int i = 0; i < 3; i++) {
    uint32_t d = 0;
    run_pinned(pin, mode, ifindex, frame, g_repeat, &d);
    best = std::min(best, double(d));
  }
  return best;
}

std::string frame_ab() {
  return udp_frame(mac("02:00:00:00:00:02"), mac("02:00:00:00:00:01"), ip("10.0.0.1"), ip("10.0.0.2"), 1, 2, 64);
}

void bench_mode(Mode mode, TestNet &net, const std::string &va, const std::string &vb) {
  Runtime rt;
  const char *m = to_string(mode);
  std::string hook = rt.pin_root() + (is_xdp(mode) ? "/hooks/xdp_ingress" : "/hooks/tc_ingress");
  uint32_t ifa = netdev_ifindex(va);
  std::string f = frame_ab();

  // Baseline: the cheapest program, pinned so run_pinned can find it.
  LoadSpec spec;
  spec.pin_root = rt.globals_dir();
  auto base = load_object(is_xdp(mode) ? baseline_bpf().xdp : baseline_bpf().tc, spec);
  std::string base_pin = rt.pin_root() + "/bench_baseline";
  bpf_obj_pin(base->prog_fd("bench_pass"), base_pin.c_str());
  double baseline = ns_per_packet(base_pin, mode, ifa, f);
  unlink(base_pin.c_str());
  double hook_only = ns_per_packet(hook, mode, ifa, f);  // no entry: one lookup, pass

  // 1..8 helloworld cubes in a chain: va -> hw0 -> hw1 ... -> vb.
  std::vector<double> chain;
  for (int n : {1, 2, 4, 8}) {
    std::vector<std::shared_ptr<HelloWorld>> hws;
    for (int i = 0; i < n; i++) {
      auto hw = rt.create<HelloWorld>("hw" + std::to_string(i), mode);
      hw->add_port("in", i == 0 ? va : "");
      hw->add_port("out", i == n - 1 ? vb : "");
      hw->set_action(HelloWorld::Action::kForward);
      if (i > 0) rt.connect("hw" + std::to_string(i - 1) + ":out", "hw" + std::to_string(i) + ":in");
      hws.push_back(hw);
    }
    chain.push_back(ns_per_packet(hook, mode, ifa, f));
    hws.clear();
    for (int i = 0; i < n; i++) rt.delete_cube("hw" + std::to_string(i));
  }
  // Least-squares slope over n = 1, 2, 4, 8.
  double xs[] = {1, 2, 4, 8}, mx = 3.75, my = 0;
  for (double y : chain) my += y / 4;
  double num = 0, den = 0;
  for (int i = 0; i < 4; i++) {
    num += (xs[i] - mx) * (chain[i] - my);
    den += (xs[i] - mx) * (xs[i] - mx);
  }
  double per_hop = num / den;

  // simplebridge: known unicast vs flood (unknown destination, 2 netdev ports).
  auto sb = rt.create<SimpleBridge>("sb1", mode);
  sb->add_port("p1", va);
  sb->add_port("p2", vb);
  std::string unknown = udp_frame(mac("02:00:00:00:00:99"), mac("02:00:00:00:00:01"), ip("10.0.0.1"),
                                  ip("10.0.0.9"), 1, 2, 64);
  double flood = ns_per_packet(hook, mode, ifa, unknown);
  // Teach it where 02:..:02 lives, then measure known unicast.
  std::string from_b = udp_frame(mac("02:00:00:00:00:01"), mac("02:00:00:00:00:02"), ip("10.0.0.2"),
                                 ip("10.0.0.1"), 2, 1, 64);
  run_pinned(hook, mode, netdev_ifindex(vb), from_b);
  double known = ns_per_packet(hook, mode, ifa, f);

  std::printf("%-8s baseline (return pass)            %7.1f ns/pkt\n", m, baseline);
  std::printf("%-8s netdev hook, no cube              %7.1f ns/pkt  (+%.1f over baseline)\n", m, hook_only,
              hook_only - baseline);
  std::printf("%-8s empty cube (hook->helloworld->redirect) %5.1f ns/pkt  (+%.1f over baseline)\n", m, chain[0],
              chain[0] - baseline);
  std::printf("%-8s chain of 1/2/4/8 cubes            %.1f / %.1f / %.1f / %.1f ns/pkt\n", m, chain[0], chain[1],
              chain[2], chain[3]);
  std::printf("%-8s each additional cube hop          %7.1f ns/pkt (least-squares slope)\n", m, per_hop);
  std::printf("%-8s simplebridge known unicast        %7.1f ns/pkt  (%.2fx baseline)\n", m, known, known / baseline);
  std::printf("%-8s simplebridge flood, 2 ports       %7.1f ns/pkt\n", m, flood);
  (void)net;
}

}  // namespace

int main(int argc, char **argv) {
  if (argc > 1) g_repeat = static_cast<uint32_t>(std::atoi(argv[1]));
  pcnbench::pin_to_cpu(1);
  spdlog::set_level(spdlog::level::warn);
  TestNet net;
  net.add_ns("a");
  net.add_ns("b");
  std::string va = net.add_host("a", "va", "");
  std::string vb = net.add_host("b", "vb", "");
  std::printf("BPF_PROG_TEST_RUN, repeat %u, best of 3, CPU 1\n", g_repeat);
  for (Mode m : {Mode::kTc, Mode::kXdpSkb}) bench_mode(m, net, va, vb);
  return 0;
}
