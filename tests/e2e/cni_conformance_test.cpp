// polycube-cni against the CNI spec, in the shape of containernetworking-
// plugins' bridge tests: every cniVersion; ADD, CHECK with the result as
// prevResult, DEL twice; the kernel state inside the pod (address, routes,
// MTU) and the daemon's (the pod's port); failures that must release the
// address and leave nothing behind; GC; STATUS. The plugin is the real
// binary, IPAM the real host-local (Debian's containernetworking-plugins),
// polycubed a real daemon in the node's namespace (tests/support/cni_node).
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "cni_node.h"

using namespace pcntest;
using nlohmann::json;

namespace {

const char *kGateway = "10.244.1.1";

// `ip -j` of a command inside a namespace.
json ip_json(const std::string &netns_path, const std::string &args) {
  std::string ns = netns_path.substr(netns_path.rfind('/') + 1);
  auto out = sh_out("ip -n " + ns + " -j " + args + " 2>/dev/null");
  auto j = json::parse(out, nullptr, false);
  return j.is_discarded() ? json::array() : j;
}

bool has_link(const std::string &name) { return sh("ip link show " + name + " >/dev/null 2>&1") == 0; }

// Host-side veths of pods ("pcn" + 11 hex digits).
std::vector<std::string> pod_veths() {
  std::vector<std::string> out;
  for (const auto &l : json::parse(sh_out("ip -j link show"), nullptr, false)) {
    std::string n = l.value("ifname", "");
    if (n.size() == 14 && n.rfind("pcn", 0) == 0) out.push_back(n);
  }
  return out;
}

std::vector<json> bridge_pod_ports(Pcnd &d, const std::string &network) {
  auto r = d.rest("GET", "/bridge:bridge=" + network + "-br/ports?content=config");
  std::vector<json> out;
  if (r.status != 200) return out;
  json doc = json::parse(r.body);  // named: a range-for over a member of a temporary dangles
  for (const auto &p : doc["bridge:ports"])
    if (p.contains("container-id")) out.push_back(p);
  return out;
}

bool ping(const std::string &netns_path, const std::string &dst) {
  std::string ns = netns_path.substr(netns_path.rfind('/') + 1);
  return sh("ip netns exec " + ns + " ping -c 1 -W 2 " + dst + " >/dev/null 2>&1") == 0;
}

// Nothing of attachment `id` is left: no port, no veth, no address.
void expect_nothing_left(CniNode &node, const std::string &pod) {
  EXPECT_TRUE(bridge_pod_ports(node.daemon(), node.network()).empty());
  EXPECT_TRUE(pod_veths().empty());
  EXPECT_TRUE(node.ipam_allocations().empty());
  EXPECT_TRUE(ip_json(pod, "link show eth0").empty()) << "eth0 still in the pod";
}

class CniVersions : public ::testing::TestWithParam<std::string> {};

}  // namespace

