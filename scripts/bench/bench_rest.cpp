// Latency of creating (and deleting) a cube with two ports through the
// daemon's REST API, next to the Linux equivalent timed in the same run: a
// Linux bridge with two veth ports enslaved and brought up, in a network
// namespace, both over rtnetlink from this process (what the kernel costs,
// no process start; comparable with one request on a kept-alive HTTP
// connection) and with one `ip -batch` per bridge (what a script pays).
//
//   pcn-bench-rest <daemon port> <n> <peer1>,<peer2> <netns> <port1>,<port2> [service]
//
// service: the cube created (simplebridge by default; bridge for the 802.1Q
// bridge).
// peer1/peer2: netdevs in the daemon's namespace for the cube's ports;
// port1/port2: netdevs in <netns> for the Linux bridge. Prints one line per
// figure; bench_rest.sh sets all of it up and tears it down.
#include <fcntl.h>
#include <net/if.h>
#include <netlink/route/link.h>
#include <netlink/route/link/bridge.h>
#include <sched.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "bench_util.h"
#include "rest_client.h"

using namespace pcnbench;

namespace {

std::pair<std::string, std::string> split2(const std::string &s) {
  auto comma = s.find(',');
  return {s.substr(0, comma), comma == std::string::npos ? "" : s.substr(comma + 1)};
}

void print(const char *what, const Summary &s) {
  std::printf("%-52s median %8.1f us   p99 %8.1f us\n", what, s.median, s.p99);
}

void ratio(const char *what, const Summary &a, const Summary &b) {
  std::printf("%-52s median %8.2fx      p99 %8.2fx\n", what, a.median / b.median, a.p99 / b.p99);
}

// The Linux bridge over rtnetlink: add, enslave both ports, up / delete.
struct LinuxBridge {
  nl_sock *sk = nl_socket_alloc();
  std::string name;
  int if1, if2;
  LinuxBridge(const std::string &br, const std::string &p1, const std::string &p2) : name(br) {
    nl_connect(sk, NETLINK_ROUTE);
    nl_cache *cache = nullptr;
    rtnl_link_alloc_cache(sk, AF_UNSPEC, &cache);
    if1 = rtnl_link_name2i(cache, p1.c_str());
    if2 = rtnl_link_name2i(cache, p2.c_str());
    nl_cache_free(cache);
  }
  ~LinuxBridge() { nl_socket_free(sk); }
  bool create() {
    rtnl_link *br = rtnl_link_bridge_alloc();
    rtnl_link_set_name(br, name.c_str());
    rtnl_link_set_flags(br, IFF_UP);
    bool ok = rtnl_link_add(sk, br, NLM_F_CREATE | NLM_F_EXCL) == 0;
    rtnl_link_put(br);
    if (!ok) return false;
    rtnl_link *created = nullptr;
    if (rtnl_link_get_kernel(sk, 0, name.c_str(), &created) != 0) return false;
    int master = rtnl_link_get_ifindex(created);
    rtnl_link_put(created);
    for (int port : {if1, if2}) {
      rtnl_link *orig = rtnl_link_alloc(), *change = rtnl_link_alloc();
      rtnl_link_set_ifindex(orig, port);
      rtnl_link_set_master(change, master);
      rtnl_link_set_flags(change, IFF_UP);
      ok &= rtnl_link_change(sk, orig, change, 0) == 0;
      rtnl_link_put(orig);
      rtnl_link_put(change);
    }
    return ok;
  }
  bool destroy() {
    rtnl_link *br = rtnl_link_alloc();
    rtnl_link_set_name(br, name.c_str());
    bool ok = rtnl_link_delete(sk, br) == 0;
    rtnl_link_put(br);
    return ok;
  }
};

// Runs a program (no shell) and waits; its exit status.
int run(std::vector<const char *> argv) {
  argv.push_back(nullptr);
  pid_t pid = fork();
  if (pid == 0) {
    execvp(argv[0], const_cast<char *const *>(argv.data()));
    _exit(127);
  }
  int status = 0;
  if (pid < 0 || waitpid(pid, &status, 0) < 0) return -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

}  // namespace

int main(int argc, char **argv) {
  if (argc != 6 && argc != 7) {
    std::fprintf(stderr, "usage: pcn-bench-rest <daemon port> <n> <peer1>,<peer2> <netns> <port1>,<port2> [service]\n");
    return 2;
  }
  const std::string service = argc == 7 ? argv[6] : "simplebridge";
  const uint16_t port = static_cast<uint16_t>(std::atoi(argv[1]));
  const int n = std::atoi(argv[2]);
  auto [peer1, peer2] = split2(argv[3]);
  const std::string netns = argv[4];
  auto [lport1, lport2] = split2(argv[5]);

  // polycube: POST a simplebridge with two netdev ports, DELETE it.
  pcnrest::Client client(port);
  const std::string body = "{\"" + service + ":" + service + R"(":[{"name":"benchbr","ports":[{"name":"p1","peer":")" +
                           peer1 + R"("},{"name":"p2","peer":")" + peer2 + R"("}]}]})";
  const std::string url = "/restconf/data/" + service + ":" + service + "=benchbr";
  std::vector<double> create, del;
  for (int i = -5; i < n; i++) {  // 5 warm-up rounds
    pcnrest::Response r;
    double c = time_us([&] { r = client.request("POST", "/restconf/data", body); });
    if (r.status != 201) {
      std::fprintf(stderr, "POST answered %d: %s\n", r.status, r.body.c_str());
      return 1;
    }
    double d = time_us([&] { r = client.request("DELETE", url); });
    if (r.status != 204) {
      std::fprintf(stderr, "DELETE answered %d: %s\n", r.status, r.body.c_str());
      return 1;
    }
    if (i >= 0) {
      create.push_back(c);
      del.push_back(d);
    }
  }

  // Linux, over rtnetlink, inside the namespace.
  int fd = open(("/run/netns/" + netns).c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0 || setns(fd, CLONE_NEWNET) != 0) {
    std::fprintf(stderr, "cannot enter netns %s\n", netns.c_str());
    return 1;
  }
  close(fd);
  std::vector<double> lcreate, ldel;
  {
    LinuxBridge lb("benchbr", lport1, lport2);
    for (int i = -5; i < n; i++) {
      bool ok = true;
      double c = time_us([&] { ok = lb.create(); });
      double d = time_us([&] { ok &= lb.destroy(); });
      if (!ok) {
        std::fprintf(stderr, "Linux bridge over netlink failed\n");
        return 1;
      }
      if (i >= 0) {
        lcreate.push_back(c);
        ldel.push_back(d);
      }
    }
  }

  // Linux with the ip tool: one `ip -batch` per bridge (a process start).
  const std::string batch = "/tmp/pcn-bench-rest-" + std::to_string(getpid()) + ".batch";
  if (FILE *f = std::fopen(batch.c_str(), "w")) {
    std::fprintf(f, "link add benchbr up type bridge\nlink set %s master benchbr up\nlink set %s master benchbr up\n",
                 lport1.c_str(), lport2.c_str());
    std::fclose(f);
  }
  std::vector<double> icreate, idel;
  for (int i = -5; i < n; i++) {
    int rc = 0;
    double c = time_us([&] { rc |= run({"ip", "-batch", batch.c_str()}); });
    double d = time_us([&] { rc |= run({"ip", "link", "del", "benchbr"}); });
    if (rc != 0) {
      std::fprintf(stderr, "ip failed\n");
      unlink(batch.c_str());
      return 1;
    }
    if (i >= 0) {
      icreate.push_back(c);
      idel.push_back(d);
    }
  }

  unlink(batch.c_str());

  Summary pc = summarize(create), pd = summarize(del), lc = summarize(lcreate), ld = summarize(ldel),
          ic = summarize(icreate), id = summarize(idel);
  std::printf("cube with two ports via REST, %d rounds\n", n);
  print(("POST " + service + " + 2 netdev ports (201)").c_str(), pc);
  print("  Linux: bridge + 2 veth enslaved + up, rtnetlink", lc);
  print("  Linux: same with one `ip -batch` (process start)", ic);
  ratio("  ratio polycube / Linux rtnetlink", pc, lc);
  ratio("  ratio polycube / Linux ip", pc, ic);
  print("DELETE it (204)", pd);
  print("  Linux: delete the bridge, rtnetlink", ld);
  print("  Linux: `ip link del` (process start)", id);
  ratio("  ratio polycube / Linux rtnetlink", pd, ld);
  ratio("  ratio polycube / Linux ip", pd, id);
  return 0;
}
