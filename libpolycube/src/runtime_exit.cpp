// The two ends of a runtime's life that are not its destructor: leaving the
// data plane to the kernel when the process stops (a graceful stop or an
// upgrade must not cut traffic), and removing a stopped runtime's data plane
// on request (polycubed --teardown).
#include <spdlog/spdlog.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <set>

#include "leftovers.h"
#include "netlink.h"
#include "polycube/runtime.h"

namespace polycube {

namespace fs = std::filesystem;

void Runtime::exit_leaving_data_plane(int status) {
  // The slow path first: it is the one thread that may use the packet-out
  // veth or call into cubes while we take things away.
  stop_ = true;
  if (slowpath_thread_.joinable()) slowpath_thread_.join();
  if (link_thread_.joinable()) link_thread_.join();
  mu_.lock();  // held until the process ends: no request changes the kernel now
  if (!inject_if_.empty()) {
    try {
      netlink::delete_link(inject_if_);  // its peer goes with it
    } catch (const std::exception &e) {
      spdlog::warn("stop: {} (the next start removes it)", e.what());
    }
  }
  // Removed while held, so the next runtime takes a fresh lock file.
  lock_.reset();
  spdlog::default_logger()->flush();
  std::fflush(nullptr);
  // No destructor: the cubes' and the runtime's would unpin and unhook.
  std::_Exit(status);
}

size_t teardown_data_plane(const std::string &pin_root) {
  std::set<std::string> hooked;
  std::error_code ec;
  for (const char *dir : {"/netdevs", "/qdiscs"})
    for (const auto &entry : fs::directory_iterator(pin_root + dir, ec)) hooked.insert(entry.path().filename());
  // A runtime that configures nothing does exactly this: it sets the
  // previous runs' objects aside, takes their hooks (and the qdiscs they
  // created) off every netdev they used, unpins them, and its destructor
  // removes the root.
  RuntimeOptions opts;
  opts.pin_root = pin_root;
  opts.slowpath = false;
  { Runtime rt(opts); }
  return hooked.size();
}

}  // namespace polycube
