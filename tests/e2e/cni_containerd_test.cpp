// containerd (Debian's 1.6, a private instance from scripts/cni-runtime.sh)
// drives polycube-cni through `ctr run --cni` inside the test's node
// namespace: two detached containers ping each other and the gateway, a
// `ctr run --rm` container is attached and detached (ADD, then DEL when it
// exits). ctr does not run DEL for a detached container it deletes (the
// veth goes with the namespace, the port and the address stay), which is
// what GC is for: after it nothing is left. See docs/cni.md.
#include <gtest/gtest.h>

#include <fstream>

#include "cni_node.h"

using namespace pcntest;
using nlohmann::json;

namespace {

const std::string kRuntime = PCN_SOURCE_DIR "/scripts/cni-runtime.sh";

struct Containerd {
  std::string dir;
  ~Containerd() {
    for (const char *c : {"c1", "c2", "c3"}) {
      sh(kRuntime + " ctr " + dir + " task kill -s KILL " + c + " >/dev/null 2>&1");
      sh("sleep 0.2; " + kRuntime + " ctr " + dir + " task rm -f " + c + " >/dev/null 2>&1");
      sh(kRuntime + " ctr " + dir + " container rm " + c + " >/dev/null 2>&1");
    }
    sh(kRuntime + " containerd-stop " + dir);
  }
  int rc(const std::string &args) const { return sh(kRuntime + " ctr " + dir + " " + args + " >/dev/null 2>&1"); }
  std::string out(const std::string &args) const { return sh_out(kRuntime + " ctr " + dir + " " + args + " 2>&1"); }
  std::string pid(const std::string &task) const {
    return sh_out(kRuntime + " ctr " + dir + " task ls | awk '$1==\"" + task + "\"{print $2}'");
  }
};

std::string ip_in(const std::string &pid) {
  return sh_out("nsenter --net=/proc/" + pid + "/ns/net ip -4 -o addr show eth0 | awk '{print $4}' | cut -d/ -f1");
}

}  // namespace

TEST(CniContainerd, CtrRunAttachesAndGcCleansWhatCtrLeaves) {
  CniNode node("pcnctr", "10.248.1.0/24");
  json plugin = node.conf("1.0.0");
  plugin.erase("cniVersion");
  plugin.erase("name");
  json conflist{{"cniVersion", "1.0.0"}, {"name", node.network()}, {"plugins", json::array({plugin})}};
  std::string file = node.dir() + "/pcnctr.conflist";
  std::ofstream(file) << conflist.dump(2);
  Containerd ctr{node.dir() + "/runtime"};
  ASSERT_EQ(sh(kRuntime + " containerd-setup " + ctr.dir + " " + file), 0);
  ASSERT_EQ(sh(kRuntime + " containerd-start " + ctr.dir), 0);
  for (const char *c : {"c1", "c2", "c3"}) sh("cp -a " + ctr.dir + "/rootfs " + ctr.dir + "/rootfs-" + c);

  for (const char *c : {"c1", "c2"}) {
    std::string out = ctr.out(std::string("run -d --cni --rootfs ") + ctr.dir + "/rootfs-" + c + " " + c + " /bin/sleep 300");
    ASSERT_FALSE(ctr.pid(c).empty()) << out;
  }
  std::string p1 = ctr.pid("c1"), p2 = ctr.pid("c2");
  std::string a = ip_in(p1), b = ip_in(p2);
  ASSERT_EQ(a.rfind("10.248.1.", 0), 0u) << a;
  ASSERT_EQ(b.rfind("10.248.1.", 0), 0u) << b;
  EXPECT_EQ(sh("nsenter --net=/proc/" + p1 + "/ns/net ping -c 2 -W 2 " + b + " >/dev/null"), 0);
  EXPECT_EQ(sh("nsenter --net=/proc/" + p2 + "/ns/net ping -c 1 -W 2 10.248.1.1 >/dev/null"), 0);
  EXPECT_EQ(node.ipam_allocations().size(), 2u);

  // Attached for its run only: ADD before, DEL after.
  EXPECT_EQ(ctr.rc("run --rm --cni --rootfs " + ctr.dir + "/rootfs-c3 c3 /bin/ping -c 1 -W 2 " + a), 0);
  EXPECT_EQ(node.ipam_allocations().size(), 2u) << "c3's address released when it ended";

  ctr.rc("task kill -s KILL c1");
  sh("sleep 0.3");
  ctr.rc("task rm -f c1");
  ctr.rc("container rm c1");
  json gc = node.conf("1.1.0");
  gc["cni.dev/valid-attachments"] = json::array({{{"containerID", "default-c2"}, {"ifname", "eth0"}}});
  auto r = node.run("GC", gc);
  EXPECT_EQ(r.rc, 0) << r.out << r.err;
  EXPECT_EQ(node.ipam_allocations(), std::vector<std::string>{b});
  auto ports = node.daemon().rest("GET", "/bridge:bridge=pcnctr-br/ports?content=config");
  ASSERT_EQ(ports.status, 200);
  json doc = json::parse(ports.body);
  int pods = 0;
  for (const auto &p : doc["bridge:ports"])
    if (p.contains("container-id")) {
      ++pods;
      EXPECT_EQ(p["container-id"], "default-c2");
    }
  EXPECT_EQ(pods, 1);
  EXPECT_EQ(sh("nsenter --net=/proc/" + p2 + "/ns/net ping -c 1 -W 2 10.248.1.1 >/dev/null"), 0);
}