// ADD, CHECK (prevResult), DEL, DEL: the result's shape per version, what
// is in the pod, what is in polycubed, traffic through the router.
TEST_P(CniVersions, AddCheckDelDel) {
  const std::string v = GetParam();
  CniNode node;
  std::string pod = node.add_pod("pod1");
  CniCall call{"ctr1-" + v, pod, "eth0", "IgnoreUnknown=1;K8S_POD_NAMESPACE=shop;K8S_POD_NAME=web-0"};
  auto conf = node.conf(v);

  auto add = node.run("ADD", conf, call);
  ASSERT_EQ(add.rc, 0) << add.out << add.err;
  const json &res = add.json;
  EXPECT_EQ(res["cniVersion"], v);
  ASSERT_EQ(res["interfaces"].size(), 2u) << res;
  const json &host = res["interfaces"][0], &inner = res["interfaces"][1];
  EXPECT_EQ(inner["name"], "eth0");
  EXPECT_EQ(inner["sandbox"], pod);
  EXPECT_FALSE(host.contains("sandbox"));
  EXPECT_EQ(inner.contains("mtu"), v == "1.1.0");  // interface MTU is a 1.1.0 field
  ASSERT_EQ(res["ips"].size(), 1u);
  const json &ip = res["ips"][0];
  EXPECT_EQ(ip["interface"], 1);
  EXPECT_EQ(ip["gateway"], kGateway);
  EXPECT_EQ(ip.contains("version"), v < "1.0.0");  // dropped in 1.0.0
  std::string cidr = ip["address"];
  ASSERT_EQ(cidr.rfind("10.244.1.", 0), 0u) << cidr;
  ASSERT_EQ(cidr.substr(cidr.size() - 3), "/24");
  std::string addr = cidr.substr(0, cidr.find('/'));
  bool default_route = false;
  for (const auto &r : res["routes"]) default_route |= r["dst"] == "0.0.0.0/0" && r["gw"] == kGateway;
  EXPECT_TRUE(default_route) << res;

  // Inside the pod: the address, the MTU, the default route via the router.
  auto links = ip_json(pod, "link show eth0");
  ASSERT_EQ(links.size(), 1u);
  EXPECT_EQ(links[0]["mtu"], 1400);
  EXPECT_EQ(links[0]["address"], inner["mac"]);
  auto addrs = ip_json(pod, "-4 addr show eth0");
  ASSERT_EQ(addrs.size(), 1u);
  ASSERT_EQ(addrs[0]["addr_info"].size(), 1u);
  EXPECT_EQ(addrs[0]["addr_info"][0]["local"], addr);
  EXPECT_EQ(addrs[0]["addr_info"][0]["prefixlen"], 24);
  auto routes = ip_json(pod, "-4 route show");
  bool via_gw = std::any_of(routes.begin(), routes.end(),
                            [](const json &r) { return r["dst"] == "default" && r["gateway"] == kGateway && r["dev"] == "eth0"; });
  EXPECT_TRUE(via_gw) << routes;

  // In polycubed: the pod's port names the pod and the attachment, peered
  // with the node's end of the veth; the node's end has the same MTU.
  std::string port = host["name"];
  auto p = node.daemon().rest("GET", "/bridge:bridge=pcnnet-br/ports=" + port + "?content=config");
  ASSERT_EQ(p.status, 200) << p.body;
  json pj = json::parse(p.body)["bridge:ports"][0];
  EXPECT_EQ(pj["peer"], port);
  EXPECT_EQ(pj["pod-namespace"], "shop");
  EXPECT_EQ(pj["pod-name"], "web-0");
  EXPECT_EQ(pj["container-id"], call.container_id);
  EXPECT_EQ(pj["container-ifname"], "eth0");
  EXPECT_NE(sh_out("ip -o link show " + port).find("mtu 1400"), std::string::npos);
  auto r = node.daemon().rest("GET", "/router:router=pcnnet-rt/ports=pods?content=config");
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(json::parse(r.body)["router:ports"][0]["ip"], std::string(kGateway) + "/24");
  EXPECT_EQ(node.ipam_allocations(), std::vector<std::string>{addr});

  // The router answers as the gateway; the node is reachable through it.
  EXPECT_TRUE(ping(pod, kGateway));

  conf["prevResult"] = res;
  if (v >= "0.4.0") {
    auto check = node.run("CHECK", conf, call);
    EXPECT_EQ(check.rc, 0) << check.out << check.err;
    EXPECT_TRUE(check.out.empty()) << check.out;
  } else {
    auto check = node.run("CHECK", conf, call);  // CHECK came with 0.4.0
    EXPECT_EQ(check.code(), 1) << check.out;
  }

  for (int i = 0; i < 2; ++i) {
    auto del = node.run("DEL", conf, call);
    EXPECT_EQ(del.rc, 0) << "DEL #" << i + 1 << ": " << del.out << del.err;
    EXPECT_TRUE(del.out.empty());
  }
  expect_nothing_left(node, pod);
  EXPECT_FALSE(has_link(port));
}

INSTANTIATE_TEST_SUITE_P(Spec, CniVersions, ::testing::Values("0.3.1", "0.4.0", "1.0.0", "1.1.0"),
                         [](const auto &info) {
                           std::string s = "v" + info.param;
                           std::replace(s.begin(), s.end(), '.', '_');
                           return s;
                         });

