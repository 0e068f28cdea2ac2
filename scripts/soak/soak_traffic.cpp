// pcn-soak-traffic: one paced UDP stream between two namespaces for
// scripts/soak.sh, counted at both ends (tests/support's UdpFlow). Runs until
// SIGINT/SIGTERM, writes "<sent> <received>" to STATUS_FILE every second, and
// at the end (after a 2 s drain) prints "sent N received M".
//
//   pcn-soak-traffic SRC_NS DST_NS DST_IP PORT PPS STATUS_FILE
#include <signal.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>

#include "udpflow.h"

namespace {
std::atomic<bool> g_stop{false};
void on_signal(int) { g_stop = true; }

void write_status(const std::string &file, const pcntest::UdpFlow &flow) {
  std::string tmp = file + ".tmp";
  if (FILE *f = std::fopen(tmp.c_str(), "w")) {
    std::fprintf(f, "%llu %llu\n", (unsigned long long)flow.sent(), (unsigned long long)flow.received());
    std::fclose(f);
    std::rename(tmp.c_str(), file.c_str());
  }
}
}  // namespace

int main(int argc, char **argv) {
  if (argc != 7) {
    std::fprintf(stderr, "usage: pcn-soak-traffic SRC_NS DST_NS DST_IP PORT PPS STATUS_FILE\n");
    return 2;
  }
  unsigned pps = static_cast<unsigned>(std::atoi(argv[5]));
  if (pps == 0 || pps > 1000000) {
    std::fprintf(stderr, "pcn-soak-traffic: PPS must be 1..1000000\n");
    return 2;
  }
  signal(SIGINT, on_signal);
  signal(SIGTERM, on_signal);
  pcntest::UdpFlow flow(argv[1], argv[2], argv[3], static_cast<uint16_t>(std::atoi(argv[4])), UINT64_MAX,
                        1000000 / pps);
  flow.start();
  while (!g_stop) {
    write_status(argv[6], flow);
    std::this_thread::sleep_for(std::chrono::seconds(1));
  }
  flow.stop_sending();
  flow.finish(2000);
  write_status(argv[6], flow);
  std::printf("sent %llu received %llu\n", (unsigned long long)flow.sent(), (unsigned long long)flow.received());
  return 0;
}
