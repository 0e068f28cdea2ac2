// The daemon's HTTP transport on the wire, against a real polycubed over
// loopback sockets that send exactly the bytes of each case
// (pcnrest::Client's send_raw, scripts/bench/rest_client.h):
//   - framing errors (a negative or 20-digit Content-Length, a huge chunk
//     size, ...) answer 400 (413 over the size limit) with an RFC 8040
//     error body that names no internals, and the daemon keeps serving;
//   - a body nested 100,000 deep (200 KB) in an action input, an RPC input,
//     a PUT, a PATCH and a POST is refused with 400 and the daemon lives;
//   - pipelined requests are answered in order;
//   - 20 slow clients plus thousands of idle connections (more than the
//     daemon has descriptors for) do not stop a normal client's GET and
//     cube create;
//   - a head that trickles in times out with 408; an idle keep-alive
//     connection is closed.
#include <gtest/gtest.h>
#include <sys/resource.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <thread>
#include <vector>

#include "../../scripts/bench/rest_client.h"
#include "daemon_process.h"
#include "testnet.h"

using namespace pcntest;
using nlohmann::json;
using Clock = std::chrono::steady_clock;

namespace {

class HttpTransport : public ::testing::Test {
 protected:
  void start(std::vector<std::string> args = {}, rlim_t nofile = 0) {
    state_dir = "/tmp/pt" + std::to_string(getpid()) + "-httpstate";
    daemon = std::make_unique<DaemonProcess>(state_dir, std::move(args), nofile);
    ASSERT_TRUE(daemon->start()) << "polycubed did not start";
    port = static_cast<uint16_t>(std::atoi(daemon->url().c_str() + daemon->url().rfind(':') + 1));
  }
  void TearDown() override {
    if (daemon) {
      EXPECT_TRUE(daemon->stop()) << "polycubed did not exit cleanly";
    }
    daemon.reset();
    std::error_code ec;
    std::filesystem::remove_all(state_dir, ec);
  }

  // A fresh well-behaved request: the daemon still serves.
  int status_of(const std::string &method, const std::string &target, const std::string &body = "") {
    pcnrest::Client c(port, 5000);
    return c.request(method, target, body).status;
  }

  // An RFC 8040 error body with `tag`, naming nothing of the daemon's insides.
  static std::string rfc8040_problem(const pcnrest::Response &a, const std::string &tag) {
    if (a.header("content-type").rfind("application/yang-data+json", 0) != 0)
      return "content type '" + a.header("content-type") + "'";
    auto doc = json::parse(a.body, nullptr, false);
    if (!doc.is_object() || !doc.contains("ietf-restconf:errors")) return "not an RFC 8040 error body: " + a.body;
    const json &e = doc["ietf-restconf:errors"]["error"][0];
    if (e.value("error-tag", "") != tag) return "error-tag " + e.value("error-tag", "") + ", not " + tag;
    if (e.value("error-message", "").empty()) return "no error-message";
    for (const char *leak : {"std::", "basic_string", "stoull", "bad_alloc", "_M_create", "what()"})
      if (a.body.find(leak) != std::string::npos) return std::string("leaks '") + leak + "': " + a.body;
    return "";
  }

  std::string state_dir;
  std::unique_ptr<DaemonProcess> daemon;
  uint16_t port = 0;
};

std::string nested(size_t depth) { return std::string(depth, '[') + std::string(depth, ']'); }

}  // namespace

