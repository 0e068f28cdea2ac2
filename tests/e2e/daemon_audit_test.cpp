// What operators see of a running daemon, against a real polycubed:
//   - the audit log (--audit-log FILE): one JSON object per line for every
//     write and every refused attempt, with time, user, role, source,
//     method, path, status and the configuration version before and after;
//     none for reads; read back with GET polycube:audit?since=&user= and
//     `pcn audit`; bad queries answer 400; rotation by size;
//   - /healthz and /readyz;
//   - /metrics: request-duration histograms by method and status and cubes
//     per service, accepted by `promtool check metrics`.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>

#include "../../scripts/bench/rest_client.h"
#include "authed_request.h"
#include "daemon_process.h"
#include "testnet.h"

using namespace pcntest;
using nlohmann::json;

namespace {

const std::string kOperator = "op-token", kAdmin = "admin-token", kViewer = "viewer-token";

class DaemonAudit : public ::testing::Test {
 protected:
  void SetUp() override {
    dir = "/tmp/pt" + std::to_string(getpid()) + "-audit";
    std::filesystem::create_directories(dir);
    std::ofstream(dir + "/tokens") << "sha256:" << sh_out("printf %s " + kOperator + " | sha256sum | cut -d' ' -f1")
                                   << " otto operator\nsha256:"
                                   << sh_out("printf %s " + kAdmin + " | sha256sum | cut -d' ' -f1")
                                   << " ada admin\nsha256:"
                                   << sh_out("printf %s " + kViewer + " | sha256sum | cut -d' ' -f1")
                                   << " vera viewer\n";
    audit = dir + "/audit.jsonl";
  }
  void TearDown() override {
    if (daemon) {
      EXPECT_TRUE(daemon->stop()) << "polycubed did not exit cleanly";
    }
    daemon.reset();
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  }
  void start(std::vector<std::string> extra = {}) {
    std::vector<std::string> args = {"--tokens", dir + "/tokens", "--audit-log", audit};
    args.insert(args.end(), extra.begin(), extra.end());
    daemon = std::make_unique<DaemonProcess>(dir + "/state", args);
    ASSERT_TRUE(daemon->start());
    port = static_cast<uint16_t>(std::atoi(daemon->url().c_str() + daemon->url().rfind(':') + 1));
  }
  pcnrest::Response call(const std::string &method, const std::string &target, const std::string &body = "",
                         const std::string &token = "") {
    return authed_request(port, method, target, body, token);
  }
  std::vector<json> lines() {
    std::vector<json> out;
    std::ifstream in(audit);
    std::string line;
    while (std::getline(in, line)) {
      json j = json::parse(line, nullptr, false);
      EXPECT_TRUE(j.is_object()) << "not one JSON object: " << line;
      out.push_back(j);
    }
    return out;
  }

