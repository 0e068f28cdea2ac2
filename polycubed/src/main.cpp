// polycubed: hosts the network services and serves their RESTCONF API.
// Services come as plugins from --plugin-dir; the configuration is
// persisted in --state-dir and restored at start.
//
// Signals: SIGHUP reloads the tokens file and the TLS certificate; SIGTERM
// and SIGINT stop the daemon: requests in progress are answered first, and
// the data plane stays in the kernel, forwarding, for the next start to
// adopt (a restart or an upgrade cuts no traffic). `polycubed --teardown`
// removes it.
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>

#include "audit_log.h"
#include "auth.h"
#include "daemon_options.h"
#include "daemon_settings.h"
#include "health.h"
#include "http_tls.h"
#include "http_unix.h"
#include "json_log.h"
#include "plugins.h"
#include "polycube/runtime.h"
#include "reconciler.h"
#include "restconf_server.h"
#include "sd_notify.h"

// LeakSanitizer's entry point, present only in sanitizer builds.
extern "C" void __lsan_do_leak_check() __attribute__((weak));

namespace {

namespace fs = std::filesystem;
using polycube::daemon::DaemonOptions;

// The state directory holds the configuration and the audit log: the
// daemon's alone (0700, files 0600), also when an older polycubed or an
// operator made it wider.
void secure_state_dir(const std::string &dir) {
  fs::create_directories(dir);
  chmod(dir.c_str(), 0700);
  std::error_code ec;
  for (const auto &entry : fs::directory_iterator(dir, ec))
    if (entry.is_regular_file(ec)) chmod(entry.path().c_str(), 0600);
}

std::shared_ptr<polycube::http::TlsContext> tls_context(const DaemonOptions &o) {
  return std::make_shared<polycube::http::TlsContext>(
      polycube::http::TlsFiles{o.tls_cert, o.tls_key, o.tls_client_ca});
}

// polycubed --teardown: what a stopped daemon left forwarding goes; its
// saved configuration stays, so the next start brings the same topology
// back (delete the cubes through the API first to start empty).
int teardown(const std::string &pin_root, const std::string &state_dir) {
  // The runtime it builds for this logs as if it were about to take the
  // old data plane over; only errors mean something here.
  if (spdlog::get_level() < spdlog::level::err && spdlog::get_level() > spdlog::level::debug)
    spdlog::set_level(spdlog::level::err);
  try {
    size_t netdevs = polycube::teardown_data_plane(pin_root);
    std::printf("polycubed: data plane under %s removed (hooks on %zu netdevs); configuration in %s kept\n",
                pin_root.c_str(), netdevs, state_dir.c_str());
    return 0;
  } catch (const std::exception &e) {
    std::fprintf(stderr, "polycubed --teardown: %s\n", e.what());
    return 1;
  }
}

}  // namespace

