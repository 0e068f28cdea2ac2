// Who may use the daemon's API, against a real polycubed started with
// `--tokens FILE` (docs/security.md):
//   - the authorization matrix: 3 roles x read / create / update / delete /
//     action / framework operation / daemon settings / audit log, with the
//     token missing, invalid or revoked; exact status codes (401 with
//     WWW-Authenticate, 403 with an RFC 8040 access-denied body) and the
//     configuration unchanged after every refusal;
//   - a refused request is answered from its head: the body is never read;
//   - SIGHUP reloads the tokens file (a revoked token stops working, a bad
//     file is refused and the previous credentials stay);
//   - a bad tokens file stops the start with the line that is wrong;
//   - pcn sends --token / $PCN_TOKEN;
//   - safe defaults: no non-loopback address without TLS and
//     authentication unless --insecure; state directory 0700, files 0600;
//   - the netdev allow-list (--netdev-allow).
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <thread>

#include "../../scripts/bench/rest_client.h"
#include "authed_request.h"
#include "daemon_process.h"
#include "testnet.h"

using namespace pcntest;
using nlohmann::json;

namespace {

std::string sha256_of(const std::string &token) {
  return sh_out("printf %s '" + token + "' | sha256sum | cut -d' ' -f1");
}

void write_file(const std::string &path, const std::string &text) {
  std::ofstream(path, std::ios::trunc) << text;
}

// The tokens of the three roles, and one that was never issued.
const std::string kViewer = "viewer-Tok3n.v", kOperator = "operator-Tok3n_o", kAdmin = "admin-Tok3n~a";
const std::string kUnknown = "never-issued-token";

class DaemonAuth : public ::testing::Test {
 protected:
  void SetUp() override {
    dir = "/tmp/pt" + std::to_string(getpid()) + "-auth";
    std::filesystem::create_directories(dir);
    tokens = dir + "/tokens";
    write_file(tokens, "# polycubed tokens (test)\n"
                       "sha256:" + sha256_of(kViewer) + " vera viewer\n"
                       "sha256:" + sha256_of(kOperator) + " otto operator   # the operator\n"
                       "\n"
                       "sha256:" + sha256_of(kAdmin) + " ada admin\n");
  }
  void TearDown() override {
    if (daemon) {
      EXPECT_TRUE(daemon->stop()) << "polycubed did not exit cleanly";
    }
    daemon.reset();
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  }
  bool start(std::vector<std::string> extra = {}) {
    std::vector<std::string> args = {"--tokens", tokens};
    args.insert(args.end(), extra.begin(), extra.end());
    daemon = std::make_unique<DaemonProcess>(dir + "/state", args);
    if (!daemon->start()) return false;
    port = static_cast<uint16_t>(std::atoi(daemon->url().c_str() + daemon->url().rfind(':') + 1));
    return true;
  }
  // One request on a fresh connection; `token` "" sends no Authorization.
  pcnrest::Response call(const std::string &method, const std::string &target, const std::string &body = "",
                         const std::string &token = "", const std::string &authorization = "") {
    pcnrest::Response r = authed_request(port, method, target, body, token, authorization);
    // What the audit log must hold a line for: every write, every refusal.
    if (method == "POST" || method == "PUT" || method == "PATCH" || method == "DELETE" || r.status == 401 ||
        r.status == 403)
      audited++;
    return r;
  }
  size_t audit_lines() {
    return static_cast<size_t>(std::atoi(sh_out("wc -l < " + dir + "/state/audit.log").c_str()));
  }
  size_t audited = 0;
  // The whole configuration as the admin sees it.
  std::string config() { return call("GET", "/restconf/data?content=config", "", kAdmin).body; }