  std::string dir, audit;
  std::unique_ptr<DaemonProcess> daemon;
  uint16_t port = 0;
};

TEST_F(DaemonAudit, EveryWriteAndEveryRefusalIsOneJsonLine) {
  start();
  const std::string D = "/restconf/data";
  ASSERT_EQ(call("POST", D, R"({"simplebridge:simplebridge":[{"name":"sb1"}]})", kOperator).status, 201);
  ASSERT_EQ(call("GET", D + "/simplebridge:simplebridge=sb1", "", kOperator).status, 200);  // a read: not audited
  ASSERT_EQ(call("PATCH", D + "/simplebridge:simplebridge=sb1",
                 R"({"simplebridge:simplebridge":[{"name":"sb1","fdb":{"aging-time":42}}]})", kAdmin)
                .status,
            204);
  ASSERT_EQ(call("DELETE", D + "/simplebridge:simplebridge=sb1", "", kViewer).status, 403);
  ASSERT_EQ(call("GET", D + "/polycube:cubes").status, 401);
  ASSERT_EQ(call("POST", D, R"({"simplebridge:simplebridge":[{"name":"sb1"}]})", kOperator).status, 409);
  ASSERT_EQ(call("DELETE", D + "/simplebridge:simplebridge=sb1", "", kOperator).status, 204);

  std::vector<json> l = lines();
  ASSERT_EQ(l.size(), 6u);
  struct Want {
    const char *user, *role, *method;
    int status;
    bool changes;
  };
  const Want want[] = {{"otto", "operator", "POST", 201, true},   {"ada", "admin", "PATCH", 204, true},
                       {"vera", "viewer", "DELETE", 403, false},  {"", "", "GET", 401, false},
                       {"otto", "operator", "POST", 409, false},  {"otto", "operator", "DELETE", 204, true}};
  for (size_t i = 0; i < l.size(); i++) {
    SCOPED_TRACE(l[i].dump());
    EXPECT_EQ(l[i].value("user", "?"), want[i].user);
    EXPECT_EQ(l[i].value("role", "?"), want[i].role);
    EXPECT_EQ(l[i].value("method", ""), want[i].method);
    EXPECT_EQ(l[i].value("status", 0), want[i].status);
    EXPECT_EQ(l[i].value("source", "").rfind("127.0.0.1:", 0), 0u);
    EXPECT_EQ(l[i].value("time", "").size(), 24u);  // 2026-12-03T13:05:01.123Z
    EXPECT_EQ(l[i].value("path", "").rfind("/restconf/data", 0), 0u);
    uint64_t before = l[i].value("version-before", 0ull), after = l[i].value("version-after", 0ull);
    if (want[i].changes) EXPECT_GT(after, before);
    else EXPECT_EQ(after, before);
    if (i > 0) {
      EXPECT_EQ(before, l[i - 1].value("version-after", 0ull)) << "versions chain up";
    }
  }

  // Read back through the API (admin only), filtered by user and time.
  pcnrest::Response all = call("GET", D + "/polycube:audit", "", kAdmin);
  ASSERT_EQ(all.status, 200) << all.body;
  json doc = json::parse(all.body);
  EXPECT_EQ(doc["polycube:audit"]["entry"].size(), 6u);  // this GET is a read: not in it
  json otto = json::parse(call("GET", D + "/polycube:audit?user=otto", "", kAdmin).body);
  EXPECT_EQ(otto["polycube:audit"]["entry"].size(), 3u);
  json future = json::parse(call("GET", D + "/polycube:audit?since=2999-01-01T00:00:00Z", "", kAdmin).body);
  EXPECT_EQ(future["polycube:audit"]["entry"].size(), 0u);
  const std::string third = l[2].value("time", "");
  json since = json::parse(call("GET", D + "/polycube:audit?since=" + third, "", kAdmin).body);
  EXPECT_GE(since["polycube:audit"]["entry"].size(), 4u);
  EXPECT_EQ(call("GET", D + "/polycube:audit", "", kOperator).status, 403);
  // Bad input: 400 with what is wrong, nothing recorded for it.
  for (const char *q : {"?since=yesterday", "?since=2026-13-01T00:00:00Z", "?user=", "?colour=red",
                        "?user=a&user=b", "?since=%zz"}) {
    SCOPED_TRACE(q);
    EXPECT_EQ(call("GET", D + "/polycube:audit" + q, "", kAdmin).status, 400);
  }
  EXPECT_EQ(call("DELETE", D + "/polycube:audit", "", kAdmin).status, 405);

  // pcn audit, as a table and as JSON.
  const std::string pcn = "PCN_URL=" + daemon->url() + " PCN_TOKEN=" + kAdmin + " " PCN_BUILD_DIR "/bin/pcn ";
  std::string table = sh_out(pcn + "audit --user otto 2>&1");
  EXPECT_NE(table.find("otto"), std::string::npos) << table;
  EXPECT_EQ(table.find("ada"), std::string::npos) << table;
  json j = json::parse(sh_out(pcn + "audit --since 1h -json"), nullptr, false);
  ASSERT_TRUE(j.is_object());
  EXPECT_GE(j["polycube:audit"]["entry"].size(), 7u);  // the DELETE refused with 405 is a write attempt too
  EXPECT_NE(sh(pcn + "audit --since 2>/dev/null"), 0);
  EXPECT_NE(sh(pcn + "audit --color red 2>/dev/null"), 0);
}

TEST_F(DaemonAudit, RotatesBySize) {
  start({"--audit-max-bytes", "4096", "--audit-keep", "2"});
  for (int i = 0; i < 60; i++) call("GET", "/restconf/data/polycube:cubes");  // 60 refusals, ~230 bytes each
  EXPECT_TRUE(std::filesystem::exists(audit + ".1"));
  EXPECT_TRUE(std::filesystem::exists(audit + ".2"));
  EXPECT_FALSE(std::filesystem::exists(audit + ".3"));
  for (const auto &f : {audit, audit + ".1", audit + ".2"}) EXPECT_LE(std::filesystem::file_size(f), 4096u) << f;
  // Reading spans the kept files, oldest first.
  json doc = json::parse(call("GET", "/restconf/data/polycube:audit", "", kAdmin).body);
  EXPECT_GT(doc["polycube:audit"]["entry"].size(), 20u);
}

TEST_F(DaemonAudit, HealthAndReadinessProbes) {
  start();
  pcnrest::Response h = call("GET", "/healthz");
  EXPECT_EQ(h.status, 200);
  EXPECT_NE(h.body.find("ok"), std::string::npos);
  pcnrest::Response r = call("GET", "/readyz");
  EXPECT_EQ(r.status, 200) << r.body;
  json doc = json::parse(r.body);
  EXPECT_EQ(doc["status"], "ready");
  EXPECT_EQ(doc["checks"]["configuration"], "ok");
  EXPECT_EQ(doc["checks"]["bpffs"], "ok");
  EXPECT_EQ(call("POST", "/healthz", "", kAdmin).status, 405);
  EXPECT_EQ(call("HEAD", "/readyz").status, 200);
}

// A saved configuration that cannot be applied leaves the daemon up (it
// serves, /healthz 200) but not ready (/readyz 503 naming the check).
TEST_F(DaemonAudit, ReadyzFailsWhenTheSavedConfigurationWasRejected) {
  std::filesystem::create_directories(dir + "/state");
  // A configuration of an older polycubed (config.json) naming a leaf no
  // service has: the restore refuses it.
  std::ofstream(dir + "/state/config.json") << R"({"simplebridge:simplebridge":[{"name":"sb1","colour":"red"}]})";
  start();
  EXPECT_EQ(call("GET", "/healthz").status, 200);
  pcnrest::Response r = call("GET", "/readyz");
  EXPECT_EQ(r.status, 503) << r.body;
  EXPECT_NE(r.body.find("saved configuration"), std::string::npos) << r.body;
}

TEST_F(DaemonAudit, MetricsHaveRequestHistogramsAndCubesPerService) {
  start();
  ASSERT_EQ(call("POST", "/restconf/data", R"({"simplebridge:simplebridge":[{"name":"sb1"}]})", kOperator).status, 201);
  ASSERT_EQ(call("POST", "/restconf/data", R"({"simplebridge:simplebridge":[{"name":"sb2"}]})", kOperator).status, 201);
  for (int i = 0; i < 3; i++) call("GET", "/restconf/data/polycube:cubes", "", kViewer);
  call("GET", "/restconf/data/polycube:cubes");  // 401
  pcnrest::Response m = call("GET", "/metrics", "", kViewer);
  ASSERT_EQ(m.status, 200);
  const std::string &t = m.body;
  auto has = [&](const std::string &s) { return t.find(s) != std::string::npos; };
  EXPECT_TRUE(has("# TYPE polycube_http_request_duration_seconds histogram"));
  EXPECT_TRUE(has("polycube_http_request_duration_seconds_count{method=\"GET\",code=\"200\"} 3")) << t;
  EXPECT_TRUE(has("polycube_http_request_duration_seconds_count{method=\"POST\",code=\"201\"} 2")) << t;
  EXPECT_TRUE(has("polycube_http_request_duration_seconds_count{method=\"GET\",code=\"401\"} 1")) << t;
  EXPECT_TRUE(has("polycube_http_request_duration_seconds_bucket{method=\"POST\",code=\"201\",le=\"+Inf\"} 2")) << t;
  EXPECT_TRUE(has("polycube_service_cubes{service=\"simplebridge\"} 2")) << t;
  EXPECT_TRUE(has("polycube_service_cubes{service=\"router\"} 0")) << t;
  const std::string file = dir + "/metrics.txt";
  std::ofstream(file) << t;
  EXPECT_EQ(sh("promtool check metrics < " + file + " >/dev/null 2>&1"), 0)
      << sh_out("promtool check metrics < " + file + " 2>&1");
}

}  // namespace