// Two pods and the node: pod to pod across the bridge, pod to gateway, pod
// to the node and back, the `pcn` view of the pods' ports.
TEST(Cni, PodsReachEachOtherTheGatewayAndTheNode) {
  CniNode node;
  std::string a = node.add_pod("a"), b = node.add_pod("b");
  auto conf = node.conf("1.1.0");
  auto ra = node.run("ADD", conf, {"ctr-a", a, "eth0", "IgnoreUnknown=1;K8S_POD_NAMESPACE=default;K8S_POD_NAME=alpha"});
  auto rb = node.run("ADD", conf, {"ctr-b", b, "eth0", "IgnoreUnknown=1;K8S_POD_NAMESPACE=default;K8S_POD_NAME=beta"});
  ASSERT_EQ(ra.rc, 0) << ra.out << ra.err;
  ASSERT_EQ(rb.rc, 0) << rb.out << rb.err;
  std::string ip_a = ra.json["ips"][0]["address"], ip_b = rb.json["ips"][0]["address"];
  ip_a = ip_a.substr(0, ip_a.find('/'));
  ip_b = ip_b.substr(0, ip_b.find('/'));
  EXPECT_NE(ip_a, ip_b);
  EXPECT_TRUE(ping(a, ip_b));
  EXPECT_TRUE(ping(b, ip_a));
  EXPECT_TRUE(ping(a, kGateway));
  // The node: its end of the node link, and a node address routed there.
  auto node_link = json::parse(sh_out("ip -j -4 addr show"), nullptr, false);
  std::string node_addr;
  for (const auto &l : node_link)
    if (l.value("ifname", "").rfind("pcn", 0) == 0 && !l["addr_info"].empty()) node_addr = l["addr_info"][0]["local"];
  ASSERT_FALSE(node_addr.empty()) << node_link;
  EXPECT_TRUE(ping(a, node_addr));
  sh("ip addr add 192.0.2.10/32 dev lo");
  EXPECT_TRUE(ping(b, "192.0.2.10")) << "the router's default route leads to the node";
  EXPECT_EQ(sh("ping -c 1 -W 2 " + ip_a + " >/dev/null"), 0) << "the node reaches a pod";

  auto show = node.daemon().pcn("pcnnet-br ports show");
  EXPECT_EQ(show.rc, 0) << show.err;
  EXPECT_NE(show.out.find("POD-NAME"), std::string::npos) << show.out;
  EXPECT_NE(show.out.find("alpha"), std::string::npos) << show.out;
  EXPECT_NE(show.out.find("beta"), std::string::npos) << show.out;
  EXPECT_NE(show.out.find("default"), std::string::npos) << show.out;

  EXPECT_EQ(node.run("DEL", conf, {"ctr-a", a}).rc, 0);
  EXPECT_EQ(node.run("DEL", conf, {"ctr-b", b}).rc, 0);
  EXPECT_TRUE(bridge_pod_ports(node.daemon(), "pcnnet").empty());
  EXPECT_TRUE(pod_veths().empty());
  EXPECT_TRUE(node.ipam_allocations().empty());
}

// polycubed stopped: ADD fails with 11 ("try again later") and changes
// nothing; once it is back, the same ADD works.
TEST(Cni, DaemonStoppedIsTryAgainLaterAndChangesNothing) {
  CniNode node;
  std::string pod = node.add_pod("pod");
  auto conf = node.conf("1.1.0");
  ASSERT_TRUE(node.daemon().stop());
  auto add = node.run("ADD", conf, {"ctr", pod});
  EXPECT_NE(add.rc, 0);
  EXPECT_EQ(add.code(), 11) << add.out;
  EXPECT_TRUE(node.ipam_allocations().empty());
  EXPECT_TRUE(pod_veths().empty());
  EXPECT_TRUE(ip_json(pod, "link show eth0").empty());
  ASSERT_TRUE(node.daemon().start());
  conf = node.conf("1.1.0");  // the daemon listens on a new port
  add = node.run("ADD", conf, {"ctr", pod});
  EXPECT_EQ(add.rc, 0) << add.out << add.err;
  EXPECT_EQ(node.run("DEL", conf, {"ctr", pod}).rc, 0);
  expect_nothing_left(node, pod);
}

// DEL while polycubed is down cleans what it can (veth, address) and says
// 11; the daemon restarts with the stale port, and the retried DEL
// removes it.
TEST(Cni, DelWhileDaemonStoppedIsRetried) {
  CniNode node;
  std::string pod = node.add_pod("pod");
  auto conf = node.conf("1.0.0");
  auto add = node.run("ADD", conf, {"ctr", pod});
  ASSERT_EQ(add.rc, 0) << add.out << add.err;
  ASSERT_TRUE(node.daemon().stop());
  conf["prevResult"] = add.json;
  auto del = node.run("DEL", conf, {"ctr", pod});
  EXPECT_EQ(del.code(), 11) << del.out;
  EXPECT_TRUE(pod_veths().empty());
  EXPECT_TRUE(node.ipam_allocations().empty());
  ASSERT_TRUE(node.daemon().start()) << "polycubed must restore a port whose veth is gone";
  conf["polycubed"] = node.daemon().url();
  del = node.run("DEL", conf, {"ctr", pod});
  EXPECT_EQ(del.rc, 0) << del.out << del.err;
  expect_nothing_left(node, pod);
}