int main(int argc, char **argv) {
  using namespace polycube::daemon;
  DaemonOptions o;
  try {
    o = parse_daemon_options({argv + 1, argv + argc});
  } catch (const UsageError &e) {
    std::fprintf(stderr, "polycubed: %s\n%s", e.what(), daemon_usage());
    return 2;
  }
  if (o.help) {
    std::fputs(daemon_usage(), stdout);
    return 0;
  }
  auto lvl = spdlog::level::from_str(o.log_level);
  if (lvl == spdlog::level::off && o.log_level != "off") {
    std::fprintf(stderr, "polycubed: unknown log level '%s'\n", o.log_level.c_str());
    return 2;
  }
  // Logs go to stderr; stdout carries only the "listening on" lines that
  // scripts and tests read. A closed pipe or socket must not kill us.
  spdlog::set_default_logger(spdlog::stderr_color_mt("polycubed"));
  spdlog::set_level(lvl);
  if (o.log_format == "json") spdlog::set_formatter(make_json_formatter());
  set_log_format_name(o.log_format);
  std::signal(SIGPIPE, SIG_IGN);
  if (std::string why = listen_policy_violation(o); !why.empty()) {
    std::fprintf(stderr, "polycubed: %s\n", why.c_str());
    return 2;
  }
  if (o.insecure && !is_loopback_address(o.addr))
    spdlog::warn("--insecure: serving {} without {}", o.addr,
                 o.tls_cert.empty() ? "TLS: requests and tokens cross the network in clear" : "authentication");
  const std::string pin_root = o.pin_root.empty() ? polycube::default_pin_root() : o.pin_root;
  if (o.teardown) return teardown(pin_root, o.state_dir);
  // Connections, BPF objects and netlink sockets are all descriptors: take
  // the whole hard limit (the HTTP server budgets connections from it).
  if (rlimit rl{}; getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
    rl.rlim_cur = rl.rlim_max;
    setrlimit(RLIMIT_NOFILE, &rl);
  }
  // Everything the daemon creates (state files, audit log, pins, the
  // unix socket before its chmod) is its owner's alone.
  umask(077);

  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);  // threads started below inherit it
  try {
    secure_state_dir(o.state_dir);
    // Credentials and certificates first: a bad file stops the start
    // before anything touches the kernel.
    Authenticator auth(o.tokens_file, !o.tls_client_ca.empty());
    std::shared_ptr<polycube::http::TlsContext> tls;
    if (!o.tls_cert.empty()) tls = tls_context(o);
    AuditLog audit(o.audit_log == "off" ? "" : o.audit_log.empty() ? o.state_dir + "/audit.log" : o.audit_log,
                   o.audit_max_bytes, o.audit_keep);
    Readiness readiness;
    readiness.state_dir = o.state_dir;
    // The listening sockets before the kernel is touched too: a port or
    // socket path in use ends the start here. Connections wait in the
    // backlog until the server starts.
    std::vector<std::unique_ptr<polycube::http::Listener>> listeners;
    auto tcp = std::make_unique<polycube::http::TcpListener>(o.addr, o.port);
    const uint16_t port = tcp->port();
    polycube::http::TlsListener *tls_listener = nullptr;
    if (tls) {
      auto wrapped = std::make_unique<polycube::http::TlsListener>(std::move(tcp), tls);
      tls_listener = wrapped.get();
      listeners.push_back(std::move(wrapped));
    } else {
      listeners.push_back(std::move(tcp));
    }
    if (!o.unix_path.empty())
      listeners.push_back(std::make_unique<polycube::http::UnixListener>(o.unix_path, o.unix_group));

    polycube::RuntimeOptions opts;
    opts.pin_root = pin_root;
    opts.keep_stale_until_released = true;
    polycube::Runtime rt(opts);
    auto plugins = load_plugins(o.plugin_dir.empty() ? default_plugin_dir() : o.plugin_dir);
    for (const auto &e : plugins.errors) spdlog::error("plugin not loaded: {}", e);
    if (plugins.services.empty()) spdlog::warn("no service plugins in {}", o.plugin_dir);
    // <state-dir>/config.snapshot + config.journal (see journal.h); a
    // config.json of an older polycubed is imported.
    const std::string saved = o.state_dir + "/config";
    Reconciler rc(rt, std::move(plugins.services), saved, o.versions_kept);
    // Rebuild the saved configuration, then let the previous run's data
    // path go: until here it kept forwarding.
    try {
      rc.restore();
    } catch (const std::exception &e) {
      // Keep the daemon up and the rejected files for a human to look at.
      spdlog::error("saved configuration not applied ({}); kept as {}.snapshot.rejected / .journal.rejected",
                    e.what(), saved);
      readiness.set_restore_failure(e.what());
    }
    rt.release_stale();
    // A netdev that went away: the runtime has let go of it; the
    // configuration stops naming it too, in one write (a version saying
    // why). A port with reattach keeps the name (it waits for it).
    rt.on_netdev_loss([&rc](const std::vector<polycube::NetdevLoss> &lost) {
      std::vector<std::string> leaves;
      std::string names;
      for (const auto &l : lost) {
        if (l.waiting) continue;
        std::string cube = "/" + l.service + ":" + l.service + "[name='" + l.cube + "']";
        if (l.port.empty()) {
          leaves.push_back(cube + "/attached-to");
          leaves.push_back(cube + "/position");
        } else {
          leaves.push_back(cube + "/ports[name='" + l.port + "']/peer");
        }
        if (names.find(l.netdev) == std::string::npos) names += (names.empty() ? "" : ", ") + l.netdev;
      }
      std::erase_if(leaves, [&](const std::string &x) { return !rc.exists_at(x); });
      if (leaves.empty()) return;
      polycube::daemon::WriteContext ctx;
      ctx.message = "netdev " + names + " went away";
      rc.remove(leaves, ctx);
    });
    // Let go before `rc` goes (an exception unwinding past here).
    struct LossHandlerReset {
      polycube::Runtime &rt;
      ~LossHandlerReset() { rt.on_netdev_loss(nullptr); }
    } loss_handler_reset{rt};
    // From here on, new peers and attachment points must be allowed ones
    // (what the saved configuration uses was accepted before).
    rt.set_netdev_allowlist(o.netdev_allow);

    ServerHooks hooks;
    hooks.auth = &auth;
    hooks.audit = &audit;
    hooks.readiness = &readiness;
    // Several request workers (--http-workers, default 4): writers waiting
    // for their journal flush leave the others working and share that flush.
    RestconfServer server(rc, std::move(listeners), o.http, hooks);
    server.start();
    spdlog::info("polycubed listening on {}:{}{}{}", o.addr, port, tls ? " (TLS)" : "",
                 auth.required() ? ", authentication required" : ", no authentication (loopback only)");
    std::printf("polycubed listening on %s:%u%s\n", o.addr.c_str(), port, tls ? " (TLS)" : "");
    if (!o.unix_path.empty()) std::printf("polycubed listening on unix:%s\n", o.unix_path.c_str());
    std::fflush(stdout);
    sd_notify("READY=1\nSTATUS=listening on " + o.addr + ":" + std::to_string(port) +
              "\nMAINPID=" + std::to_string(getpid()));
    for (;;) {
      int sig = 0;
      sigwait(&set, &sig);
      if (sig != SIGHUP) break;
      sd_notify("RELOADING=1");
      try {
        auth.reload();
        spdlog::info("SIGHUP: {} credentials from {}", auth.credentials(),
                     o.tokens_file.empty() ? std::string("(no tokens file)") : o.tokens_file);
      } catch (const std::exception &e) {
        spdlog::error("SIGHUP: tokens file refused, the previous credentials stay: {}", e.what());
      }
      if (tls_listener) {
        try {
          tls_listener->set_context(tls_context(o));
          spdlog::info("SIGHUP: TLS certificate {} loaded", o.tls_cert);
        } catch (const std::exception &e) {
          spdlog::error("SIGHUP: TLS files refused, the previous ones stay: {}", e.what());
        }
      }
      sd_notify("READY=1");
    }
    spdlog::info("stopping; the data plane keeps forwarding (polycubed --teardown removes it)");
    sd_notify("STOPPING=1");
    readiness.stopping = true;
    server.stop();
    // Every answered write is already durable; a compaction in progress
    // finishes so the next start reads the short snapshot.
    if (auto *journal = rc.journal()) journal->wait_compaction();
    // No destructors from here: the services' and the runtime's would
    // remove the data plane. The next start adopts it, as after kill -9.
    // In a sanitizer build the leak check still runs (it would at exit()):
    // what is live is reachable from here, so it reports real leaks only.
    if (__lsan_do_leak_check) __lsan_do_leak_check();
    rt.exit_leaving_data_plane(0);
  } catch (const std::exception &e) {
    std::fprintf(stderr, "polycubed: %s\n", e.what());
    return 1;
  }
  return 0;
}
