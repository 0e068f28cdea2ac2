// Every request costs in proportion to what it touches: a one-leaf PATCH
// and a GET of a bridge, timed on an empty daemon and again with 100,000
// firewall rules (one REST batch) and 200 other cubes configured, in the
// same test so that the machine's speed cancels out. Fails if the loaded
// daemon takes more than 10x (the design target is flat: see
// docs/daemon.md and scripts/bench/control_bench.sh for the figures).
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <nlohmann/json.hpp>

#include "pcnd.h"
#include "testnet.h"

using namespace pcntest;
using nlohmann::json;

namespace {

double median_ms(const std::function<void(int)> &f, int n) {
  std::vector<double> t;
  for (int i = 0; i < n; i++) {
    auto a = std::chrono::steady_clock::now();
    f(i);
    t.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - a).count());
  }
  std::sort(t.begin(), t.end());
  return t[t.size() / 2];
}

TEST(Scaling, OneLeafPatchAndGetDoNotGrowWithTheRestOfTheConfiguration) {
  TestNet net;
  Pcnd d(net.prefix() + "scale-");
  ASSERT_TRUE(d.start());
  ASSERT_EQ(d.rest("POST", "", R"({"bridge:bridge":[{"name":"br1"}],"firewall:firewall":[{"name":"fw1"}]})").status, 201);
  auto patch = [&](int i) {
    auto r = d.rest("PATCH", "/bridge:bridge=br1",
                    json{{"bridge:bridge", {{{"name", "br1"}, {"fdb", {{"aging-time", 100 + i % 2}}}}}}}.dump());
    ASSERT_EQ(r.status, 204) << r.body;
  };
  auto get = [&](int) { ASSERT_EQ(d.rest("GET", "/bridge:bridge=br1").status, 200); };
  for (int i = 0; i < 20; i++) patch(i), get(i);  // warm up
  double patch_empty = median_ms(patch, 101), get_empty = median_ms(get, 101);

  json rules = json::array();
  for (int i = 0; i < 100000; i++)
    rules.push_back({{"id", i}, {"src", "10." + std::to_string(i >> 16) + "." + std::to_string((i >> 8) & 255) + "." +
                                            std::to_string(i & 255) + "/32"}});
  auto r = d.rest("POST", "/firewall:firewall=fw1/chain=INGRESS/batch", json{{"firewall:input", {{"rules", rules}}}}.dump());
  ASSERT_EQ(r.status, 200) << r.body.substr(0, 300);
  json cubes = json::array();
  for (int i = 0; i < 200; i++) cubes.push_back({{"name", "hw" + std::to_string(i)}});
  ASSERT_EQ(d.rest("POST", "", json{{"helloworld:helloworld", cubes}}.dump()).status, 201);
  for (int i = 0; i < 20; i++) patch(i), get(i);
  double patch_loaded = median_ms(patch, 101), get_loaded = median_ms(get, 101);

  std::printf("one-leaf PATCH: %.3f ms empty, %.3f ms with 100,000 rules and 200 cubes (%.2fx)\n", patch_empty,
              patch_loaded, patch_loaded / patch_empty);
  std::printf("GET of the bridge: %.3f ms empty, %.3f ms loaded (%.2fx)\n", get_empty, get_loaded, get_loaded / get_empty);
  EXPECT_LT(patch_loaded, 10 * patch_empty);
  EXPECT_LT(get_loaded, 10 * get_empty);
  // The rules are there (the loaded case is loaded).
  auto one = d.rest("GET", "/firewall:firewall=fw1/chain=INGRESS/rule=99999?content=config");
  EXPECT_EQ(one.status, 200) << one.body;
  EXPECT_NE(one.body.find("10.1.134.159/32"), std::string::npos) << one.body;
}

}  // namespace
