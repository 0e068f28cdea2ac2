// End-to-end: cube names with dots (`a.b`, `v1.2`) are valid by the YANG
// schema, and bpffs refuses dots in file names; the runtime encodes them in
// its pin paths, so such a cube is created, carries traffic, survives a
// restart and is deleted through REST and pcn like any other.
#include <gtest/gtest.h>

#include <filesystem>

#include "pcnd.h"
#include "polycube/runtime.h"
#include "testnet.h"

using namespace pcntest;
namespace fs = std::filesystem;

namespace {

TEST(CubeNames, DottedNamesWorkThroughRestAndPcn) {
  TestNet net;
  net.add_ns("a");
  net.add_ns("b");
  std::string va = net.add_host("a", "va", "10.67.0.1/24");
  std::string vb = net.add_host("b", "vb", "10.67.0.2/24");
  Pcnd pcnd(net.prefix() + "names");
  ASSERT_TRUE(pcnd.start());
  const std::string cubes = polycube::default_pin_root() + "/cubes/";

  RestReply r = pcnd.rest("POST", "", R"({"simplebridge:simplebridge":[{"name":"v1.2","ports":[{"name":"p1","peer":")" +
                                          va + R"("},{"name":"p2","peer":")" + vb + R"("}]}]})");
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_TRUE(fs::exists(cubes + "v1%2E2/maps"));
  EXPECT_EQ(net.in("a", "ping -c 2 -i 0.2 -W 1 -q 10.67.0.2 >/dev/null"), 0);
  EXPECT_EQ(pcnd.rest("GET", "/simplebridge:simplebridge=v1.2/ports=p1").status, 200);

  PcnRun p = pcnd.pcn("simplebridge add a.b");
  ASSERT_EQ(p.rc, 0) << p.err;
  p = pcnd.pcn("a.b ports add p1");
  EXPECT_EQ(p.rc, 0) << p.err;
  p = pcnd.pcn("a.b show -json");
  EXPECT_EQ(p.rc, 0) << p.err;
  EXPECT_NE(p.out.find("\"p1\""), std::string::npos) << p.out;
  EXPECT_TRUE(fs::exists(cubes + "a%2Eb/maps"));

  // Restored from the saved configuration after a crash.
  const std::string config = pcnd.rest("GET", "?content=config").body;
  pcnd.kill9();
  ASSERT_TRUE(pcnd.start());
  EXPECT_EQ(pcnd.rest("GET", "?content=config").body, config);
  EXPECT_EQ(net.in("a", "ping -c 2 -i 0.2 -W 1 -q 10.67.0.2 >/dev/null"), 0);

  // Names the schema refuses are still 400, and change nothing.
  r = pcnd.rest("POST", "", R"({"simplebridge:simplebridge":[{"name":".hidden"}]})");
  EXPECT_EQ(r.status, 400) << r.body;
  r = pcnd.rest("POST", "", R"({"simplebridge:simplebridge":[{"name":"a%2Eb"}]})");
  EXPECT_EQ(r.status, 400) << r.body;  // '%' is not a name character: no clash with an encoded name
  EXPECT_EQ(pcnd.rest("GET", "?content=config").body, config);

  p = pcnd.pcn("simplebridge del a.b");
  EXPECT_EQ(p.rc, 0) << p.err;
  EXPECT_EQ(pcnd.rest("DELETE", "/simplebridge:simplebridge=v1.2").status, 204);
  EXPECT_FALSE(fs::exists(cubes + "a%2Eb"));
  EXPECT_FALSE(fs::exists(cubes + "v1%2E2"));
  EXPECT_EQ(pcnd.pcn("cubes").out, "no cubes\n");
}

}  // namespace
