// The HTTP server in-process (polycubed/src/http_server.h): what only a
// process out of descriptors shows. When accept() fails with EMFILE the
// pending connection stays in the listen queue and a level-triggered
// listener stays readable: a naive loop would spin a CPU at 100 %. The
// server sheds it with its spare descriptor and pauses accepting.
#include <gtest/gtest.h>
#include <sys/resource.h>
#include <unistd.h>

#include <chrono>
#include <thread>
#include <vector>

#include "../../scripts/bench/rest_client.h"
#include "http_server.h"

using namespace polycube::http;

namespace {

double cpu_seconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

}  // namespace

TEST(HttpServer, OutOfDescriptorsItShedsAndPausesInsteadOfSpinning) {
  rlimit saved{};
  ASSERT_EQ(getrlimit(RLIMIT_NOFILE, &saved), 0);
  rlimit low = saved;
  low.rlim_cur = 512;
  ASSERT_EQ(setrlimit(RLIMIT_NOFILE, &low), 0);

  HttpServer server(
      HttpServerOptions{}, [](HttpRequest &, const PeerIdentity &) { return HttpResponse{200, {}, "ok"}; },
      [](int status, const std::string &message) { return HttpResponse{status, {}, message}; });
  auto listener = std::make_unique<TcpListener>("127.0.0.1", 0);
  const uint16_t port = listener->port();
  server.add_listener(std::move(listener));
  server.start();
  {
    pcnrest::Client c(port, 2000);
    ASSERT_EQ(c.request("GET", "/").status, 200);
  }

  // Before each connection every descriptor is taken but one, which the
  // client's socket takes: the server's accept() fails with EMFILE.
  std::vector<int> filler;
  auto leave_one_free = [&] {
    for (int fd; (fd = dup(STDERR_FILENO)) >= 0;) filler.push_back(fd);
    close(filler.back());
    filler.pop_back();
  };
  // Connections keep coming for a second; each is shed, none is served,
  // and the process does not burn the CPU meanwhile.
  double cpu0 = cpu_seconds();
  auto t0 = std::chrono::steady_clock::now();
  int shed = 0, attempts = 0;
  while (std::chrono::steady_clock::now() - t0 < std::chrono::seconds(1)) {
    leave_one_free();
    pcnrest::Client c(port, 500);
    ASSERT_TRUE(c.connect());
    attempts++;
    shed += c.closed_by_peer(500);
  }
  double cpu = cpu_seconds() - cpu0;
  EXPECT_GT(attempts, 0);
  EXPECT_EQ(shed, attempts) << "a connection accepted without a descriptor to serve it";
  EXPECT_LT(cpu, 0.5) << "the accept loop spun";

  // Descriptors back: served again.
  for (int fd : filler) close(fd);
  ASSERT_EQ(setrlimit(RLIMIT_NOFILE, &saved), 0);
  std::this_thread::sleep_for(std::chrono::milliseconds(150));  // past the pause
  pcnrest::Client c(port, 2000);
  EXPECT_EQ(c.request("GET", "/").status, 200);
  server.stop();
}
