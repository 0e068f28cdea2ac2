// Control-plane timings: cube creation, port add, block hot swap; each next
// to its closest Linux/kernel equivalent timed in the same run (creating a
// Linux bridge over netlink, a raw prog-array update).
//
//   pcn-bench-control [iterations]   (default 300; swaps: 1000)
#include <bpf/bpf.h>
#include <netlink/route/link.h>
#include <netlink/route/link/bridge.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>

#include <spdlog/spdlog.h>

#include "bench_util.h"
#include "helloworld.h"
#include "polycube/runtime.h"
#include "testnet.h"

using namespace polycube;
using namespace polycube::services;
using namespace pcnbench;

namespace {

void print(const char *what, const Summary &s, const char *unit = "us") {
  std::printf("%-44s median %8.1f %s   p99 %8.1f %s\n", what, s.median, unit, s.p99, unit);
}

// Creating and deleting a Linux bridge through rtnetlink (no process spawn).
Summary linux_bridge_create(int n) {
  nl_sock *sk = nl_socket_alloc();
  nl_connect(sk, NETLINK_ROUTE);
  std::string name = "pcnbb" + std::to_string(getpid() % 100000);
  std::vector<double> create;
  for (int i = 0; i < n; i++) {
    rtnl_link *link = rtnl_link_bridge_alloc();
    rtnl_link_set_name(link, name.c_str());
    create.push_back(time_us([&] { rtnl_link_add(sk, link, NLM_F_CREATE | NLM_F_EXCL); }));
    rtnl_link_delete(sk, link);
    rtnl_link_put(link);
  }
  nl_socket_free(sk);
  return summarize(create);
}

}  // namespace

int main(int argc, char **argv) {
  int n = argc > 1 ? std::atoi(argv[1]) : 300;
  spdlog::set_level(spdlog::level::warn);
  pcntest::TestNet net;
  net.add_ns("a");
  std::string va = net.add_host("a", "va", "");
  Runtime rt;
  rt.create<HelloWorld>("warmup");  // first load in a process pays libbpf's feature probes
  rt.delete_cube("warmup");

  std::vector<double> create, del, port_add, port_del;
  for (int i = 0; i < n; i++) {
    std::shared_ptr<HelloWorld> hw;
    create.push_back(time_us([&] { hw = rt.create<HelloWorld>("hw1", Mode::kTc); }));
    port_add.push_back(time_us([&] { hw->add_port("p0", va); }));
    port_del.push_back(time_us([&] {
      hw->set_peer("p0", "");
      hw->del_port("p0");
    }));
    hw.reset();
    del.push_back(time_us([&] { rt.delete_cube("hw1"); }));
  }
  std::printf("control plane, %d iterations (TC mode)\n", n);
  print("create helloworld cube (load + pin)", summarize(create));
  print("  Linux: create a bridge over netlink", linux_bridge_create(n));
  print("delete helloworld cube", summarize(del));
  print("add port with netdev peer (TC attach)", summarize(port_add));
  print("clear peer + delete port (TC detach)", summarize(port_del));

  auto hw = rt.create<HelloWorld>("hw1", Mode::kTc);
  hw->add_port("p0", va);
  std::vector<double> swap;
  for (int i = 0; i < 1000; i++)
    swap.push_back(time_us([&] { hw->load_block(0, i % 2 ? "hw_main" : "hw_main_alt"); }));
  print("hot swap of a block (load + 2 map updates + pin)", summarize(swap));
  // The atomic step alone: one prog-array update with an already loaded program.
  int blocks = hw->map_fd("pcn_blocks");
  int fd_a = bpf_obj_get((hw->pin_dir() + "/progs/slot0").c_str());
  hw->load_block(1, "hw_main_alt");
  int fd_b = bpf_obj_get((hw->pin_dir() + "/progs/slot1").c_str());
  std::vector<double> raw;
  uint32_t key = 2;
  for (int i = 0; i < 1000; i++) {
    int fd = i % 2 ? fd_a : fd_b;
    raw.push_back(time_us([&] { bpf_map_update_elem(blocks, &key, &fd, BPF_ANY); }));
  }
  print("  kernel: one prog-array update", summarize(raw));
  close(fd_a);
  close(fd_b);
  return 0;
}
