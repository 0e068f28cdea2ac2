// codegen-yang: the generated model of tests/unit/codegen-test.yang
// (built by pcn_codegen_yang on this test binary) encodes and decodes RFC
// 7951 exactly, rejects wrong types naming the field, and dispatches
// actions; the OpenAPI generator describes the module's resources and
// constraints; the tool fails clearly on a broken module.
#include <gtest/gtest.h>
#include <libyang/libyang.h>

#include <cstdio>
#include <fstream>
#include <sstream>

#include "codegen-test_gen.h"
#include "polycube/base_yang.h"
#include "yanggen/yanggen.h"

namespace {

namespace m = polycube::gen::codegen_test;
using nlohmann::json;

TEST(Codegen, DefaultsAreFilledAndOptionalsEmpty) {
  m::CodegenTest c;
  EXPECT_EQ(c.counter, 18446744073709551615ULL);
  EXPECT_EQ(c.small, -1);
  EXPECT_TRUE(c.enabled);
  EXPECT_EQ(c.type, m::CodegenTestType::TC);
  EXPECT_EQ(c.loglevel, m::CodegenTestLoglevel::INFO);
  EXPECT_FALSE(c.offset.has_value());
  EXPECT_FALSE(c.hue.has_value());
  EXPECT_EQ(c.limits.max, 10u);
  EXPECT_FALSE(c.flag.present);
}

TEST(Codegen, Rfc7951RoundTrip) {
  const json in = json::parse(R"({
    "name":"c1","type":"XDP_SKB","loglevel":"DEBUG",
    "ports":[{"name":"p1","peer":"veth1"},{"name":"p2"}],
    "counter":"12345678901234567890","offset":"-42","ratio":"3.25","small":5,"percent":100,
    "label":"abc","enabled":false,"hue":"green-ish","flag":[null],"tags":["x","y"],"class":"gold",
    "limits":{"max":7,"rule":[{"id":1,"action":"DROP"},{"id":2,"action":"ACCEPT"}]}})");
  m::CodegenTest c;
  from_json(in, c);
  EXPECT_EQ(c.counter, 12345678901234567890ULL);
  EXPECT_EQ(*c.offset, -42);
  EXPECT_DOUBLE_EQ(c.ratio->value, 3.25);
  EXPECT_EQ(*c.hue, m::CodegenTestHue::green_ish);
  EXPECT_TRUE(c.flag.present);
  EXPECT_EQ(c.class_.value(), "gold");
  ASSERT_EQ(c.ports.size(), 2u);
  EXPECT_EQ(*c.ports[0].peer, "veth1");
  EXPECT_FALSE(c.ports[1].peer.has_value());
  ASSERT_EQ(c.limits.rule.size(), 2u);
  EXPECT_EQ(c.limits.rule[0].action, m::CodegenTestLimitsRuleAction::DROP);
  json out;
  to_json(out, c);
  // decimal64 comes back in C++'s fixed notation; everything else exactly.
  EXPECT_EQ(out["ratio"], "3.250000");
  json expect = in;
  expect["ratio"] = "3.250000";
  // A leaf with a default is a plain member, written out (ports' reattach).
  for (auto &p : expect["ports"]) p["reattach"] = false;
  EXPECT_EQ(out, expect) << out.dump();
  m::CodegenTest again;
  from_json(out, again);
  EXPECT_EQ(again, c);
}

