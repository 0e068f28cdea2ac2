// Control-plane cost against the size of the configuration (issue: every
// request costs in proportion to what it touches), through polycubed's REST
// API on one kept-alive connection, each figure beside its baseline from
// the same run:
//
//   GET / one-leaf PATCH of a bridge: empty daemon vs 100,000 firewall rules
//     and 1,000 other cubes (ratio; the goal is within 2x). Two daemons,
//     one empty and one loaded, answer alternately, so that both see the
//     same disk (the PATCH's fsync) and the same CPU load.
//   one rule inserted at position 0 of a 100,000-rule chain (REST answer,
//     journaled and switched in the data plane) vs iptables-legacy -I and
//     nft insert into the same 100,000 rules
//   100,000 rules through one REST batch vs iptables-legacy-restore and
//     nft -f of the same rules
//   daemon RSS: empty, per cube, with 100,000 rules
//
//   pcn-bench-control-plane <empty port>,<pid> <loaded port>,<pid> <netns> <a1>,<a2> <b1>,<b2>
//
// <netns>: a namespace for the iptables/nftables baselines; a1,a2 / b1,b2:
// netdevs for the bridge ports of each daemon. control_bench.sh sets it all
// up.
#include <fcntl.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "bench_util.h"
#include "rest_client.h"

using namespace pcnbench;
using nlohmann::json;

namespace {

constexpr int kRules = 100000;
constexpr int kCubes = 1000;

pcnrest::Client *client;

pcnrest::Response must_on(pcnrest::Client &c, const std::string &method, const std::string &target, const std::string &body,
                          int want) {
  pcnrest::Response r = c.request(method, target, body);
  if (r.status != want) {
    std::fprintf(stderr, "%s %s answered %d (want %d): %s\n", method.c_str(), target.c_str(), r.status, want,
                 r.body.substr(0, 300).c_str());
    std::exit(1);
  }
  return r;
}

pcnrest::Response must(const std::string &method, const std::string &target, const std::string &body, int want) {
  return must_on(*client, method, target, body, want);
}

long rss_kb(int pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("VmRSS:", 0) == 0) return std::atol(line.c_str() + 6);
  return -1;
}

std::string src_of(int i) {
  return "10." + std::to_string(i >> 16) + "." + std::to_string((i >> 8) & 255) + "." + std::to_string(i & 255);
}

double seconds_of(const std::function<void()> &f) {
  auto t0 = std::chrono::steady_clock::now();
  f();
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

int sh(const std::string &cmd) { return std::system(cmd.c_str()); }

void row(const char *what, const Summary &s, const char *unit = "us") {
  std::printf("  %-58s median %9.1f %s  p99 %9.1f %s\n", what, s.median, unit, s.p99, unit);
}

// GET and PATCH latencies of the bridge of each daemon, alternately.
struct Latencies {
  Summary get[2], patch[2];
};
Latencies bridge_requests(pcnrest::Client *c[2], int n) {
  const std::string url = "/restconf/data/bridge:bridge=br1";
  std::vector<double> get[2], patch[2];
  for (int i = 0; i < n; i++)
    for (int d = 0; d < 2; d++) {
      get[d].push_back(time_us([&] { must_on(*c[d], "GET", url, "", 200); }));
      std::string body = json{{"bridge:bridge", {{{"name", "br1"}, {"fdb", {{"aging-time", 100 + i % 2}}}}}}}.dump();
      patch[d].push_back(time_us([&] { must_on(*c[d], "PATCH", url, body, 204); }));
    }
  Latencies out;
  for (int d = 0; d < 2; d++) {
    out.get[d] = summarize(get[d]);
    out.patch[d] = summarize(patch[d]);
  }
  return out;
}

}  // namespace