// polycubed refuses the pod's port (a pod name longer than the model
// allows): the address is released and the veth removed.
TEST(Cni, RefusedPortReleasesTheAddress) {
  CniNode node;
  std::string pod = node.add_pod("pod");
  auto conf = node.conf("1.1.0");
  auto add = node.run("ADD", conf, {"ctr", pod, "eth0", "IgnoreUnknown=1;K8S_POD_NAME=" + std::string(300, 'x')});
  EXPECT_NE(add.rc, 0);
  EXPECT_EQ(add.code(), 103) << add.out;
  expect_nothing_left(node, pod);
  // A network name taken by a cube of another service: refused too.
  ASSERT_EQ(node.daemon().pcn("simplebridge add taken-br").rc, 0);
  auto taken = node.conf("1.1.0", {{"name", "taken"}});
  add = node.run("ADD", taken, {"ctr", pod});
  EXPECT_EQ(add.code(), 103) << add.out;
  EXPECT_TRUE(pod_veths().empty());
  EXPECT_TRUE(ip_json(pod, "link show eth0").empty());
  EXPECT_TRUE(node.ipam_allocations("taken").empty());
  // Node links (pcn<8 hex>n / r): pcnnet's pair only, none for "taken".
  EXPECT_EQ(sh_out("ip -o link show | awk -F': ' '{print $2}' | cut -d@ -f1 | grep -cE '^pcn[0-9a-f]{8}[nr]$'"), "2");
}

// The interface name is taken inside the pod: ADD fails before IPAM.
TEST(Cni, ExistingInterfaceInThePodFailsCleanly) {
  CniNode node;
  std::string pod = node.add_pod("pod");
  node.net().in("pod", "ip link add eth0 type veth peer name other");
  auto add = node.run("ADD", node.conf("1.0.0"), {"ctr", pod});
  EXPECT_EQ(add.code(), 100) << add.out;
  EXPECT_TRUE(node.ipam_allocations().empty());
  EXPECT_TRUE(pod_veths().empty());
  auto links = ip_json(pod, "link show eth0");
  ASSERT_EQ(links.size(), 1u);
  EXPECT_EQ(links[0]["link"], "other");  // the pod's own eth0, untouched
}

// Bad configuration and environment: the spec's codes, nothing changed.
TEST(Cni, BadInputGetsTheSpecsErrorCodes) {
  CniNode node;
  std::string pod = node.add_pod("pod");
  CniCall call{"ctr", pod};
  auto code_of = [&](const std::string &cmd, const json &conf, const CniCall &c) {
    auto r = node.run(cmd, conf, c);
    EXPECT_NE(r.rc, 0) << cmd << " " << conf.dump();
    EXPECT_TRUE(r.json.is_object() && r.json.contains("msg")) << r.out;
    return r.code();
  };
  EXPECT_EQ(code_of("ADD", node.conf("0.2.0"), call), 1);
  EXPECT_EQ(code_of("ADD", node.conf("9.9.9"), call), 1);
  EXPECT_EQ(code_of("STATUS", node.conf("1.0.0"), call), 1);
  EXPECT_EQ(code_of("ADD", node.conf("1.1.0", {{"ipam", nullptr}}), call), 7);
  EXPECT_EQ(code_of("ADD", node.conf("1.1.0", {{"mtu", 20}}), call), 7);
  EXPECT_EQ(code_of("ADD", node.conf("1.1.0", {{"name", "bad name"}}), call), 7);
  EXPECT_EQ(code_of("ADD", node.conf("1.1.0", {{"polycubed", "https://127.0.0.1:1"}}), call), 7);
  EXPECT_EQ(code_of("ADD", node.conf("1.1.0", {{"nodeLink", "169.254.1.1/30"}}), call), 7);
  EXPECT_EQ(code_of("ADD", node.conf("1.1.0", {{"ipam", {{"type", "no-such-ipam"}}}}), call), 7);
  EXPECT_EQ(code_of("CHECK", node.conf("1.1.0"), call), 7);  // no prevResult
  EXPECT_EQ(code_of("GC", node.conf("1.1.0"), call), 7);     // no valid-attachments
  EXPECT_EQ(code_of("ADD", node.conf("1.1.0"), {"", pod}), 4);
  EXPECT_EQ(code_of("ADD", node.conf("1.1.0"), {"-bad", pod}), 4);
  EXPECT_EQ(code_of("ADD", node.conf("1.1.0"), {"ctr", pod, "a/b"}), 4);
  EXPECT_EQ(code_of("ADD", node.conf("1.1.0"), {"ctr", ""}), 4);
  EXPECT_EQ(code_of("ADD", node.conf("1.1.0"), {"ctr", "/run/netns/pt-no-such-ns"}), 3);
  EXPECT_EQ(code_of("ADD", node.conf("1.1.0"), {"ctr", "/etc/hostname"}), 4);
  // Not JSON at all.
  std::ofstream(node.dir() + "/garbage") << "{not json";
  auto g = sh_out("CNI_COMMAND=ADD CNI_CONTAINERID=c CNI_NETNS=" + pod + " CNI_IFNAME=eth0 CNI_PATH=" + node.cni_path() +
                  " " PCN_BUILD_DIR "/bin/polycube-cni <" + node.dir() + "/garbage");
  EXPECT_EQ(json::parse(g)["code"], 6) << g;
  auto u = sh_out("CNI_COMMAND=FOO " PCN_BUILD_DIR "/bin/polycube-cni </dev/null");
  EXPECT_EQ(json::parse(u)["code"], 4) << u;
  auto ver = sh_out("CNI_COMMAND=VERSION " PCN_BUILD_DIR "/bin/polycube-cni </dev/null");
  auto vj = json::parse(ver);
  for (const char *x : {"0.3.1", "0.4.0", "1.0.0", "1.1.0"})
    EXPECT_NE(std::find(vj["supportedVersions"].begin(), vj["supportedVersions"].end(), x), vj["supportedVersions"].end());
  EXPECT_TRUE(node.ipam_allocations().empty());
  EXPECT_TRUE(pod_veths().empty());
  EXPECT_EQ(node.daemon().rest("GET", "/bridge:bridge=pcnnet-br").status, 404);
}

