// End-to-end through the real pcn binary: hostile or mistaken input on
// stdin and in --url is refused with exit status 2 and one line saying what
// is wrong, before any request, and without exhausting memory or stack.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <string>

#include "pcnd.h"
#include "testnet.h"

using namespace pcntest;

namespace {

// "Billion laughs": nine levels of nine aliases, ~300 bytes that a naive
// reader expands to 9^9 (387 million) strings.
std::string alias_bomb() {
  std::string y = "l0: &l0 [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n";
  for (int i = 1; i <= 9; i++) {
    std::string prev = "*l" + std::to_string(i - 1);
    y += "l" + std::to_string(i) + ": &l" + std::to_string(i) + " [";
    for (int j = 0; j < 9; j++) y += (j ? "," : "") + prev;
    y += "]\n";
  }
  return y;
}

class CliInput : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(pcnd.start());
    ASSERT_EQ(pcnd.pcn("simplebridge add br1").rc, 0);
    before = pcnd.rest("GET", "?content=config").body;
  }
  // `pcn args` with `body` on stdin, its memory capped (when no sanitizer
  // reserves address space) so a regression fails instead of eating the
  // machine.
  PcnRun run(const std::string &args, const std::string &body = "") {
    std::string in = pcnd.state_dir() + ".in", err = pcnd.state_dir() + ".err";
    FILE *f = std::fopen(in.c_str(), "w");
    if (f) {
      std::fwrite(body.data(), 1, body.size(), f);
      std::fclose(f);
    }
#if defined(__SANITIZE_ADDRESS__)
    std::string cap;  // ASan reserves terabytes of address space
#else
    std::string cap = "ulimit -v 1048576; ";
#endif
    std::string out = sh_out("(" + cap + "PCN_URL=" + pcnd.url() + " " PCN_BUILD_DIR "/bin/pcn " + args + " <" + in +
                             " 2>" + err + "); echo \"rc=$?\"");
    PcnRun r;
    auto pos = out.rfind("rc=");
    r.rc = std::atoi(out.c_str() + pos + 3);
    r.out = out.substr(0, pos);
    r.err = sh_out("cat " + err) + "\n";
    sh("rm -f " + in + " " + err);
    return r;
  }
  void expect_refused(const PcnRun &r, const std::string &names) {
    EXPECT_EQ(r.rc, 2) << r.err;
    EXPECT_EQ(r.err.find('\n'), r.err.size() - 1) << "one line: " << r.err;
    EXPECT_NE(r.err.find(names), std::string::npos) << r.err;
    EXPECT_EQ(pcnd.rest("GET", "?content=config").body, before);
  }

  TestNet net;
  Pcnd pcnd{net.prefix() + "clin"};
  std::string before;
};

TEST_F(CliInput, YamlAliasBombIsRefused) {
  expect_refused(run("br1 set", alias_bomb()), "more than 1000000 values");
}

TEST_F(CliInput, SelfReferentialAliasIsRefused) {
  expect_refused(run("br1 set", "fdb: &a\n  x: *a\n"), "alias to a node that contains it");
}

TEST_F(CliInput, DeepNestingIsRefused) {
  std::string yaml(100000, '[');  // a parser that recurses per level overflows its stack
  expect_refused(run("br1 set", "fdb: " + yaml), "deeper than 64 levels");
  std::string json = "{\"fdb\":" + std::string(100000, '[') + std::string(100000, ']') + "}";
  expect_refused(run("br1 set", json), "deeper than 64 levels");
}

TEST_F(CliInput, BodyOverTheDaemonsLimitIsRefused) {
  std::string big = "{\"loglevel\":\"WARN\",\"x\":\"" + std::string(17u << 20, 'a') + "\"}";
  expect_refused(run("br1 set", big), "larger than 16 MiB");
}

TEST_F(CliInput, DuplicateYamlKeysAreRefused) {
  expect_refused(run("br1 set", "loglevel: WARN\nloglevel: INFO\n"), "key 'loglevel' appears twice");
}

// Found by fuzz_pcn_stdin: bytes that are not UTF-8 went through yaml-cpp
// and failed later with nlohmann's "incomplete UTF-8 string".
TEST_F(CliInput, BodyThatIsNotUtf8OrHasAStructuredKeyIsRefused) {
  expect_refused(run("simplebridge add br2", "ports:\n  - name: p\xdd\n"), "not UTF-8 text");
  expect_refused(run("simplebridge add br2", "ports:\n  - name: {p: 1}\n"), "must be a single value");
}

TEST_F(CliInput, AnchorsAndAliasesWithinBoundsStillWork) {
  PcnRun r = run("br1 ports add p1", "peer: &dev " + net.prefix() + "nodev\n");
  EXPECT_EQ(r.rc, 1) << r.err;  // parsed and sent: the daemon names the missing netdev
  EXPECT_NE(r.err.find("nodev"), std::string::npos) << r.err;
  r = run("br1 set", "fdb: &f\n  aging-time: 70\nloglevel: &l WARN\n");
  EXPECT_EQ(r.rc, 0) << r.err;
  EXPECT_NE(pcnd.pcn("br1 show -json").out.find("\"aging-time\": 70"), std::string::npos);
}

TEST_F(CliInput, UrlWithAPathSaysSo) {
  std::string port = pcnd.url().substr(pcnd.url().rfind(':') + 1);
  struct Case {
    std::string url, names;
  } cases[] = {
      {"http://127.0.0.1:" + port + "/restconf", "'/restconf' after the address"},
      {"http://127.0.0.1:" + port + "/?x=1", "'/?x=1' after the address"},
      {"127.0.0.1:" + port, "no http://, https:// or unix: scheme"},
      {"http://127.0.0.1:99999", "port '99999'"},
      {"http://127.0.0.1:", "port ''"},
      {"http://admin@127.0.0.1:" + port, "user info"},
      {"http://:" + port, "no host"},
  };
  for (const auto &c : cases) {
    PcnRun r = run("--url '" + c.url + "' cubes");
    EXPECT_EQ(r.rc, 2) << c.url << ": " << r.err;
    EXPECT_NE(r.err.find(c.names), std::string::npos) << c.url << ": " << r.err;
  }
  // https:// is a URL pcn takes; a daemon that does not speak TLS there is
  // a connection failure that says so (exit 1), not a usage error.
  PcnRun tls = run("--url https://127.0.0.1:" + port + " cubes");
  EXPECT_EQ(tls.rc, 1) << tls.err;
  EXPECT_NE(tls.err.find("TLS with polycubed at https://127.0.0.1:" + port + " failed"), std::string::npos) << tls.err;
  // What is valid still works: a trailing slash, an IPv6 literal, a name.
  EXPECT_EQ(run("--url http://127.0.0.1:" + port + "/ cubes").rc, 0);
  EXPECT_EQ(run("--url http://localhost:" + port + " cubes").rc, 0);
  PcnRun v6 = run("--url 'http://[::1]:" + port + "' cubes");
  EXPECT_NE(v6.err.find("cannot reach polycubed"), std::string::npos) << v6.err;  // it listens on IPv4 only
}

}  // namespace
