// polycubed: hosts the network services and serves their RESTCONF API.
// Services come as plugins from --plugin-dir; the configuration is
// persisted in --state-dir and restored at start.
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <sys/resource.h>

#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>

#include "framework_api.h"
#include "json_log.h"
#include "plugins.h"
#include "polycube/runtime.h"
#include "reconciler.h"
#include "restconf_server.h"

namespace {

void usage() {
  std::puts(
      "usage: polycubed [--addr A] [--port P] [--state-dir D] [--log-level L] [--log-format F] [--plugin-dir D]\n"
      "                 [--http-workers N] [--http-max-connections N] [--http-max-connections-per-source N]\n"
      "                 [--http-header-timeout S] [--http-body-timeout S] [--http-idle-timeout S]\n"
      "                 [--versions-kept N]\n"
      "  --addr       listen address (default 127.0.0.1)\n"
      "  --port       listen port (default 9000; 0 picks a free one)\n"
      "  --state-dir  where the configuration is saved and restored from (default /var/lib/polycube)\n"
      "  --log-level  trace|debug|info|warn|err|critical|off (default info; PATCH polycube:daemon changes it)\n"
      "  --log-format text|json (default text; json: one object per line)\n"
      "  --plugin-dir where service plugins are loaded from (default: ../lib/polycube next to this program)\n"
      "  --http-workers                    threads that run requests (default 4)\n"
      "  --http-max-connections            open connections at most (default 10000, and always 1024 file\n"
      "                                    descriptors below the limit); the longest idle one makes room\n"
      "  --http-max-connections-per-source the same per client address (default 256)\n"
      "  --http-header-timeout             seconds for a request head to arrive (default 10)\n"
      "  --http-body-timeout               seconds for a request body to arrive (default 60)\n"
      "  --http-idle-timeout               seconds an idle keep-alive connection stays open (default 60)\n"
      "  --versions-kept N  configuration versions kept for rollback (default 100, at least 2)");
}

}  // namespace

int main(int argc, char **argv) {
  std::string addr = "127.0.0.1";
  int port = 9000;
  std::string level = "info";
  std::string log_format = "text";
  std::string plugin_dir = polycube::daemon::default_plugin_dir();
  std::string state_dir = "/var/lib/polycube";
  polycube::http::HttpServerOptions http;
  long versions_kept = 100;
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
    else if (a == "--log-format") log_format = value();
    else if (a == "--plugin-dir") plugin_dir = value();
    else if (a == "--state-dir") state_dir = value();
    else if (a == "--versions-kept") versions_kept = std::atol(value().c_str());
    else if (a.rfind("--http-", 0) == 0) {
      std::string v = value();
      char *end = nullptr;
      double n = std::strtod(v.c_str(), &end);
      if (v.empty() || *end != '\0' || !(n > 0) || n > 1e9) {
        std::fprintf(stderr, "polycubed: %s needs a positive number, not '%s'\n", a.c_str(), v.c_str());
        return 2;
      }
      auto seconds = std::chrono::milliseconds(static_cast<long long>(n * 1000));
      if (a == "--http-workers") http.workers = static_cast<unsigned>(n);
      else if (a == "--http-max-connections") http.max_connections = static_cast<size_t>(n);
      else if (a == "--http-max-connections-per-source") http.max_connections_per_source = static_cast<size_t>(n);
      else if (a == "--http-header-timeout") http.header_timeout = seconds;
      else if (a == "--http-body-timeout") http.body_timeout = seconds;
      else if (a == "--http-idle-timeout") http.idle_timeout = seconds;
      else {
        std::fprintf(stderr, "polycubed: unknown option '%s'\n", a.c_str());
        usage();
        return 2;
      }
    }
    else if (a == "-h" || a == "--help") {
      usage();
      return 0;
    } else {
      std::fprintf(stderr, "polycubed: unknown option '%s'\n", a.c_str());
      usage();
      return 2;
    }
  }
  if (versions_kept < 2 || versions_kept > 1000000) {
    std::fprintf(stderr, "polycubed: --versions-kept must be 2..1000000\n");
    return 2;
  }
  if (port < 0 || port > 65535) {
    std::fprintf(stderr, "polycubed: port %d out of range\n", port);
    return 2;
  }
  if (log_format != "text" && log_format != "json") {
    std::fprintf(stderr, "polycubed: --log-format must be text or json, not '%s'\n", log_format.c_str());
    return 2;
  }
  auto lvl = spdlog::level::from_str(level);
  if (lvl == spdlog::level::off && level != "off") {
    std::fprintf(stderr, "polycubed: unknown log level '%s'\n", level.c_str());
    return 2;
  }
  // Logs go to stderr; stdout carries only the "listening on" line that
  // scripts and tests read. A closed pipe or socket must not kill us.
  spdlog::set_default_logger(spdlog::stderr_color_mt("polycubed"));
  spdlog::set_level(lvl);
  if (log_format == "json") spdlog::set_formatter(polycube::daemon::make_json_formatter());
  polycube::daemon::set_log_format_name(log_format);
  std::signal(SIGPIPE, SIG_IGN);
  // Connections, BPF objects and netlink sockets are all descriptors: take
  // the whole hard limit (the HTTP server budgets connections from it).
  if (rlimit rl{}; getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
    rl.rlim_cur = rl.rlim_max;
    setrlimit(RLIMIT_NOFILE, &rl);
  }

  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);  // threads started below inherit it
  try {
    std::filesystem::create_directories(state_dir);
    polycube::RuntimeOptions opts;
    opts.keep_stale_until_released = true;
    polycube::Runtime rt(opts);
    auto plugins = polycube::daemon::load_plugins(plugin_dir);
    for (const auto &e : plugins.errors) spdlog::error("plugin not loaded: {}", e);
    if (plugins.services.empty()) spdlog::warn("no service plugins in {}", plugin_dir);
    // <state-dir>/config.snapshot + config.journal (see journal.h); a
    // config.json of an older polycubed is imported.
    const std::string saved = state_dir + "/config";
    polycube::daemon::Reconciler rc(rt, std::move(plugins.services), saved, static_cast<size_t>(versions_kept));
    // Rebuild the saved configuration, then let the previous run's data
    // path go: until here it kept forwarding.
    try {
      rc.restore();
    } catch (const std::exception &e) {
      // Keep the daemon up and the rejected files for a human to look at.
      spdlog::error("saved configuration not applied ({}); kept as {}.snapshot.rejected / .journal.rejected", e.what(),
                    saved);
    }
    rt.release_stale();
    // Several request workers (--http-workers, default 4): writers waiting
    // for their journal flush leave the others working and share that flush.
    polycube::daemon::RestconfServer server(rc, addr, static_cast<uint16_t>(port), http);
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