// CHECK notices what was broken behind the plugin's back.
TEST(Cni, CheckFindsBrokenAttachments) {
  CniNode node;
  std::string pod = node.add_pod("pod");
  auto conf = node.conf("1.0.0");
  auto add = node.run("ADD", conf, {"ctr", pod});
  ASSERT_EQ(add.rc, 0) << add.out << add.err;
  conf["prevResult"] = add.json;
  ASSERT_EQ(node.run("CHECK", conf, {"ctr", pod}).rc, 0);
  node.net().in("pod", "ip link set eth0 mtu 1300");
  auto c = node.run("CHECK", conf, {"ctr", pod});
  EXPECT_EQ(c.code(), 101) << c.out;
  EXPECT_NE(c.out.find("MTU"), std::string::npos) << c.out;
  node.net().in("pod", "ip link set eth0 mtu 1400");
  ASSERT_EQ(node.run("CHECK", conf, {"ctr", pod}).rc, 0);
  node.net().in("pod", "ip route del default");
  EXPECT_EQ(node.run("CHECK", conf, {"ctr", pod}).code(), 101);
  node.net().in("pod", "ip route add default via 10.244.1.1");
  std::string port = add.json["interfaces"][0]["name"];
  ASSERT_EQ(node.daemon().rest("DELETE", "/bridge:bridge=pcnnet-br/ports=" + port).status, 204);
  c = node.run("CHECK", conf, {"ctr", pod});
  EXPECT_EQ(c.code(), 101);
  EXPECT_NE(c.out.find("missing"), std::string::npos) << c.out;
  EXPECT_EQ(node.run("DEL", conf, {"ctr", pod}).rc, 0);
  expect_nothing_left(node, pod);
}

