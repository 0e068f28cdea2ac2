// polycubed: hosts the network services and serves their RESTCONF API.
// This version links its services in (helloworld, simplebridge,
// transparenthelloworld) and keeps the configuration in memory; plugins,
// persistence, the polycube framework module, metrics and OpenAPI come with
// the rest of the daemon issue.
#include <spdlog/spdlog.h>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "helloworld_model.h"
#include "polycube/runtime.h"
#include "reconciler.h"
#include "restconf_server.h"
#include "simplebridge_model.h"
#include "transparenthelloworld_model.h"

namespace {

void usage() {
  std::puts(
      "usage: polycubed [--addr A] [--port P] [--log-level trace|debug|info|warn|error]\n"
      "  --addr       listen address (default 127.0.0.1)\n"
      "  --port       listen port (default 9000; 0 picks a free one)\n"
      "  --log-level  default info");
}

}  // namespace

int main(int argc, char **argv) {
  std::string addr = "127.0.0.1";
  int port = 9000;
  std::string level = "info";
  for (int i = 1; i < argc; i++) {
    std::string a = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "polycubed: %s needs a value\n", a.c_str());
        std::exit(2);
      }
      return argv[++i];
    };
    if (a == "--addr") addr = value();
    else if (a == "--port") port = std::atoi(value().c_str());
    else if (a == "--log-level") level = value();
    else if (a == "-h" || a == "--help") {
      usage();
      return 0;
    } else {
      std::fprintf(stderr, "polycubed: unknown option '%s'\n", a.c_str());
      usage();
      return 2;
    }
  }
  if (port < 0 || port > 65535) {
    std::fprintf(stderr, "polycubed: port %d out of range\n", port);
    return 2;
  }
  auto lvl = spdlog::level::from_str(level);
  if (lvl == spdlog::level::off && level != "off") {
    std::fprintf(stderr, "polycubed: unknown log level '%s'\n", level.c_str());
    return 2;
  }
  spdlog::set_level(lvl);

  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);  // threads started below inherit it
  try {
    polycube::Runtime rt;
    using namespace polycube::services;
    polycube::daemon::Reconciler rc(rt, {helloworld_model(), simplebridge_model(), transparenthelloworld_model()});
    polycube::daemon::RestconfServer server(rc, addr, static_cast<uint16_t>(port));
    server.start();
    spdlog::info("polycubed listening on {}:{}", addr, server.port());
    std::printf("polycubed listening on %s:%u\n", addr.c_str(), server.port());
    std::fflush(stdout);
    int sig = 0;
    sigwait(&set, &sig);
    spdlog::info("signal {}: shutting down", sig);
    server.stop();
  } catch (const std::exception &e) {
    std::fprintf(stderr, "polycubed: %s\n", e.what());
    return 1;
  }
  return 0;
}
