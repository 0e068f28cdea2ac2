// polycube-cni against the reference bridge plugin of containernetworking-
// plugins (Debian's, /usr/lib/cni/bridge), same node, same pods, same IPAM
// (host-local), same run:
//   * ADD and DEL latency per pod (the plugin's whole run: exec, IPAM exec,
//     veth, and polycubed's port / the Linux bridge), median and p99 over
//     N pods added one after the other, then deleted one after the other;
//   * pod-to-pod packets/s: 64-byte UDP from pod 0 to pod 1 (one core of
//     AF_PACKET sendmmsg in pod 0, counted at pod 1's eth0), the same two
//     pods on each network.
// The node is a namespace with its own polycubed (tests/support/cni_node).
//
//   pcn-bench-cni [pods] [seconds]     (default 200 pods, 3 s)
#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <thread>

#include "bench_util.h"
#include "cni_node.h"
#include "flood.h"
#include "frames.h"

extern char **environ;

using namespace pcntest;
using nlohmann::json;

namespace {

struct Timed {
  double ms = 0;
  int rc = -1;
  std::string out;
};

// One plugin run as a runtime does it: exec with the CNI_* environment and
// the configuration on stdin; wall time from spawn to exit.
Timed run_plugin(const std::string &bin, const std::string &command, const std::string &conf_file,
                 const std::string &cni_path, const std::string &container, const std::string &netns,
                 const std::string &ifname = "eth0") {
  std::vector<std::string> env{"CNI_COMMAND=" + command, "CNI_CONTAINERID=" + container, "CNI_NETNS=" + netns,
                               "CNI_IFNAME=" + ifname, "CNI_PATH=" + cni_path, "PATH=/usr/sbin:/usr/bin:/sbin:/bin"};
  std::vector<char *> envp;
  for (auto &e : env) envp.push_back(e.data());
  envp.push_back(nullptr);
  int out[2];
  if (pipe(out) != 0) return {};
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, STDIN_FILENO, conf_file.c_str(), O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&fa, out[1], STDOUT_FILENO);
  posix_spawn_file_actions_addclose(&fa, out[0]);
  char *argv[] = {const_cast<char *>(bin.c_str()), nullptr};
  Timed t;
  auto t0 = std::chrono::steady_clock::now();
  pid_t pid;
  if (posix_spawn(&pid, bin.c_str(), &fa, nullptr, argv, envp.data()) != 0) return t;
  close(out[1]);
  char buf[8192];
  ssize_t n;
  while ((n = read(out[0], buf, sizeof(buf))) > 0) t.out.append(buf, static_cast<size_t>(n));
  int status = 0;
  waitpid(pid, &status, 0);
  t.ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  close(out[0]);
  posix_spawn_file_actions_destroy(&fa);
  t.rc = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return t;
}

std::string addr_of(const json &result) {
  std::string a = result["ips"][0]["address"];
  return a.substr(0, a.find('/'));
}

struct Added {
  std::vector<double> ms;
  std::vector<json> results;
};

// ADD of every pod, one after the other (the first one also builds the
// network: a Linux bridge, or polycubed's bridge + router + node link).
Added add_all(CniNode &node, const std::string &label, const std::string &bin, const std::string &file,
              const std::vector<std::string> &pods) {
  Added a;
  for (size_t i = 0; i < pods.size(); ++i) {
    Timed t = run_plugin(bin, "ADD", file, node.cni_path(), label + std::to_string(i), pods[i]);
    if (t.rc != 0) {
      std::fprintf(stderr, "%s ADD of pod %zu failed: %s\n", label.c_str(), i, t.out.c_str());
      std::exit(1);
    }
    a.ms.push_back(t.ms);
    a.results.push_back(json::parse(t.out));
  }
  return a;
}

std::vector<double> del_all(CniNode &node, const std::string &label, const std::string &bin, const std::string &file,
                            const std::vector<std::string> &pods) {
  std::vector<double> ms;
  for (size_t i = 0; i < pods.size(); ++i) {
    Timed t = run_plugin(bin, "DEL", file, node.cni_path(), label + std::to_string(i), pods[i]);
    if (t.rc != 0) {
      std::fprintf(stderr, "%s DEL of pod %zu failed: %s\n", label.c_str(), i, t.out.c_str());
      std::exit(1);
    }
    ms.push_back(t.ms);
  }
  return ms;
}