int main(int argc, char **argv) {
  if (argc != 6) {
    std::fprintf(stderr,
                 "usage: pcn-bench-control-plane <empty port>,<pid> <loaded port>,<pid> <netns> <a1>,<a2> <b1>,<b2>\n");
    return 2;
  }
  auto pair = [](const std::string &s) { return std::make_pair(s.substr(0, s.find(',')), s.substr(s.find(',') + 1)); };
  auto [empty_port, empty_pid] = pair(argv[1]);
  auto [loaded_port, loaded_pid] = pair(argv[2]);
  const std::string netns = argv[3];
  const int pid = std::atoi(loaded_pid.c_str());
  pcnrest::Client ce(static_cast<uint16_t>(std::atoi(empty_port.c_str())), 600000);
  pcnrest::Client cl(static_cast<uint16_t>(std::atoi(loaded_port.c_str())), 600000);
  pcnrest::Client *both[2] = {&ce, &cl};
  client = &cl;
  const int n = std::getenv("CONTROL_REQUESTS") ? std::atoi(std::getenv("CONTROL_REQUESTS")) : 2000;

  long rss_start = rss_kb(pid);
  for (int d = 0; d < 2; d++) {
    auto [p1, p2] = pair(argv[4 + d]);
    must_on(*both[d], "POST", "/restconf/data",
            json{{"bridge:bridge", {{{"name", "br1"}, {"ports", {{{"name", "p1"}, {"peer", p1}}, {{"name", "p2"}, {"peer", p2}}}}}}}}.dump(),
            201);
    must_on(*both[d], "POST", "/restconf/data", R"({"firewall:firewall":[{"name":"fw1"}]})", 201);
  }
  long rss_empty = rss_kb(pid);

  // 1,000 other cubes, 100 per request.
  double cubes_s = seconds_of([&] {
    for (int k = 0; k < kCubes / 100; k++) {
      json list = json::array();
      for (int j = 0; j < 100; j++) list.push_back({{"name", "hw" + std::to_string(k * 100 + j)}});
      must("POST", "/restconf/data", json{{"helloworld:helloworld", list}}.dump(), 201);
    }
  });
  long rss_cubes = rss_kb(pid);

  // 100,000 rules in one batch, and the same rules for iptables and nft.
  json rules = json::array();
  for (int i = 0; i < kRules; i++) rules.push_back({{"id", i}, {"src", src_of(i) + "/32"}, {"action", "DROP"}});
  std::string batch = json{{"firewall:input", {{"rules", rules}}}}.dump();
  rules = nullptr;
  double batch_s = seconds_of([&] { must("POST", "/restconf/data/firewall:firewall=fw1/chain=INGRESS/batch", batch, 200); });
  batch.clear();
  std::this_thread::sleep_for(std::chrono::milliseconds(500));  // the second generation catches up
  long rss_rules = rss_kb(pid);
  const std::string ipt = "/tmp/pcn-bench-cp-" + std::to_string(getpid()) + ".ipt";
  const std::string nft = "/tmp/pcn-bench-cp-" + std::to_string(getpid()) + ".nft";
  {
    std::ofstream o(ipt);
    o << "*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n";
    for (int i = 0; i < kRules; i++) o << "-A INPUT -s " << src_of(i) << "/32 -j DROP\n";
    o << "COMMIT\n";
  }
  {
    std::ofstream o(nft);
    o << "flush ruleset\ntable ip pcnbench {\n chain input {\n  type filter hook input priority 0; policy accept;\n";
    for (int i = 0; i < kRules; i++) o << "  ip saddr " << src_of(i) << " drop\n";
    o << " }\n}\n";
  }
  const std::string in_ns = "ip netns exec " + netns + " ";
  double ipt_s = seconds_of([&] { sh(in_ns + "iptables-legacy-restore < " + ipt); });
  double nft_s = seconds_of([&] { sh(in_ns + "nft -f " + nft); });

  // GET and PATCH of the bridge, empty daemon and loaded daemon in turn
  // (after the batch's journal compaction and second generation are done:
  // they share the disk and the CPUs, not the requests' work).
  std::this_thread::sleep_for(std::chrono::seconds(2));
  bridge_requests(both, 200);
  Latencies lat = bridge_requests(both, n);
  Summary get0 = lat.get[0], get1 = lat.get[1], patch0 = lat.patch[0], patch1 = lat.patch[1];

  // One insert at 0 of the 100,000-rule chain: isolated (the previous
  // edit's second generation has caught up), and back to back (each one
  // waits for the previous one's RCU grace period first).
  std::vector<double> ins, ins_b2b, ipt_ins, nft_ins;
  for (int i = 0; i < 30; i++) {
    std::string body = json{{"firewall:input", {{"id", 0}, {"src", "192.168." + std::to_string(i) + ".1"}, {"action", "ACCEPT"}}}}.dump();
    std::this_thread::sleep_for(std::chrono::milliseconds(60));
    ins.push_back(time_us([&] { must("POST", "/restconf/data/firewall:firewall=fw1/chain=INGRESS/insert", body, 200); }) / 1000);
  }
  for (int i = 0; i < 30; i++) {
    std::string body = json{{"firewall:input", {{"id", 0}, {"src", "192.169." + std::to_string(i) + ".1"}, {"action", "ACCEPT"}}}}.dump();
    ins_b2b.push_back(time_us([&] { must("POST", "/restconf/data/firewall:firewall=fw1/chain=INGRESS/insert", body, 200); }) / 1000);
  }
  for (int i = 0; i < 10; i++) {
    ipt_ins.push_back(time_us([&] { sh(in_ns + "iptables-legacy -I INPUT 1 -s 192.168." + std::to_string(i) + ".1 -j ACCEPT"); }) / 1000);
    nft_ins.push_back(time_us([&] { sh(in_ns + "nft insert rule ip pcnbench input ip saddr 192.168." + std::to_string(i) + ".1 accept"); }) / 1000);
  }
  double get_rule = time_us([&] { must("GET", "/restconf/data/firewall:firewall=fw1/chain=INGRESS/rule=5", "", 200); }) / 1000;
  double get_chain = time_us([&] { must("GET", "/restconf/data/firewall:firewall=fw1/chain=INGRESS", "", 200); }) / 1000;
  sh(in_ns + "iptables-legacy -F INPUT; " + in_ns + "nft flush ruleset");
  unlink(ipt.c_str());
  unlink(nft.c_str());

  std::printf("control plane against the size of the configuration (polycubed REST, one connection)\n");
  std::printf(" GET / one-leaf PATCH of a bridge with 2 ports, %d requests each, two daemons answering in turn\n", n);
  row("GET bridge=br1, empty daemon", get0);
  row("GET bridge=br1, 100,000 rules + 1,000 cubes", get1);
  std::printf("  %-58s median %9.2fx   p99 %9.2fx   (goal: within 2x)\n", "  ratio loaded / empty", get1.median / get0.median,
              get1.p99 / get0.p99);
  row("PATCH fdb/aging-time (reconcile + journal + fsync), empty", patch0);
  row("PATCH fdb/aging-time, 100,000 rules + 1,000 cubes", patch1);
  std::printf("  %-58s median %9.2fx   p99 %9.2fx   (goal: within 2x)\n", "  ratio loaded / empty", patch1.median / patch0.median,
              patch1.p99 / patch0.p99);
  std::printf(" one rule inserted at position 0 of a 100,000-rule chain (goal: under 50 ms)\n");
  row("REST insert, isolated (answered: journaled, switched)", summarize(ins), "ms");
  row("REST insert, back to back (waits the previous RCU period)", summarize(ins_b2b), "ms");
  row("  Linux: iptables-legacy -I INPUT 1 (process + table)", summarize(ipt_ins), "ms");
  row("  Linux: nft insert rule (process + transaction)", summarize(nft_ins), "ms");
  std::printf("  %-58s %9.2fx iptables   %9.2fx nft\n", "  ratio polycube (isolated) / Linux, median", summarize(ins).median / summarize(ipt_ins).median,
              summarize(ins).median / summarize(nft_ins).median);
  std::printf(" %d rules in one write\n", kRules);
  std::printf("  %-58s %9.2f s\n", "REST batch (parse, YANG checks, journal, data plane)", batch_s);
  std::printf("  %-58s %9.2f s\n", "  Linux: iptables-legacy-restore", ipt_s);
  std::printf("  %-58s %9.2f s\n", "  Linux: nft -f", nft_s);
  std::printf("  %-58s %9.2fx iptables   %9.2fx nft\n", "  ratio polycube / Linux", batch_s / ipt_s, batch_s / nft_s);
  std::printf(" reads of the 100,000-rule chain\n");
  std::printf("  %-58s %9.2f ms\n", "GET one rule with its counters (rule=5)", get_rule);
  std::printf("  %-58s %9.2f ms\n", "GET the whole chain with counters", get_chain);
  std::printf(" memory (RSS of polycubed)\n");
  std::printf("  %-58s %9.1f MB\n", "started, no cube", rss_start / 1024.0);
  std::printf("  %-58s %9.1f MB\n", "a bridge with 2 ports and an empty firewall", rss_empty / 1024.0);
  std::printf("  %-58s %9.1f MB   (%.0f KB per cube; created in %.2f s)\n", "plus 1,000 helloworld cubes", rss_cubes / 1024.0,
              double(rss_cubes - rss_empty) / kCubes, cubes_s);
  std::printf("  %-58s %9.1f MB   (%.0f bytes per rule)\n", "plus 100,000 firewall rules", rss_rules / 1024.0,
              double(rss_rules - rss_cubes) * 1024.0 / kRules);
  return 0;
}
