// The quickstart demo: builds a small topology in network namespaces with
// the framework's C++ API (the REST daemon and `pcn` arrive later), sends
// traffic through it and prints what the cubes saw.
//
//   ns a (10.10.0.1) --- p1 [simplebridge sb1] p2 --- ns b (10.10.0.2)
//                                    p3
//                                    |  (cube-to-cube)
//                                   p0 [helloworld hw1] p1 --- ns c (10.10.0.3)
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <string>

#include "helloworld.h"
#include "polycube/runtime.h"
#include "simplebridge.h"

using namespace polycube;
using namespace polycube::services;

namespace {

int run(const std::string &cmd) {
  int rc = std::system(cmd.c_str());
  return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

const char *kNs[] = {"pcn-demo-a", "pcn-demo-b", "pcn-demo-c"};
const char *kHost[] = {"pcn-demo-va", "pcn-demo-vb", "pcn-demo-vc"};

void teardown_topology() {
  for (auto *h : kHost) run(std::string("ip link del ") + h + " 2>/dev/null");
  for (auto *n : kNs) run(std::string("ip netns del ") + n + " 2>/dev/null");
}

void build_topology() {
  teardown_topology();
  for (int i = 0; i < 3; i++) {
    std::string ns = kNs[i], host = kHost[i], tmp = std::string(kHost[i]) + "x";
    std::string ip = "10.10.0." + std::to_string(i + 1) + "/24";
    std::string mac = "02:00:0a:0a:00:0" + std::to_string(i + 1);
    if (run("ip netns add " + ns) || run("ip link add " + host + " type veth peer name " + tmp) ||
        run("ip link set " + tmp + " netns " + ns) ||
        run("ip -n " + ns + " link set " + tmp + " name eth0 address " + mac) ||
        run("ip -n " + ns + " addr add " + ip + " dev eth0") || run("ip -n " + ns + " link set eth0 up") ||
        run("ip -n " + ns + " link set lo up") || run("ip link set " + host + " up"))
      throw std::runtime_error("cannot build the demo topology");
    run("ip netns exec " + ns + " sysctl -qw net.ipv6.conf.all.disable_ipv6=1");
  }
}

bool ping(int from, const std::string &to) {
  std::string cmd = std::string("ip netns exec ") + kNs[from] + " ping -c 3 -i 0.2 -W 1 -q " + to + " >/dev/null";
  bool ok = run(cmd) == 0;
  std::printf("  ping %s -> %-10s %s\n", kNs[from], to.c_str(), ok ? "ok" : "no reply");
  return ok;
}

void show(SimpleBridge &sb, HelloWorld &hw) {
  std::printf("\n  filtering database of %s:\n  %-19s %-6s %s\n", sb.name().c_str(), "MAC", "PORT", "AGE");
  for (const auto &e : sb.fdb()) std::printf("  %-19s %-6s %us\n", e.mac.c_str(), e.port.c_str(), e.age);
  std::printf("\n  %-10s %-5s %-14s %8s %8s %8s %8s %6s\n", "CUBE", "PORT", "PEER", "RX_PKTS", "RX_BYTES",
              "TX_PKTS", "TX_BYTES", "DROPS");
  for (Cube *c : {static_cast<Cube *>(&sb), static_cast<Cube *>(&hw)})
    for (const auto &p : c->ports()) {
      PortStats s = c->port_stats(p.name);
      std::printf("  %-10s %-5s %-14s %8llu %8llu %8llu %8llu %6llu\n", c->name().c_str(), p.name.c_str(),
                  p.peer.to_string().c_str(), (unsigned long long)s.rx_pkts, (unsigned long long)s.rx_bytes,
                  (unsigned long long)s.tx_pkts, (unsigned long long)s.tx_bytes, (unsigned long long)s.drops);
    }
  std::printf("\n  micro-blocks loaded:\n");
  for (Cube *c : {static_cast<Cube *>(&sb), static_cast<Cube *>(&hw)})
    for (const auto &b : c->blocks())
      std::printf("  %-10s slot %u  %-10s kernel prog id %u\n", c->name().c_str(), b.slot, b.program.c_str(),
                  b.prog_id);
}

}  // namespace

int main(int argc, char **argv) {
  bool keep = argc > 1 && std::string(argv[1]) == "--keep";
  Mode mode = Mode::kTc;
  for (int i = 1; i < argc; i++)
    if (std::string(argv[i]).rfind("--mode=", 0) == 0) mode = mode_from_string(std::string(argv[i]).substr(7));
  int failures = 0;
  try {
    build_topology();
    {
      Runtime rt;
      std::printf("== creating cubes (%s mode)\n", to_string(mode));
      auto sb = rt.create<SimpleBridge>("sb1", mode);
      auto hw = rt.create<HelloWorld>("hw1", mode);
      sb->add_port("p1", kHost[0]);
      sb->add_port("p2", kHost[1]);
      sb->add_port("p3");
      hw->add_port("p0");
      hw->add_port("p1", kHost[2]);
      rt.connect("sb1:p3", "hw1:p0");
      hw->set_action(HelloWorld::Action::kForward);

      std::printf("== traffic through sb1 (and hw1 for ns c)\n");
      failures += !ping(0, "10.10.0.2");
      failures += !ping(1, "10.10.0.3");
      failures += !ping(2, "10.10.0.1");
      show(*sb, *hw);

      std::printf("\n== hw1 action DROP: ns c is cut off\n");
      hw->set_action(HelloWorld::Action::kDrop);
      failures += ping(0, "10.10.0.3");  // must fail
      std::printf("== hw1 action SLOWPATH: packets reach the control plane, which logs and drops them\n");
      hw->set_action(HelloWorld::Action::kSlowpath);
      failures += ping(0, "10.10.0.3");  // must fail
      failures += hw->packets_in() == 0;
      std::printf("  hw1 control plane logged %llu packets\n", (unsigned long long)hw->packets_in());
      std::printf("== hot swap of hw1's block while forwarding\n");
      hw->set_action(HelloWorld::Action::kForward);
      uint32_t before = hw->blocks().at(0).prog_id;
      hw->load_block(0, "hw_main_alt");
      std::printf("  slot 0: prog id %u -> %u\n", before, hw->blocks().at(0).prog_id);
      failures += !ping(2, "10.10.0.2");

      if (keep) {
        std::printf("\nTopology is up (namespaces %s %s %s). Ctrl-C to tear down.\n", kNs[0], kNs[1], kNs[2]);
        sigset_t set;
        sigemptyset(&set);
        sigaddset(&set, SIGINT);
        sigaddset(&set, SIGTERM);
        sigprocmask(SIG_BLOCK, &set, nullptr);
        int sig;
        sigwait(&set, &sig);
      }
      std::printf("\n== deleting cubes\n");
    }
  } catch (const std::exception &e) {
    std::fprintf(stderr, "demo failed: %s\n", e.what());
    failures++;
  }
  teardown_topology();
  std::printf("%s\n", failures ? "DEMO FAILED" : "demo finished: traffic flowed as expected, everything removed");
  return failures ? 1 : 0;
}