// pod 0 -> pod 1, 64-byte UDP out of and into interface `ifname` of the
// two pods (`r0`, `r1`: their ADD results), after a ping for ARP and the
// bridge's learning.
double pod_to_pod_pps(CniNode &node, const std::vector<std::string> &pods, const json &r0, const json &r1,
                      const std::string &ifname, double seconds) {
  std::string ns0 = pods[0].substr(pods[0].rfind('/') + 1), ns1 = pods[1].substr(pods[1].rfind('/') + 1);
  std::string a0 = addr_of(r0), a1 = addr_of(r1);
  sh("ip netns exec " + ns0 + " ping -c 2 -i 0.2 -W 1 -I " + ifname + " " + a1 + " >/dev/null");
  auto pod_mac = [](const json &res) {
    return res["interfaces"][res["ips"][0]["interface"].get<int>()]["mac"].get<std::string>();
  };
  auto frame = udp_frame(mac(pod_mac(r1)), mac(pod_mac(r0)), ip(a0), ip(a1), 9, 9, 64);
  std::string short1 = ns1.substr(node.net().prefix().size());
  pcnbench::flood(ns0, {frame}, 0.3, nullptr, ifname);  // warm-up
  uint64_t before = pcnbench::rx_packets(node.net(), short1, ifname);
  pcnbench::flood(ns0, {frame}, seconds, nullptr, ifname);
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  return (pcnbench::rx_packets(node.net(), short1, ifname) - before) / seconds;
}

std::string write_conf(CniNode &node, const std::string &label, const json &conf) {
  std::string file = node.dir() + "/" + label + ".json";
  std::ofstream(file) << conf.dump();
  return file;
}

pcnbench::Summary tail_of(const std::vector<double> &v) { return pcnbench::summarize({v.begin() + 1, v.end()}); }

}  // namespace

