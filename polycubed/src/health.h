// GET /healthz and GET /readyz, for probes and service managers; neither
// needs authentication nor reveals more than the state of the checks.
//
//   /healthz  200 while the daemon serves requests at all (its HTTP server
//             and request threads answer).
//   /readyz   200 when it can be relied on: the saved configuration was
//             restored (not set aside as rejected), bpffs holds its pin
//             root, the state directory is writable and it is not stopping;
//             503 naming the failed checks otherwise.
#pragma once

#include <atomic>
#include <mutex>
#include <string>

#include "reconciler.h"
#include "restconf_server.h"

namespace polycube::daemon {

struct Readiness {
  std::string state_dir;
  std::atomic<bool> stopping{false};
  // Set once at start: why the saved configuration was not applied ("" : it was).
  void set_restore_failure(std::string why) {
    std::lock_guard<std::mutex> lock(mu);
    restore_failure = std::move(why);
  }
  std::string restore_failed() const {
    std::lock_guard<std::mutex> lock(mu);
    return restore_failure;
  }

 private:
  mutable std::mutex mu;
  std::string restore_failure;
};

HttpReply healthz();
HttpReply readyz(Reconciler &rc, const Readiness &readiness);

}  // namespace polycube::daemon
