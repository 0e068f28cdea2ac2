#include "health.h"

#include <sys/stat.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

namespace polycube::daemon {

HttpReply healthz() { return {200, R"({"status":"ok"})", "application/json"}; }

HttpReply readyz(Reconciler &rc, const Readiness &readiness) {
  nlohmann::json checks = nlohmann::json::object();
  bool ready = true;
  auto check = [&](const char *name, const std::string &failure) {
    checks[name] = failure.empty() ? "ok" : failure;
    ready &= failure.empty();
  };
  std::string restore = readiness.restore_failed();
  check("configuration", restore.empty() ? "" : "the saved configuration was not applied: " + restore);
  struct stat st {};
  check("bpffs", stat(rc.runtime().globals_dir().c_str(), &st) == 0 ? "" : rc.runtime().globals_dir() + " is missing");
  check("state-directory", readiness.state_dir.empty() || access(readiness.state_dir.c_str(), W_OK) == 0
                               ? ""
                               : readiness.state_dir + " is not writable");
  check("running", readiness.stopping ? "stopping" : "");
  nlohmann::json body = {{"status", ready ? "ready" : "not-ready"}, {"checks", checks}};
  return {ready ? 200 : 503, body.dump(), "application/json"};
}

}  // namespace polycube::daemon
