// The netdev hook's attach: a tcx link (bpf_link-based TC attach, kernel
// 6.6+) against cls_bpf (a clsact qdisc with a direct-action filter, what
// libpolycube uses today), for a bare program and for an empty cube's
// entry, in ns/packet through the same generator, same veth, same run.
//
// Generator: XDP live frames (xdp_flood.h) from namespace a into the host
// side of a's veth, whose TC ingress drops every frame: with the bare
// program (router_sink.bpf.c, TC_ACT_SHOT), or with the framework's TC
// hook dispatching to a helloworld cube whose action is drop (an empty
// cube's entry). ns/packet = 1e9 / frames per second reaching the veth;
// the hook is the only thing that differs between the rows, so their
// difference is what the attach costs. Rounds interleave the four cases;
// each figure is the median.
//
// Debian 12's libbpf (1.1) has neither bpf_program__attach_tcx nor
// BPF_TCX_INGRESS: the link is made with raw bpf_link_create.
//
// Measures only: libpolycube keeps cls_bpf until this says tcx wins.
//
//   pcn-bench-tcx [seconds] [rounds]     (defaults 1, 5)
#include <bpf/bpf.h>
#include <net/if.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <map>
#include <stdexcept>
#include <thread>
#include <vector>

#include <spdlog/spdlog.h>

#include "frames.h"
#include "helloworld.h"
#include "polycube/bpf_loader.h"
#include "polycube/netdev.h"
#include "polycube/runtime.h"
#include "tcx_sink_bpf.h"
#include "testnet.h"
#include "xdp_flood.h"

using namespace polycube;
using namespace polycube::services;
using namespace pcntest;

namespace {

// enum bpf_attach_type's BPF_TCX_INGRESS (include/uapi/linux/bpf.h, 6.6+),
// absent from Debian 12's linux-libc-dev.
constexpr int kBpfTcxIngress = 46;

// A tcx link of `prog_fd` at `ifindex`'s ingress; the link's fd (closing
// it detaches).
int tcx_attach(uint32_t ifindex, int prog_fd) {
  int fd = bpf_link_create(prog_fd, int(ifindex), static_cast<bpf_attach_type>(kBpfTcxIngress), nullptr);
  if (fd < 0) throw std::runtime_error("bpf_link_create(BPF_TCX_INGRESS): error " + std::to_string(fd));
  return fd;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

}  // namespace

int run(double seconds, int rounds) {
  TestNet net;
  net.add_ns("a");
  std::string va = net.add_host("a", "va", "10.96.0.1/24", "02:00:00:00:96:01");
  sh("ethtool -K " + va + " gro on >/dev/null");  // takes the XDP generator's frames (xdp_flood.h)
  uint32_t ifindex = netdev_ifindex(va);
  std::string frame = udp_frame(mac(sh_out("cat /sys/class/net/" + va + "/address")), mac("02:00:00:00:96:01"),
                                ip("10.96.0.1"), ip("10.96.0.2"), 9, 9, 64);
  auto rx = [&] { return std::strtoull(sh_out("cat /sys/class/net/" + va + "/statistics/rx_packets").c_str(), nullptr, 10); };
  auto rate = [&] {
    pcnbench::xdp_flood(net.ns("a"), frame, pcnbench::udp_source_ports(9, 64), 0.1);  // warm-up
    uint64_t before = rx();
    auto t0 = std::chrono::steady_clock::now();
    pcnbench::xdp_flood(net.ns("a"), frame, pcnbench::udp_source_ports(9, 64), seconds);
    double took = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    return (rx() - before) / took;
  };

  LoadSpec spec;
  auto sink = load_object(tcx_sink_bpf().tc, spec);
  int sink_fd = sink->prog_fd("bench_sink");
  Runtime rt;
  auto hw = rt.create<HelloWorld>("hw1", Mode::kTc);
  hw->set_action(HelloWorld::Action::kDrop);
  hw->add_port("in");
  int hook_fd = bpf_obj_get((rt.pin_root() + "/hooks/tc_ingress").c_str());
  if (hook_fd < 0) throw std::runtime_error("no pinned TC hook under " + rt.pin_root());

  // Each case sets up, measures, and leaves va without any TC program.
  struct Case {
    const char *name;
    std::function<double()> measure;
  };
  auto with_link = [&](int prog_fd) {
    int link = tcx_attach(ifindex, prog_fd);
    double r = rate();
    close(link);
    return r;
  };
  std::vector<Case> cases = {
      {"bare program, cls_bpf",
       [&] {
         tc_attach(ifindex, false, sink_fd);
         double r = rate();
         tc_destroy_qdisc(ifindex);
         return r;
       }},
      {"bare program, tcx link", [&] { return with_link(sink_fd); }},
      {"empty cube (helloworld drop), cls_bpf",
       [&] {
         hw->set_peer("in", va);  // the runtime attaches its hook with cls_bpf
         double r = rate();
         hw->set_peer("in", "");
         tc_destroy_qdisc(ifindex);
         return r;
       }},
      {"empty cube (helloworld drop), tcx link",
       [&] {
         hw->set_peer("in", va);
         tc_destroy_qdisc(ifindex);  // the same hook program, through a tcx link instead
         double r = with_link(hook_fd);
         hw->set_peer("in", "");
         return r;
       }},
  };
  std::map<std::string, std::vector<double>> pps;
  for (int r = 0; r < rounds; r++)
    for (auto &c : cases) pps[c.name].push_back(c.measure());
  close(hook_fd);

  std::printf("64-byte UDP, XDP live-frames generator into a veth whose TC ingress drops them, %.1f s x %d rounds (median)\n",
              seconds, rounds);
  auto ns = [&](const char *name) { return 1e9 / median(pps[name]); };
  for (auto &c : cases) std::printf("%-44s %10.0f pps %7.1f ns/pkt\n", c.name, median(pps[c.name]), ns(c.name));
  double bare_cls = ns(cases[0].name), bare_tcx = ns(cases[1].name), cube_cls = ns(cases[2].name),
         cube_tcx = ns(cases[3].name);
  std::printf("%-44s %+7.1f ns/pkt  ratio tcx/cls_bpf %.3f\n", "bare program: tcx - cls_bpf", bare_tcx - bare_cls,
              bare_tcx / bare_cls);
  std::printf("%-44s %+7.1f ns/pkt  ratio tcx/cls_bpf %.3f\n", "empty cube: tcx - cls_bpf", cube_tcx - cube_cls,
              cube_tcx / cube_cls);
  std::printf("%-44s %+7.1f ns/pkt (cls_bpf)  %+7.1f ns/pkt (tcx)\n", "empty cube - bare program", cube_cls - bare_cls,
              cube_tcx - bare_tcx);
  return 0;
}

int main(int argc, char **argv) {
  double seconds = argc > 1 ? std::atof(argv[1]) : 1.0;
  int rounds = argc > 2 ? std::atoi(argv[2]) : 5;
  if (seconds <= 0 || rounds < 1) {
    std::fprintf(stderr, "usage: pcn-bench-tcx [seconds>0] [rounds>=1]\n");
    return 2;
  }
  spdlog::set_level(spdlog::level::warn);
  setenv("PCN_PIN_ROOT", ("/sys/fs/bpf/pt" + std::to_string(getpid()) + "-pins").c_str(), 0);
  try {
    return run(seconds, rounds);
  } catch (const std::exception &e) {
    std::fprintf(stderr, "pcn-bench-tcx: %s\n", e.what());
    return 1;
  }
}