TEST_F(HttpTransport, FramingErrorsAnswerWithAnRfc8040BodyAndLeakNothing) {
  start();
  const std::string H = "Host: 127.0.0.1\r\n", T = "POST /restconf/data HTTP/1.1\r\n" + H;
  const std::string chunked = T + "Content-Type: application/yang-data+json\r\nTransfer-Encoding: chunked\r\n\r\n";
  struct Case {
    const char *what;
    std::string bytes;
    int status;
    const char *tag;
  } cases[] = {
      // The three of the issue (500 basic_string::_M_create, 500 stoull, 400 std::bad_alloc before).
      {"Content-Length: -1", T + "Content-Length: -1\r\n\r\n{}", 400, "malformed-message"},
      {"20-digit Content-Length", T + "Content-Length: 99999999999999999999\r\n\r\n{}", 400, "malformed-message"},
      {"chunk size beyond 64 bits", chunked + "fffffffffffffffffff\r\n", 400, "malformed-message"},
      {"huge chunk size", chunked + "7fffffffffffffff\r\n", 413, "too-big"},
      {"Content-Length over 16 MiB", T + "Content-Length: 16777217\r\n\r\n", 413, "too-big"},
      {"chunks adding up over 16 MiB", chunked + "800000\r\n" + std::string(0x800000, ' ') + "\r\n800001\r\n", 413,
       "too-big"},
      {"Content-Length and chunked", T + "Content-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n{}", 400,
       "malformed-message"},
      {"two Content-Lengths", T + "Content-Length: 2\r\nContent-Length: 3\r\n\r\n{}", 400, "malformed-message"},
      {"bad chunk size", chunked + "xyz\r\n", 400, "malformed-message"},
      {"no Host", "GET /restconf/data HTTP/1.1\r\n\r\n", 400, "malformed-message"},
      {"obsolete line folding", "GET /restconf/data HTTP/1.1\r\n" + H + "X-A: 1\r\n 2\r\n\r\n", 400, "malformed-message"},
      {"request line over 8 KiB", "GET /restconf/data/" + std::string(9000, 'a') + " HTTP/1.1\r\n" + H + "\r\n", 414,
       "too-big"},
      {"HTTP/2.0", "GET / HTTP/2.0\r\n" + H + "\r\n", 505, "operation-not-supported"},
      // Bytes that are not UTF-8 quoted in the refusal: the error document
      // failed to print and the event loop, which answers framing errors,
      // ended the daemon (found by fuzz_http_request).
      {"a header name that is not text", "GET /restconf/data HTTP/1.1\r\n" + H + "\xff\xfe: 1\r\n\r\n", 400,
       "malformed-message"},
      {"an expectation that is not text", T + "Expect: \x80\x81\r\nContent-Length: 2\r\n\r\n{}", 417,
       "operation-not-supported"},
      {"a TLS ClientHello", std::string("\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\r\n\r\n", 15), 400,
       "malformed-message"},
  };
  for (const auto &c : cases) {
    SCOPED_TRACE(c.what);
    pcnrest::Client conn(port, 5000);
    ASSERT_TRUE(conn.connect());
    conn.send_raw(c.bytes);
    pcnrest::Response a = conn.read_answer();
    EXPECT_EQ(a.status, c.status) << a.body;
    EXPECT_EQ(rfc8040_problem(a, c.tag), "");
    EXPECT_EQ(a.header("connection"), "close");
    EXPECT_TRUE(conn.closed_by_peer(3000));
  }
  EXPECT_EQ(status_of("GET", "/restconf/data/polycube:services"), 200);
}

// Item 1 of the issue: each of these crashed the daemon (a recursive copy
// of the body on a request thread's stack).
TEST_F(HttpTransport, DeeplyNestedBodiesAre400AndTheDaemonKeepsServing) {
  start();
  ASSERT_EQ(status_of("POST", "/restconf/data", R"({"simplebridge:simplebridge":[{"name":"sb1"}]})"), 201);
  const std::string deep = nested(100000);
  ASSERT_GE(deep.size(), 200000u);
  const std::string sb1 = "/restconf/data/simplebridge:simplebridge=sb1";
  struct Case {
    const char *what, *method;
    std::string target, body;
  } cases[] = {
      {"YANG action input", "POST", sb1 + "/fdb/flush", R"({"simplebridge:input":)" + deep + "}"},
      {"connect input", "POST", "/restconf/operations/polycube:connect", R"({"polycube:input":{"peer1":)" + deep + "}}"},
      {"attach input", "POST", "/restconf/operations/polycube:attach", R"({"polycube:input":)" + deep + "}"},
      {"PUT at a resource", "PUT", sb1, R"({"simplebridge:simplebridge":[{"name":"sb1","loglevel":)" + deep + "}]}"},
      {"PATCH at a resource", "PATCH", sb1, R"({"simplebridge:simplebridge":[{"name":"sb1","fdb":)" + deep + "}]}"},
      {"POST of a child", "POST", sb1, R"({"simplebridge:ports":)" + deep + "}"},
      {"POST at the root", "POST", "/restconf/data", R"({"simplebridge:simplebridge":)" + deep + "}"},
      {"PATCH of the daemon", "PATCH", "/restconf/data/polycube:daemon", R"({"polycube:daemon":)" + deep + "}"},
  };
  for (const auto &c : cases) {
    SCOPED_TRACE(c.what);
    pcnrest::Client client(port, 5000);
    pcnrest::Response r = client.request(c.method, c.target, c.body);
    EXPECT_EQ(r.status, 400) << r.body;
    EXPECT_NE(r.body.find("malformed-message"), std::string::npos) << r.body;
    EXPECT_NE(r.body.find("nested deeper than"), std::string::npos) << r.body;
    ASSERT_EQ(status_of("GET", "/restconf/data/polycube:cubes"), 200) << "the daemon died";
  }
  EXPECT_EQ(status_of("GET", sb1), 200);
}