  std::string dir, tokens;
  std::unique_ptr<DaemonProcess> daemon;
  uint16_t port = 0;
};

std::string error_tag(const pcnrest::Response &r) {
  json doc = json::parse(r.body, nullptr, false);
  if (!doc.is_object() || !doc.contains("ietf-restconf:errors")) return "(no RFC 8040 body: " + r.body + ")";
  return doc["ietf-restconf:errors"]["error"][0].value("error-tag", "");
}

const std::string kCreate = R"({"simplebridge:simplebridge":[{"name":"sbx"}]})";
const std::string kPatch = R"({"simplebridge:simplebridge":[{"name":"sb0","fdb":{"aging-time":42}}]})";

TEST_F(DaemonAuth, EveryRoleEveryVerbExactStatusAndNothingChangesOnRefusal) {
  ASSERT_TRUE(start());
  // A cube to read, update, act on and delete.
  ASSERT_EQ(call("POST", "/restconf/data", R"({"simplebridge:simplebridge":[{"name":"sb0"}]})", kAdmin).status, 201);

  struct Case {
    const char *what, *method;
    std::string target, body;
    int viewer, op, admin;  // expected status per role
  };
  const std::string D = "/restconf/data";
  const std::vector<Case> cases = {
      {"read a cube", "GET", D + "/simplebridge:simplebridge=sb0", "", 200, 200, 200},
      {"read the cube list", "GET", D + "/polycube:cubes", "", 200, 200, 200},
      {"read the netdevs", "GET", D + "/polycube:netdevs", "", 200, 200, 200},
      {"read the schema", "GET", "/openapi.json", "", 200, 200, 200},
      {"read the metrics", "GET", "/metrics", "", 200, 200, 200},
      {"read the daemon settings", "GET", D + "/polycube:daemon", "", 200, 200, 200},
      {"create a cube", "POST", D, kCreate, 403, 201, 201},
      {"update a cube", "PATCH", D + "/simplebridge:simplebridge=sb0", kPatch, 403, 204, 204},
      {"run a cube's action", "POST", D + "/simplebridge:simplebridge=sb0/fdb/flush", "", 403, 204, 204},
      {"framework operation", "POST", "/restconf/operations/polycube:connect",
       R"({"polycube:input":{"peer1":"ghost:p1","peer2":"ghost2:p1"}})", 403, 404, 404},
      {"change the log level", "PATCH", D + "/polycube:daemon", R"({"polycube:daemon":{"loglevel":"warn"}})", 403,
       403, 204},
      {"read the audit log", "GET", D + "/polycube:audit", "", 403, 403, 200},
      {"delete a cube", "DELETE", D + "/simplebridge:simplebridge=sbx", "", 403, 204, 404},
  };
  for (const auto &c : cases) {
    for (auto [role, token, want] : {std::tuple{"viewer", kViewer, c.viewer}, std::tuple{"operator", kOperator, c.op},
                                     std::tuple{"admin", kAdmin, c.admin}}) {
      SCOPED_TRACE(std::string(c.what) + " as " + role);
      const std::string before = config();
      pcnrest::Response r = call(c.method, c.target, c.body, token);
      EXPECT_EQ(r.status, want) << r.body;
      if (want == 403 && r.status == 403) {
        EXPECT_EQ(error_tag(r), "access-denied");
        EXPECT_EQ(config(), before) << "a refused request changed the configuration";
      }
      // The operator's cube is removed again so that the admin's create
      // succeeds too; the operator's delete then removes the admin's cube
      // and the admin's delete finds none (404).
      if (std::string(c.what) == "create a cube" && r.status == 201 && std::string(role) == "operator") {
        ASSERT_EQ(call("DELETE", D + "/simplebridge:simplebridge=sbx", "", kAdmin).status, 204);
      }
    }
  }

  // No token, an unknown one, a malformed one, another scheme: 401 with a
  // challenge, for reads and writes alike, and nothing changes.
  const std::string before = config();
  for (auto [method, target, body] :
       {std::tuple{"GET", D + "/polycube:cubes", std::string()}, std::tuple{"POST", D, kCreate},
        std::tuple{"DELETE", D + "/simplebridge:simplebridge=sb0", std::string()}}) {
    SCOPED_TRACE(std::string(method) + " " + target);
    pcnrest::Response none = call(method, target, body);
    EXPECT_EQ(none.status, 401);
    EXPECT_EQ(error_tag(none), "access-denied");
    EXPECT_EQ(none.header("www-authenticate"), "Bearer realm=\"polycube\"");
    pcnrest::Response bad = call(method, target, body, kUnknown);
    EXPECT_EQ(bad.status, 401);
    EXPECT_NE(bad.header("www-authenticate").find("error=\"invalid_token\""), std::string::npos);
    EXPECT_EQ(call(method, target, body, "", "Basic YWRhOmFkYQ==").status, 401);
    EXPECT_EQ(call(method, target, body, "", "Bearer a b").status, 401);
  }
  EXPECT_EQ(config(), before);
  // The probes need no token.
  EXPECT_EQ(call("GET", "/healthz").status, 200);
  EXPECT_EQ(call("GET", "/readyz").status, 200);
  // One audit line for each write and each refusal above, none for reads.
  EXPECT_EQ(audit_lines(), audited);
}

// The refusal comes from the head alone: the client announces a 10 MB
// body, sends none of it, and still gets its 401 / 403 at once.
TEST_F(DaemonAuth, RefusalIsAnsweredBeforeAnyBodyIsRead) {
  ASSERT_TRUE(start());
  for (auto [auth, want] : {std::pair{std::string(), 401}, std::pair{"Authorization: Bearer " + kViewer + "\r\n", 403}}) {
    pcnrest::Client c(port, 5000);
    ASSERT_TRUE(c.connect());
    ASSERT_TRUE(c.send_raw("POST /restconf/data HTTP/1.1\r\nHost: x\r\nContent-Type: application/yang-data+json\r\n"
                           "Content-Length: 10000000\r\n" + auth + "\r\n{"));
    const auto t0 = std::chrono::steady_clock::now();
    pcnrest::Response r = c.read_answer(false);
    EXPECT_EQ(r.status, want);
    EXPECT_TRUE(r.closed) << "the connection must close: the unread body cannot be told from the next request";
    EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(2));
  }
  EXPECT_EQ(call("GET", "/restconf/data/polycube:cubes", "", kViewer).status, 200);  // still serving
}