TEST(Codegen, WrongTypesAreRejectedNamingTheField) {
  auto fails = [](const std::string &text, const std::string &field) {
    m::CodegenTest c;
    try {
      from_json(json::parse(text), c);
    } catch (const polycube::Error &e) {
      EXPECT_NE(std::string(e.what()).find(field), std::string::npos) << e.what();
      return true;
    }
    return false;
  };
  EXPECT_TRUE(fails(R"({"name":"c","counter":12})", "counter"));        // uint64 must be a string
  EXPECT_TRUE(fails(R"({"name":"c","counter":"-1"})", "counter"));
  EXPECT_TRUE(fails(R"({"name":"c","small":300})", "small"));           // does not fit int8
  EXPECT_TRUE(fails(R"({"name":"c","percent":"7"})", "percent"));       // uint8 is a number
  EXPECT_TRUE(fails(R"({"name":"c","hue":"blue"})", "hue"));            // not an enum name
  EXPECT_TRUE(fails(R"({"name":"c","enabled":"yes"})", "enabled"));
  EXPECT_TRUE(fails(R"({"name":"c","tags":"x"})", "tags"));
  EXPECT_TRUE(fails(R"({"name":"c","limits":{"rule":[{"id":1,"action":"MAYBE"}]}})", "action"));
  EXPECT_TRUE(fails(R"({"name":"c","nosuch":1})", "nosuch"));           // unknown member
  EXPECT_FALSE(fails(R"({"name":"c"})", ""));
}

TEST(Codegen, EnumNamesConvertBothWays) {
  m::CodegenTestHue h{};
  EXPECT_TRUE(from_string("3d", h));
  EXPECT_EQ(h, m::CodegenTestHue::E_3d);
  EXPECT_EQ(to_string(h), "3d");
  EXPECT_FALSE(from_string("RED", h));  // case matters
}

// A minimal cube type for the adapter: the model's reconcile needs a real
// runtime, so this checks the pieces that do not: state and actions go
// through typed structs and paths with keys reach the right method.
struct FakeCube {};  // named: not a cube, only a handle for the handler template
class Handler : public m::CodegenTestHandler<FakeCube> {
 public:
  void update(FakeCube &, const m::CodegenTest &) override {}
  m::CodegenTestState state(FakeCube &) override {
    m::CodegenTestState s;
    s.session.push_back({7, 99});
    return s;
  }
  m::CodegenTestLimitsRuleMoveOutput limits_rule_move(FakeCube &, const std::vector<std::string> &keys,
                                                      const m::CodegenTestLimitsRuleMoveInput &in) override {
    last_keys = keys;
    last_to = in.to;
    return {true};
  }
  m::CodegenTestResetOutput reset(FakeCube &, const m::CodegenTestResetInput &in) override {
    return {in.hard ? 2u : 1u};
  }
  std::vector<std::string> last_keys;
  uint32_t last_to = 0;
};

TEST(Codegen, StateAndActionsAreTyped) {
  Handler h;
  FakeCube cube;
  json s;
  to_json(s, h.state(cube));
  EXPECT_EQ(s, json::parse(R"({"name":"","session":[{"id":7,"bytes":"99"}]})"));  // the adapter drops the name
  m::CodegenTestLimitsRuleMoveInput in;
  from_json(json::parse(R"({"to":3})"), in);
  json out;
  to_json(out, h.limits_rule_move(cube, {"5"}, in));
  EXPECT_EQ(out, json::parse(R"({"moved":true})"));
  EXPECT_EQ(h.last_to, 3u);
  m::CodegenTestResetInput ri;
  EXPECT_FALSE(ri.hard);  // the input's default
}

// The OpenAPI of the module, from the same compiled schema.
class CodegenOpenapi : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(ly_ctx_new(nullptr, LY_CTX_NO_YANGLIBRARY, &ctx), LY_SUCCESS);
    ly_ctx_set_searchdir(ctx, PCN_SOURCE_DIR "/libpolycube/yang");
    for (const char *f : {"/tests/unit/codegen-test.yang", "/services/simplebridge/simplebridge.yang",
                          "/services/helloworld/helloworld.yang",
                          "/services/transparenthelloworld/transparenthelloworld.yang"}) {
      std::ifstream in(std::string(PCN_SOURCE_DIR) + f);
      std::stringstream ss;
      ss << in.rdbuf();
      lys_module *mod = nullptr;
      ASSERT_EQ(lys_parse_mem(ctx, ss.str().c_str(), LYS_IN_YANG, &mod), LY_SUCCESS) << f;
      mods.push_back(mod);
    }
  }
  void TearDown() override { ly_ctx_destroy(ctx); }
  ly_ctx *ctx = nullptr;
  std::vector<const lys_module *> mods;
};