TEST_F(HttpTransport, PipelinedRequestsAreAnsweredInOrder) {
  start();
  auto req = [](const std::string &method, const std::string &target, const std::string &body = "") {
    return method + " " + target + " HTTP/1.1\r\nHost: x\r\nContent-Type: application/yang-data+json\r\n" +
           "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
  };
  const std::string hw1 = "/restconf/data/helloworld:helloworld=hw1";
  std::string all = req("GET", "/restconf/data/polycube:services") + req("GET", hw1) +
                    req("POST", "/restconf/data", R"({"helloworld:helloworld":[{"name":"hw1"}]})") + req("GET", hw1) +
                    req("HEAD", hw1) + req("DELETE", hw1) + req("GET", hw1);
  pcnrest::Client conn(port, 5000);
  ASSERT_TRUE(conn.send_raw(all));  // one write: the server reads them all at once
  const int expected[] = {200, 404, 201, 200, 200, 204, 404};
  for (size_t i = 0; i < std::size(expected); i++) {
    pcnrest::Response a = conn.read_answer(/*to_head=*/i == 4);
    EXPECT_EQ(a.status, expected[i]) << i << ": " << a.body;
  }
  // And byte by byte.
  pcnrest::Client slow(port, 5000);
  std::string two = req("GET", "/restconf/data/polycube:services") + req("GET", hw1);
  for (char c : two) ASSERT_TRUE(slow.send_raw(std::string_view(&c, 1)));
  EXPECT_EQ(slow.read_answer().status, 200);
  EXPECT_EQ(slow.read_answer().status, 404);
  // A chunked body after "100 Continue" (what curl does for large bodies).
  pcnrest::Client chunked(port, 5000);
  chunked.send_raw("POST /restconf/data HTTP/1.1\r\nHost: x\r\nContent-Type: application/yang-data+json\r\n"
                   "Transfer-Encoding: chunked\r\nExpect: 100-continue\r\n\r\n");
  EXPECT_EQ(chunked.read_answer().status, 100);
  chunked.send_raw("19\r\n{\"helloworld:helloworld\":\r\n11\r\n[{\"name\":\"hw2\"}]}\r\n0\r\n\r\n");
  pcnrest::Response created = chunked.read_answer();
  EXPECT_EQ(created.status, 201) << created.body;
  EXPECT_EQ(created.location, "/restconf/data/helloworld:helloworld=hw2");
}

