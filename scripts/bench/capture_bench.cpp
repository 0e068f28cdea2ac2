// packetcapture against tcpdump: packets per second recorded and packets
// lost, with snaplen 96 and a filter, while an AF_PACKET generator floods
// 128-byte UDP frames from a namespace to the host side of its veth as fast
// as it can. Same veth, same generator, same run, rounds interleaved.
//
// packetcapture (TC and XDP_SKB, attached to the veth): "recorded" is what
// reached the control plane's store through the ring (captured), "lost" the
// exact ring-full drops. tcpdump (-s 96 -w /dev/null, the same filter): its
// own end-of-run statistics ("captured", "dropped by kernel").
//
//   pcn-bench-capture [seconds per measure] [rounds]   (default 2 3)
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <map>
#include <regex>
#include <thread>

#include <spdlog/spdlog.h>

#include "flood.h"
#include "frames.h"
#include "packetcapture.h"
#include "polycube/runtime.h"
#include "testnet.h"

using namespace polycube;
using namespace polycube::services;
using namespace pcntest;

namespace {

const char *kMacA = "02:00:00:00:0c:01";
const char *kFilter = "udp and dst port 9";
volatile sig_atomic_t g_stop = 0;

struct Result {
  uint64_t sent = 0, recorded = 0, lost = 0;
};

uint64_t field(const std::string &text, const std::string &what) {
  std::smatch m;
  if (std::regex_search(text, m, std::regex("([0-9]+) packets? " + what))) return std::stoull(m[1]);
  return 0;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : v[v.size() / 2];
}

}  // namespace

int main(int argc, char **argv) {
  double seconds = argc > 1 ? std::atof(argv[1]) : 2.0;
  int rounds = argc > 2 ? std::atoi(argv[2]) : 3;
  if (seconds <= 0 || rounds < 1) {
    std::fprintf(stderr, "usage: pcn-bench-capture [seconds>0] [rounds>=1]\n");
    return 2;
  }
  spdlog::set_level(spdlog::level::warn);
  setenv("PCN_PIN_ROOT", ("/sys/fs/bpf/pt" + std::to_string(getpid()) + "-pins").c_str(), 0);
  for (int sig : {SIGINT, SIGTERM}) signal(sig, [](int) { g_stop = 1; });
  TestNet net;
  net.add_ns("a");
  std::string va = net.add_host("a", "va", "10.98.0.1/24", kMacA);
  net.in("a", "sysctl -qw net.ipv6.conf.all.disable_ipv6=1");
  sh("sysctl -qw net.ipv4.conf." + va + ".forwarding=0 net.ipv6.conf." + va + ".disable_ipv6=1");
  std::string va_mac = sh_out("cat /sys/class/net/" + va + "/address");
  std::vector<std::string> frames;
  for (uint32_t i = 0; i < 64; i++)
    frames.push_back(udp_frame(mac(va_mac), mac(kMacA), ip("10.98.0.1"), ip("10.98.1." + std::to_string(i + 1)), 1000 + i, 9, 128));
  std::string dump = "/tmp/" + net.prefix() + "tcpdump.err";

  Runtime rt;
  std::shared_ptr<PacketCapture> pc;
  auto cube = [&](Mode mode) {
    return std::make_pair(std::string("packetcapture ") + to_string(mode), std::function<Result()>([&, mode] {
      pc = rt.create<PacketCapture>("pc1", mode);
      pc->set_log_level("WARN");
      pc->set_directions(PacketCapture::kIngress);
      pc->set_snaplen(96);
      pc->set_filter(kFilter);
      rt.attach("pc1", va);
      // The store would fill in a second at these rates: empty it as a
      // reader writing a file would, so it never limits the figure.
      std::atomic<bool> done{false};
      std::thread clearer([&] {
        while (!done) {
          pc->clear();
          std::this_thread::sleep_for(std::chrono::milliseconds(50));
        }
      });
      Result r;
      r.sent = pcnbench::flood(net.ns("a"), frames, seconds, &g_stop);
      pc->drain();
      done = true;
      clearer.join();
      PacketCapture::Stats s = pc->stats();
      r.recorded = s.captured;
      r.lost = s.ring_drops;
      rt.detach("pc1", va);
      pc.reset();
      rt.delete_cube("pc1");
      return r;
    }));
  };
  auto tcpdump = std::make_pair(std::string("tcpdump -s 96 -w /dev/null"), std::function<Result()>([&] {
    std::string pid = sh_out("tcpdump -i " + va + " -n -s 96 -B 16384 -w /dev/null '" + std::string(kFilter) + "' >/dev/null 2>" + dump +
                             " & echo $!");
    for (int i = 0; i < 100 && sh("grep -q listening " + dump) != 0; i++)
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    Result r;
    r.sent = pcnbench::flood(net.ns("a"), frames, seconds, &g_stop);
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    sh("kill -INT " + pid);
    for (int i = 0; i < 100 && sh("kill -0 " + pid + " 2>/dev/null") == 0; i++)
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    std::string text = sh_out("cat " + dump);
    r.recorded = field(text, "captured");
    r.lost = field(text, "dropped by kernel");
    return r;
  }));
  std::vector<std::pair<std::string, std::function<Result()>>> scenarios = {tcpdump, cube(Mode::kTc), cube(Mode::kXdpSkb)};

  std::printf("128-byte UDP frames flooded to the host side of a veth, %.1f s x %d rounds (median), snaplen 96, filter '%s'\n",
              seconds, rounds, kFilter);
  std::map<std::string, std::vector<double>> rec_pps, sent_pps, loss;
  for (int r = 0; r < rounds && !g_stop; r++)
    for (auto &[name, run] : scenarios) {
      Result res = run();
      rec_pps[name].push_back(res.recorded / seconds);
      sent_pps[name].push_back(res.sent / seconds);
      loss[name].push_back(res.sent ? 100.0 * (res.sent - std::min(res.sent, res.recorded)) / res.sent : 0);
      std::printf("  round %d %-34s sent %10.0f pps  recorded %10.0f pps  lost %llu (%.1f %%)\n", r + 1, name.c_str(),
                  res.sent / seconds, res.recorded / seconds, static_cast<unsigned long long>(res.lost), loss[name].back());
    }
  std::remove(dump.c_str());
  double base = median(rec_pps[tcpdump.first]);
  std::printf("\n%-34s %14s %14s %10s %10s\n", "", "sent pps", "recorded pps", "loss %", "vs tcpdump");
  for (auto &[name, _] : scenarios)
    std::printf("%-34s %14.0f %14.0f %10.1f %9.2fx\n", name.c_str(), median(sent_pps[name]), median(rec_pps[name]),
                median(loss[name]), base > 0 ? median(rec_pps[name]) / base : 0);
  return 0;
}