int main(int argc, char **argv) {
  int n = argc > 1 ? std::atoi(argv[1]) : 200;
  double seconds = argc > 2 ? std::atof(argv[2]) : 3.0;
  if (n < 2) n = 2;
  CniNode node("pcnbench", "10.246.0.0/16");
  std::vector<std::string> pods;
  for (int i = 0; i < n; ++i) pods.push_back(node.add_pod("b" + std::to_string(i)));
  // Same version, MTU and IPAM for both; 1.0.0 is the newest the reference
  // plugin of Debian 12 speaks.
  json ours = node.conf("1.0.0", {{"mtu", 1500}});
  json ref = {{"cniVersion", "1.0.0"},
              {"name", "refnet"},
              {"type", "bridge"},
              {"bridge", "pcnref0"},
              {"isGateway", true},
              {"mtu", 1500},
              {"ipam", {{"type", "host-local"}, {"subnet", "10.247.0.0/16"}, {"dataDir", node.ipam_dir()}}}};
  std::printf("%d pods (namespaces) on one node, added one after the other then deleted; cniVersion 1.0.0,\n"
              "IPAM host-local for both; pps: 64-byte UDP pod 0 -> pod 1, median of 5 rounds of %.0f s\n", n, seconds);
  const std::string ours_bin = PCN_BUILD_DIR "/bin/polycube-cni", ref_bin = "/usr/lib/cni/bridge";
  std::string ours_file = write_conf(node, "pcn", ours), ref_file = write_conf(node, "ref", ref);
  Added p_add = add_all(node, "pcn", ours_bin, ours_file, pods);
  std::vector<double> p_del = del_all(node, "pcn", ours_bin, ours_file, pods);
  Added b_add = add_all(node, "ref", ref_bin, ref_file, pods);
  std::vector<double> b_del = del_all(node, "ref", ref_bin, ref_file, pods);

  // Packets/s: pods 0 and 1 on both networks at once (eth0 polycube-cni,
  // eth1 the bridge plugin), measured in alternating rounds so that the
  // other work on this shared machine weighs on both alike; medians.
  // br_netfilter, when loaded, sends bridged frames through iptables
  // (Kubernetes needs that on): the bridge plugin is measured as found and
  // with it off.
  std::vector<std::string> two{pods[0], pods[1]};
  Added p2 = add_all(node, "pcn", ours_bin, ours_file, two);
  json r0, r1;
  for (int i = 0; i < 2; ++i) {
    Timed t = run_plugin(ref_bin, "ADD", ref_file, node.cni_path(), "ref" + std::to_string(i), two[i], "eth1");
    if (t.rc != 0) {
      std::fprintf(stderr, "ref ADD eth1 failed: %s\n", t.out.c_str());
      return 1;
    }
    (i == 0 ? r0 : r1) = json::parse(t.out);
  }
  std::string nf = sh_out("sysctl -n net.bridge.bridge-nf-call-iptables 2>/dev/null");
  std::vector<double> p_rounds, b_rounds, b_rounds_nf_off;
  const int rounds = 5;
  for (int k = 0; k < rounds; ++k) {
    p_rounds.push_back(pod_to_pod_pps(node, two, p2.results[0], p2.results[1], "eth0", seconds));
    b_rounds.push_back(pod_to_pod_pps(node, two, r0, r1, "eth1", seconds));
    if (nf == "1") {
      sh("sysctl -qw net.bridge.bridge-nf-call-iptables=0");
      b_rounds_nf_off.push_back(pod_to_pod_pps(node, two, r0, r1, "eth1", seconds));
      sh("sysctl -qw net.bridge.bridge-nf-call-iptables=1");
    }
  }
  double p_pps = pcnbench::summarize(p_rounds).median, b_pps = pcnbench::summarize(b_rounds).median;
  double b_pps_nf_off = nf == "1" ? pcnbench::summarize(b_rounds_nf_off).median : 0;

  auto pa = pcnbench::summarize(p_add.ms), pd = pcnbench::summarize(p_del), ba = pcnbench::summarize(b_add.ms),
       bd = pcnbench::summarize(b_del);
  auto pa1 = tail_of(p_add.ms), ba1 = tail_of(b_add.ms);
  std::printf("%-40s %14s %14s %10s\n", "", "polycube-cni", "bridge plugin", "ratio");
  auto row = [](const std::string &what, double x, double y, const char *unit) {
    std::printf("%-40s %11.2f %-2s %11.2f %-2s %9.2fx\n", what.c_str(), x, unit, y, unit, x / y);
  };
  row("ADD latency, median", pa.median, ba.median, "ms");
  row("ADD latency, p99", pa.p99, ba.p99, "ms");
  row("  first ADD (builds the network)", p_add.ms[0], b_add.ms[0], "ms");
  row("  ADD p99 without the first", pa1.p99, ba1.p99, "ms");
  if (n >= 40) {  // does an ADD cost more as the network fills up?
    auto early = [](const std::vector<double> &v) { return pcnbench::summarize({v.begin() + 1, v.begin() + 21}).median; };
    auto late = [](const std::vector<double> &v) { return pcnbench::summarize({v.end() - 20, v.end()}).median; };
    row("  ADD median, pods 2-21", early(p_add.ms), early(b_add.ms), "ms");
    row("  ADD median, last 20 pods", late(p_add.ms), late(b_add.ms), "ms");
  }
  row("DEL latency, median", pd.median, bd.median, "ms");
  row("DEL latency, p99", pd.p99, bd.p99, "ms");
  std::printf("%-40s %11.0f %-2s %11.0f %-2s %9.2fx\n",
              ("pod-to-pod packets/s" + std::string(nf.empty() ? "" : " (bridge-nf-call-iptables=" + nf + ")")).c_str(),
              p_pps, "", b_pps, "", p_pps / b_pps);
  if (nf == "1")
    std::printf("%-40s %11.0f %-2s %11.0f %-2s %9.2fx\n", "pod-to-pod packets/s (bridge-nf-call-iptables=0)", p_pps, "",
                b_pps_nf_off, "", p_pps / b_pps_nf_off);
  std::printf("(latency ratio > 1: polycube-cni slower; pps ratio > 1: polycube-cni faster)\n");
  return 0;
}