// Item 2 of the issue. The daemon gets 2,048 descriptors; 20 clients send
// a head a byte a second, and 4,000 more connect and send nothing (300 of
// them from the normal client's own address). Before, the idle ones took
// every descriptor: requests hung and a cube create failed with "Too many
// open files".
TEST_F(HttpTransport, SlowClientsAndAnIdleFloodDoNotStopANormalClient) {
  rlimit rl{};
  getrlimit(RLIMIT_NOFILE, &rl);
  if (rl.rlim_cur < 8000) {
    rl.rlim_cur = std::min<rlim_t>(rl.rlim_max, 8000);
    setrlimit(RLIMIT_NOFILE, &rl);
  }
  ASSERT_GE(rl.rlim_cur, 5000u) << "this test needs 5000 descriptors of its own";
  start({}, 2048);

  std::atomic<bool> done{false};
  // Each connection its own client, connected from the address given.
  auto open = [&](std::vector<pcnrest::Client> &into, const std::string &source) {
    into.emplace_back(port, 5000, source);
    into.back().connect();
  };
  std::vector<pcnrest::Client> slow;
  for (int i = 0; i < 20; i++) open(slow, "127.0.0.2");
  std::thread trickle([&] {
    const std::string head = "GET /restconf/data HTTP/1.1\r\nHost: x\r\nX-Slow: ";
    for (size_t i = 0; !done; i++) {
      for (auto &c : slow) c.send_raw(std::string_view(&head[i % head.size()], 1));
      for (int t = 0; t < 10 && !done; t++) std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  });
  std::vector<pcnrest::Client> idle;
  idle.reserve(4000);
  for (int i = 0; i < 300; i++) open(idle, "127.0.0.1");
  for (int s = 0; s < 37; s++)
    for (int i = 0; i < 100; i++) open(idle, "127.0.1." + std::to_string(s + 1));
  size_t connected = 0;
  for (const auto &c : idle) connected += c.connected();
  EXPECT_GE(connected, 3900u) << "the kernel refused connections: the test did not load the daemon";

  auto timed = [&](const std::string &method, const std::string &target, const std::string &body, int *ms) {
    auto t0 = Clock::now();
    pcnrest::Client c(port, 5000);
    int status = c.request(method, target, body).status;
    *ms = static_cast<int>(std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t0).count());
    return status;
  };
  int ms = 0;
  EXPECT_EQ(timed("GET", "/restconf/data/polycube:cubes", "", &ms), 200);
  EXPECT_LT(ms, 3000);
  EXPECT_EQ(timed("POST", "/restconf/data", R"({"simplebridge:simplebridge":[{"name":"busy1"}]})", &ms), 201);
  EXPECT_LT(ms, 3000);
  EXPECT_EQ(timed("GET", "/restconf/data/simplebridge:simplebridge=busy1", "", &ms), 200);
  EXPECT_LT(ms, 3000);
  // The daemon kept within its descriptors (the rest of them went to the
  // cube) and is still whole.
  size_t fds = 0;
  for ([[maybe_unused]] const auto &e : std::filesystem::directory_iterator("/proc/" + std::to_string(daemon->pid()) + "/fd"))
    fds++;
  EXPECT_LT(fds, 2048u - 64);
  // It made room by closing the longest-waiting connections: of the 4,000
  // idle ones it kept at most the 1,536 it budgets (2,048 less its reserve).
  size_t closed = 0;
  for (auto &c : idle) closed += c.closed_by_peer(0);
  EXPECT_GE(closed, 4000u - 1536u);
  done = true;
  trickle.join();
  EXPECT_EQ(timed("DELETE", "/restconf/data/simplebridge:simplebridge=busy1", "", &ms), 204);
}

TEST_F(HttpTransport, SlowHeadsTimeOutWith408AndIdleConnectionsClose) {
  start({"--http-header-timeout", "1", "--http-idle-timeout", "1"});
  // A head that trickles in: 408 once the second is up, then closed.
  pcnrest::Client slow(port, 200);
  ASSERT_TRUE(slow.connect());
  auto t0 = Clock::now();
  const std::string head = "GET /restconf/data HTTP/1.1\r\nHost: x\r\n";
  pcnrest::Response a;
  for (size_t i = 0; i < head.size() && a.status == 0; i++) {
    slow.send_raw(std::string_view(&head[i], 1));
    a = slow.read_answer();  // waits 200 ms
  }
  slow.set_timeout(3000);
  if (a.status == 0) a = slow.read_answer();
  EXPECT_EQ(a.status, 408) << a.body;
  EXPECT_EQ(rfc8040_problem(a, "operation-failed"), "");
  auto waited = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t0).count();
  EXPECT_GE(waited, 900);
  EXPECT_LT(waited, 3000);
  EXPECT_TRUE(slow.closed_by_peer(2000));
  // A connection that says nothing is closed, without an answer.
  pcnrest::Client mute(port, 100);
  ASSERT_TRUE(mute.connect());
  EXPECT_TRUE(mute.closed_by_peer(3000));
  EXPECT_EQ(mute.read_answer().status, 0);
  // A kept-alive connection serves requests, then is closed when idle.
  pcnrest::Client kept(port, 5000);
  kept.send_raw("GET /restconf/data/polycube:services HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_EQ(kept.read_answer().status, 200);
  EXPECT_FALSE(kept.closed_by_peer(300));
  kept.send_raw("GET /restconf/data/polycube:services HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_EQ(kept.read_answer().status, 200);
  EXPECT_TRUE(kept.closed_by_peer(3000));
}