TEST_F(CodegenOpenapi, PathsMethodsAndConstraints) {
  json f = yanggen::openapi_fragment(mods[0]);
  const std::string cube = "/restconf/data/codegen-test:codegen-test={codegen-test-name}";
  ASSERT_TRUE(f["paths"].contains(cube)) << f["paths"].dump();
  for (const char *verb : {"get", "put", "patch", "delete"}) EXPECT_TRUE(f["paths"][cube].contains(verb)) << verb;
  EXPECT_TRUE(f["paths"].contains(cube + "/limits/rule={rule-id}"));
  EXPECT_TRUE(f["paths"][cube + "/limits/rule={rule-id}/move"].contains("post"));
  EXPECT_TRUE(f["paths"][cube + "/reset"].contains("post"));
  EXPECT_TRUE(f["paths"]["/restconf/data"].contains("post"));
  // config false list: readable, not writable.
  EXPECT_TRUE(f["paths"][cube + "/session={session-id}"].contains("get"));
  EXPECT_FALSE(f["paths"][cube + "/session={session-id}"].contains("patch"));
  const json &props = f["components"]["schemas"]["CodegenTest"]["properties"];
  EXPECT_EQ(props["small"]["minimum"], -5);
  EXPECT_EQ(props["small"]["maximum"], 5);
  EXPECT_EQ(props["percent"]["maximum"], 100);
  EXPECT_EQ(props["label"]["maxLength"], 8);
  EXPECT_EQ(props["label"]["pattern"], "^([a-z]+)$");
  EXPECT_EQ(props["hue"]["enum"], json::parse(R"(["red","green-ish","3d"])"));
  EXPECT_EQ(props["counter"]["type"], "string");  // RFC 7951 uint64
  EXPECT_EQ(props["type"]["enum"], json::parse(R"(["TC","XDP_SKB","XDP_DRV"])"));
  EXPECT_EQ(props["session"]["readOnly"], true);
}

TEST_F(CodegenOpenapi, DocumentCoversEveryService) {
  json doc = yanggen::openapi_document(mods);
  EXPECT_EQ(doc["openapi"], "3.0.3");
  for (const char *svc : {"simplebridge", "helloworld", "transparenthelloworld"}) {
    std::string p = std::string("/restconf/data/") + svc + ":" + svc + "={" + svc + "-name}";
    EXPECT_TRUE(doc["paths"].contains(p)) << p;
  }
  EXPECT_TRUE(doc["paths"].contains("/restconf/data/simplebridge:simplebridge={simplebridge-name}/fdb/flush"));
  EXPECT_TRUE(doc["components"]["schemas"].contains("RestconfErrors"));
}

TEST(CodegenTool, BrokenModuleFailsWithAClearMessage) {
  std::string out = "/tmp/pcn-codegen-test-" + std::to_string(getpid());
  std::string cmd = std::string(PCN_BUILD_DIR) + "/bin/codegen-yang --yang " PCN_SOURCE_DIR
                    "/tests/unit/codegen_broken.yang --out-dir /tmp 2>" + out;
  int rc = std::system(cmd.c_str());
  std::ifstream in(out);
  std::stringstream ss;
  ss << in.rdbuf();
  std::remove(out.c_str());
  EXPECT_NE(rc, 0);
  EXPECT_NE(ss.str().find("codegen_broken.yang"), std::string::npos) << ss.str();
  EXPECT_NE(ss.str().find("nosuchtype"), std::string::npos) << ss.str();
  EXPECT_NE(std::system((std::string(PCN_BUILD_DIR) + "/bin/codegen-yang --yang 2>/dev/null").c_str()), 0);
}

}  // namespace
