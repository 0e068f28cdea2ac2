// A real container runtime drives polycube-cni: podman (Debian's, CNI
// network backend, runc, cgroupfs) with a private configuration and
// storage (scripts/cni-runtime.sh) inside the test's node namespace. Two
// busybox containers on a polycube network ping each other and the
// gateway; `podman rm` runs DEL, after which no port, veth or address is
// left.
#include <gtest/gtest.h>

#include <fstream>

#include "cni_node.h"

using namespace pcntest;
using nlohmann::json;

namespace {

const std::string kRuntime = PCN_SOURCE_DIR "/scripts/cni-runtime.sh";

// Removes every container of the private podman, also when the test fails.
struct PodmanRoot {
  std::string dir;
  ~PodmanRoot() { sh(kRuntime + " podman " + dir + " rm -af -t 0 >/dev/null 2>&1"); }
  std::string operator()(const std::string &args) const {
    return sh_out(kRuntime + " podman " + dir + " " + args + " 2>&1");
  }
  int rc(const std::string &args) const { return sh(kRuntime + " podman " + dir + " " + args + " >/dev/null 2>&1"); }
};

}  // namespace

TEST(CniPodman, ContainersPingEachOtherAndTheGatewayAndRmCleansUp) {
  CniNode node("pcnpod", "10.245.1.0/24");
  json plugin = node.conf("1.0.0");
  plugin.erase("cniVersion");
  plugin.erase("name");
  // podman 4.3's libcni speaks up to 1.0.0.
  json conflist{{"cniVersion", "1.0.0"}, {"name", node.network()}, {"plugins", json::array({plugin})}};
  std::string file = node.dir() + "/pcnpod.conflist";
  std::ofstream(file) << conflist.dump(2);
  PodmanRoot podman{node.dir() + "/runtime"};
  ASSERT_EQ(sh(kRuntime + " podman-setup " + podman.dir + " " + file), 0);

  for (const char *name : {"alpha", "beta"}) {
    std::string out = podman(std::string("run -d --name ") + name +
                             " --network pcnpod --cap-add NET_RAW localhost/pcn-busybox sleep 300");
    ASSERT_EQ(podman.rc(std::string("container exists ") + name), 0) << out;
  }
  auto ip_of = [&](const std::string &c) {
    return podman("inspect " + c + " --format '{{(index .NetworkSettings.Networks \"pcnpod\").IPAddress}}'");
  };
  std::string a = ip_of("alpha"), b = ip_of("beta");
  ASSERT_EQ(a.rfind("10.245.1.", 0), 0u) << a;
  ASSERT_EQ(b.rfind("10.245.1.", 0), 0u) << b;
  EXPECT_EQ(podman.rc("exec alpha ping -c 2 -W 2 " + b), 0) << podman("exec alpha ping -c 1 -W 2 " + b);
  EXPECT_EQ(podman.rc("exec beta ping -c 2 -W 2 " + a), 0);
  EXPECT_EQ(podman.rc("exec alpha ping -c 1 -W 2 10.245.1.1"), 0) << "the router is the gateway";
  EXPECT_NE(podman("exec alpha ip route").find("default via 10.245.1.1"), std::string::npos);

  // The daemon knows which container each port serves (podman passes the
  // container's name as K8S_POD_NAME).
  auto ports = node.daemon().rest("GET", "/bridge:bridge=pcnpod-br/ports?content=config");
  ASSERT_EQ(ports.status, 200) << ports.body;
  int pods = 0;
  json doc = json::parse(ports.body);
  for (const auto &p : doc["bridge:ports"])
    if (p.contains("container-id")) {
      ++pods;
      EXPECT_TRUE(p["pod-name"] == "alpha" || p["pod-name"] == "beta") << p;
    }
  EXPECT_EQ(pods, 2);
  EXPECT_EQ(node.ipam_allocations().size(), 2u);

  EXPECT_EQ(podman.rc("rm -f -t 0 alpha beta"), 0);
  ports = node.daemon().rest("GET", "/bridge:bridge=pcnpod-br/ports?content=config");
  ASSERT_EQ(ports.status, 200);
  doc = json::parse(ports.body);
  for (const auto &p : doc["bridge:ports"]) EXPECT_FALSE(p.contains("container-id")) << p;
  EXPECT_TRUE(node.ipam_allocations().empty());
  EXPECT_EQ(sh_out("ip -o link show | awk -F': ' '{print $2}' | cut -d@ -f1 | grep -cE '^pcn[0-9a-f]{11}$'"), "0");
}