TEST_F(DaemonAuth, SighupReloadsTokensAndKeepsThemWhenTheNewFileIsBad) {
  ASSERT_TRUE(start());
  ASSERT_EQ(call("GET", "/restconf/data/polycube:cubes", "", kOperator).status, 200);
  auto hup_and_wait = [&](const std::string &token, int want) {
    kill(daemon->pid(), SIGHUP);
    for (int i = 0; i < 100; i++) {
      if (call("GET", "/restconf/data/polycube:cubes", "", token).status == want) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return false;
  };
  // Revoke the operator, promote the viewer.
  write_file(tokens, "sha256:" + sha256_of(kViewer) + " vera admin\nsha256:" + sha256_of(kAdmin) + " ada admin\n");
  ASSERT_TRUE(hup_and_wait(kOperator, 401)) << "the revoked token still works after SIGHUP";
  EXPECT_EQ(call("POST", "/restconf/data", kCreate, kViewer).status, 201);
  // A broken file: refused as a whole, the credentials in force stay.
  write_file(tokens, "sha256:" + sha256_of(kOperator) + " otto superuser\n");
  kill(daemon->pid(), SIGHUP);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  EXPECT_EQ(call("GET", "/restconf/data/polycube:cubes", "", kOperator).status, 401);
  EXPECT_EQ(call("GET", "/restconf/data/polycube:cubes", "", kAdmin).status, 200);
}

TEST_F(DaemonAuth, BadTokensFileStopsTheStartNamingTheLine) {
  const std::vector<std::pair<std::string, std::string>> bad = {
      {"sha256:abc alice admin\n", "64 hex digits"},
      {"sha256:" + sha256_of("x") + " alice root\n", "unknown role 'root'"},
      {"# ok\nsha256:" + sha256_of("x") + " alice\n", ":2:"},
      {"md5:" + sha256_of("x") + " alice admin\n", "unknown credential kind"},
      {"sha256:" + sha256_of("x") + " a admin\nsha256:" + sha256_of("x") + " b viewer\n", "appears twice"},
  };
  for (const auto &[text, why] : bad) {
    SCOPED_TRACE(text);
    write_file(tokens, text);
    std::string out = sh_out(PCN_BUILD_DIR "/bin/polycubed --port 0 --state-dir " + dir + "/state --tokens " +
                             tokens + " 2>&1; echo rc=$?");
    EXPECT_NE(out.find(why), std::string::npos) << out;
    EXPECT_NE(out.find("rc=1"), std::string::npos) << out;
  }
  std::string missing = sh_out(PCN_BUILD_DIR "/bin/polycubed --port 0 --state-dir " + dir + "/state --tokens " + dir +
                               "/nope 2>&1; echo rc=$?");
  EXPECT_NE(missing.find("cannot read tokens file"), std::string::npos) << missing;
}

TEST_F(DaemonAuth, PcnSendsTheTokenFromTheFlagOrTheEnvironment) {
  ASSERT_TRUE(start());
  const std::string pcn = "PCN_URL=" + daemon->url() + " " PCN_BUILD_DIR "/bin/pcn ";
  std::string none = sh_out(pcn + "cubes 2>&1; echo rc=$?");
  EXPECT_NE(none.find("PCN_TOKEN"), std::string::npos) << none;
  EXPECT_EQ(none.find("rc=0"), std::string::npos) << none;
  EXPECT_NE(sh_out(pcn + "--token " + kOperator + " simplebridge add sbp 2>&1; echo rc=$?").find("rc=0"),
            std::string::npos);
  std::string listed = sh_out("PCN_TOKEN=" + kViewer + " " + pcn + "cubes 2>&1; echo rc=$?");
  EXPECT_NE(listed.find("sbp"), std::string::npos) << listed;
  std::string denied = sh_out("PCN_TOKEN=" + kViewer + " " + pcn + "simplebridge del sbp 2>&1; echo rc=$?");
  EXPECT_NE(denied.find("may not"), std::string::npos) << denied;
  EXPECT_EQ(denied.find("rc=0"), std::string::npos) << denied;
  std::string flag_wins = sh_out("PCN_TOKEN=" + kViewer + " " + pcn + "--token " + kAdmin +
                                 " simplebridge del sbp 2>&1; echo rc=$?");
  EXPECT_NE(flag_wins.find("rc=0"), std::string::npos) << flag_wins;
  EXPECT_NE(sh_out(pcn + "--token 2>&1; echo rc=$?").find("--token needs a value"), std::string::npos);
}

// Safe defaults, without a tokens file.
class DaemonSafeDefaults : public DaemonAuth {};

TEST_F(DaemonSafeDefaults, NonLoopbackNeedsTlsAndAuthenticationOrInsecure) {
  const std::string run = PCN_BUILD_DIR "/bin/polycubed --port 0 --state-dir " + dir + "/state ";
  std::string plain = sh_out(run + "--addr 0.0.0.0 2>&1; echo rc=$?");
  EXPECT_NE(plain.find("refusing to listen on 0.0.0.0"), std::string::npos) << plain;
  EXPECT_NE(plain.find("rc=2"), std::string::npos) << plain;
  std::string tokens_only = sh_out(run + "--addr 0.0.0.0 --tokens " + tokens + " 2>&1; echo rc=$?");
  EXPECT_NE(tokens_only.find("without TLS"), std::string::npos) << tokens_only;
  EXPECT_NE(tokens_only.find("rc=2"), std::string::npos) << tokens_only;
  // Nothing of the kernel or the state was touched by a refused start.
  EXPECT_FALSE(std::filesystem::exists(dir + "/state"));
  // --insecure overrides, with a warning; loopback needs nothing.
  daemon = std::make_unique<DaemonProcess>(dir + "/state", std::vector<std::string>{"--addr", "0.0.0.0", "--insecure"});
  ASSERT_TRUE(daemon->start());
  // Without authentication configured a token is ignored, not refused.
  port = static_cast<uint16_t>(std::atoi(daemon->url().c_str() + daemon->url().rfind(':') + 1));
  EXPECT_EQ(authed_request(port, "GET", "/restconf/data/polycube:cubes", "", "any-token").status, 200);
  EXPECT_TRUE(daemon->stop());
  daemon = std::make_unique<DaemonProcess>(dir + "/state", std::vector<std::string>{"--addr", "127.0.0.2"});
  ASSERT_TRUE(daemon->start());
}

TEST_F(DaemonSafeDefaults, StateDirectoryIs0700AndItsFiles0600) {
  // A directory an older run left wide open, with a readable file in it.
  std::filesystem::create_directories(dir + "/state");
  chmod((dir + "/state").c_str(), 0755);
  write_file(dir + "/state/leftover", "x");
  chmod((dir + "/state/leftover").c_str(), 0644);
  ASSERT_TRUE(start());
  ASSERT_EQ(call("POST", "/restconf/data", kCreate, kAdmin).status, 201);
  call("GET", "/restconf/data/polycube:cubes");  // a refusal, for the audit log
  auto mode = [](const std::string &p) {
    struct stat st {};
    return stat(p.c_str(), &st) == 0 ? static_cast<int>(st.st_mode & 07777) : -1;
  };
  EXPECT_EQ(mode(dir + "/state"), 0700);
  int files = 0;
  for (const auto &e : std::filesystem::directory_iterator(dir + "/state")) {
    if (!e.is_regular_file()) continue;
    files++;
    EXPECT_EQ(mode(e.path()), 0600) << e.path();
  }
  EXPECT_GE(files, 3) << "the configuration's files and the audit log";
}

TEST_F(DaemonSafeDefaults, NetdevAllowListRefusesOtherNetdevs) {
  const std::string p = "pt" + std::to_string(getpid());
  ASSERT_EQ(sh("ip link add " + p + "-ok type veth peer name " + p + "-no"), 0);
  ASSERT_TRUE(start({"--netdev-allow", p + "-ok*,lo-none"}));
  auto port_on = [&](const std::string &cube, const std::string &netdev) {
    return call("POST", "/restconf/data",
                R"({"simplebridge:simplebridge":[{"name":")" + cube + R"(","ports":[{"name":"p1","peer":")" + netdev +
                    R"("}]}]})",
                kAdmin);
  };
  pcnrest::Response refused = port_on("sbn", p + "-no");
  EXPECT_EQ(refused.status, 403) << refused.body;
  EXPECT_EQ(error_tag(refused), "access-denied");
  EXPECT_NE(refused.body.find("allow-list"), std::string::npos) << refused.body;
  EXPECT_EQ(call("GET", "/restconf/data/simplebridge:simplebridge=sbn", "", kAdmin).status, 404) << "half-applied";
  EXPECT_EQ(port_on("sby", p + "-ok").status, 201);
  EXPECT_EQ(call("DELETE", "/restconf/data/simplebridge:simplebridge=sby", "", kAdmin).status, 204);
  sh("ip link del " + p + "-ok 2>/dev/null");
  // Bad patterns are refused at start.
  std::string bad = sh_out(PCN_BUILD_DIR "/bin/polycubed --port 0 --state-dir " + dir + "/x --netdev-allow 'a,,b' 2>&1");
  EXPECT_NE(bad.find("--netdev-allow takes"), std::string::npos) << bad;
}

}  // namespace
