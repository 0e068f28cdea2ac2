// Kernel memory of one empty cube of each service: the sum of its own
// maps' memlock (the kernel's charge for each map, fdinfo), the maps the
// cube pins under <pin root>/cubes/<name>/maps. The framework's global maps
// (shared by every cube) are printed once apart. The goal: an
// empty cube under 256 KiB, growing with what it holds.
//
//   pcn-bench-memory
#include <bpf/bpf.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include <spdlog/spdlog.h>

#include "bench_util.h"
#include "bridge.h"
#include "ddosmitigator.h"
#include "firewall.h"
#include "helloworld.h"
#include "lbdsr.h"
#include "lbrp.h"
#include "nat.h"
#include "packetcapture.h"
#include "polycube/runtime.h"
#include "router.h"
#include "simplebridge.h"
#include "transparenthelloworld.h"

using namespace polycube;
using namespace polycube::services;
namespace fs = std::filesystem;

namespace {

constexpr double kGoalKiB = 256;

struct Usage {
  uint64_t bytes = 0;
  size_t maps = 0;
  std::string largest;
  uint64_t largest_bytes = 0;
};

// Sum of the memlock of every map pinned under `dir`.
Usage maps_under(const std::string &dir) {
  Usage u;
  std::error_code ec;
  for (const auto &e : fs::directory_iterator(dir, ec)) {
    int fd = bpf_obj_get(e.path().c_str());
    if (fd < 0) continue;
    uint64_t b = pcnbench::map_memlock(fd);
    close(fd);
    u.bytes += b;
    u.maps++;
    if (b > u.largest_bytes) {
      u.largest_bytes = b;
      u.largest = e.path().filename();
    }
  }
  return u;
}

void print_row(const std::string &what, const Usage &u, bool goal) {
  std::printf("%-40s %10.1f KiB  %2zu maps  largest %-18s %9.1f KiB", what.c_str(), u.bytes / 1024.0, u.maps,
              u.largest.c_str(), u.largest_bytes / 1024.0);
  if (goal) std::printf("  goal %.0f KiB  ratio %.2f", kGoalKiB, u.bytes / 1024.0 / kGoalKiB);
  std::printf("\n");
}

template <class T>
void measure(Runtime &rt, const std::string &service) {
  auto cube = rt.create<T>("mem1", Mode::kTc);
  Usage u = maps_under(cube->pin_dir() + "/maps");
  cube.reset();
  rt.delete_cube("mem1");
  print_row(service + " (empty cube, TC)", u, true);
}

}  // namespace

int main() {
  spdlog::set_level(spdlog::level::warn);
  setenv("PCN_PIN_ROOT", ("/sys/fs/bpf/pt" + std::to_string(getpid()) + "-pins").c_str(), 0);
  try {
    Runtime rt;
    std::printf("kernel map memory (fdinfo memlock) of one empty cube of each service\n");
    measure<Bridge>(rt, "bridge");
    measure<DdosMitigator>(rt, "ddosmitigator");
    measure<Firewall>(rt, "firewall");
    measure<HelloWorld>(rt, "helloworld");
    measure<Lbdsr>(rt, "lbdsr");
    measure<Lbrp>(rt, "lbrp");
    measure<Nat>(rt, "nat");
    measure<PacketCapture>(rt, "packetcapture");
    measure<Router>(rt, "router");
    measure<SimpleBridge>(rt, "simplebridge");
    measure<TransparentHelloWorld>(rt, "transparenthelloworld");
    print_row("framework globals (shared, once)", maps_under(rt.globals_dir()), false);
  } catch (const std::exception &e) {
    std::fprintf(stderr, "pcn-bench-memory: %s\n", e.what());
    return 1;
  }
  return 0;
}