// GC: attachments that are not valid lose port, veth and address, also
// when only their address exists (an ADD that died after IPAM); the valid
// one keeps working.
TEST(Cni, GcRemovesWhatIsNotValid) {
  CniNode node;
  auto conf = node.conf("1.1.0");
  std::vector<std::string> pods;
  for (const char *n : {"a", "b", "c"}) {
    pods.push_back(node.add_pod(n));
    auto r = node.run("ADD", conf, {std::string("ctr-") + n, pods.back()});
    ASSERT_EQ(r.rc, 0) << r.out << r.err;
  }
  // An allocation without a port: host-local alone, as if ADD had died.
  auto lone = node.run("ADD", node.conf("1.0.0"), {"ctr-d", pods[0], "eth1"}, "host-local");
  ASSERT_EQ(lone.rc, 0) << lone.out << lone.err;
  ASSERT_EQ(node.ipam_allocations().size(), 4u);
  ASSERT_EQ(bridge_pod_ports(node.daemon(), "pcnnet").size(), 3u);

  json gc = conf;
  gc["cni.dev/valid-attachments"] = json::array({{{"containerID", "ctr-a"}, {"ifname", "eth0"}}});
  auto r = node.run("GC", gc);
  EXPECT_EQ(r.rc, 0) << r.out << r.err;
  auto ports = bridge_pod_ports(node.daemon(), "pcnnet");
  ASSERT_EQ(ports.size(), 1u);
  EXPECT_EQ(ports[0]["container-id"], "ctr-a");
  EXPECT_EQ(pod_veths().size(), 1u);
  EXPECT_EQ(node.ipam_allocations().size(), 1u);
  EXPECT_TRUE(ip_json(pods[1], "link show eth0").empty());
  EXPECT_TRUE(ping(pods[0], kGateway));

  gc["cni.dev/valid-attachments"] = json::array();
  EXPECT_EQ(node.run("GC", gc).rc, 0);
  expect_nothing_left(node, pods[0]);
}

// STATUS: 0 when ADD can work, 50 when it cannot, 51 when existing pods
// are cut off too.
TEST(Cni, StatusSaysWhetherAddCanWork) {
  CniNode node;
  auto conf = node.conf("1.1.0");
  auto s = node.run("STATUS", conf);
  EXPECT_EQ(s.rc, 0) << s.out << s.err;
  ASSERT_TRUE(node.daemon().stop());
  EXPECT_EQ(node.run("STATUS", conf).code(), 50);
  ASSERT_TRUE(node.daemon().start());
  conf = node.conf("1.1.0");
  EXPECT_EQ(node.run("STATUS", conf).rc, 0);
  EXPECT_EQ(node.run("STATUS", node.conf("1.1.0", {{"ipam", {{"type", "no-such-ipam"}}}})).code(), 50);
  std::string pod = node.add_pod("pod");
  ASSERT_EQ(node.run("ADD", conf, {"ctr", pod}).rc, 0);
  EXPECT_EQ(node.run("STATUS", conf).rc, 0);
  // The node link gone: pods cannot reach the node any more.
  std::string link = sh_out("ip -o link show | awk -F': ' '{print $2}' | cut -d@ -f1 | grep '^pcn.*n$'");
  ASSERT_FALSE(link.empty());
  sh("ip link del " + link);
  auto st = node.run("STATUS", conf);
  EXPECT_EQ(st.code(), 51) << st.out;
}

// Concurrent ADDs on a fresh node (the runtime may run pods in parallel):
// one creates the network, all get a port and a distinct address.
TEST(Cni, ConcurrentAddsOnAFreshNode) {
  CniNode node;
  auto conf = node.conf("1.0.0");
  const int n = 8;
  std::vector<std::string> pods;
  for (int i = 0; i < n; ++i) pods.push_back(node.add_pod("p" + std::to_string(i)));
  std::ofstream(node.dir() + "/conf.json") << conf.dump();
  std::string cmds;
  for (int i = 0; i < n; ++i)
    cmds += "(CNI_COMMAND=ADD CNI_CONTAINERID=c" + std::to_string(i) + " CNI_NETNS=" + pods[i] +
            " CNI_IFNAME=eth0 CNI_PATH=" + node.cni_path() + " " PCN_BUILD_DIR "/bin/polycube-cni <" + node.dir() +
            "/conf.json >" + node.dir() + "/out" + std::to_string(i) + " 2>&1; echo $? >" + node.dir() + "/rc" +
            std::to_string(i) + ") & ";
  sh(cmds + "wait");
  for (int i = 0; i < n; ++i)
    EXPECT_EQ(sh_out("cat " + node.dir() + "/rc" + std::to_string(i)), "0") << sh_out("cat " + node.dir() + "/out" + std::to_string(i));
  EXPECT_EQ(bridge_pod_ports(node.daemon(), "pcnnet").size(), static_cast<size_t>(n));
  EXPECT_EQ(node.ipam_allocations().size(), static_cast<size_t>(n));
  EXPECT_TRUE(ping(pods[0], kGateway));
  for (int i = 0; i < n; ++i) EXPECT_EQ(node.run("DEL", conf, {"c" + std::to_string(i), pods[i]}).rc, 0);
  EXPECT_TRUE(bridge_pod_ports(node.daemon(), "pcnnet").empty());
  EXPECT_TRUE(node.ipam_allocations().empty());
}
