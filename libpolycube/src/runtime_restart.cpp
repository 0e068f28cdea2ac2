// Taking over from a previous run of the same pin root: its pinned objects
// are set aside as a stale generation that keeps forwarding until this run
// has rebuilt its topology, then hook by hook replaced and unpinned.
#include "polycube/runtime.h"

#include <bpf/bpf.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>

#include "names.h"
#include "polycube/netdev.h"

namespace polycube {

namespace fs = std::filesystem;

void Runtime::set_aside_previous_runs() {
  const std::string &root = opts_.pin_root;
  std::error_code ec;
  for (const char *dir : {"/qdiscs", "/netdevs"})
    for (const auto &entry : fs::directory_iterator(root + dir, ec)) {
      auto ifindex = static_cast<uint32_t>(std::strtoul(entry.path().filename().c_str(), nullptr, 10));
      if (ifindex) (dir[1] == 'q' ? inherited_qdiscs_ : inherited_netdevs_).insert(ifindex);
    }
  // The previous run's objects move (rename: they stay pinned) into a new
  // generation under stale/. A run that dies during start-up leaves its
  // own partial objects there too, next to the older ones its hooks may
  // still use; every generation stays until one run has replaced them all.
  std::vector<fs::path> current;
  for (const auto &entry : fs::directory_iterator(root, ec)) {
    std::string name = entry.path().filename();
    if (name != "stale" && name != "qdiscs" && name != "netdevs") current.push_back(entry.path());
  }
  if (!current.empty()) {
    unsigned long gen = 0;
    for (const auto &entry : fs::directory_iterator(root + "/stale", ec))
      gen = std::max(gen, std::strtoul(entry.path().filename().c_str(), nullptr, 10) + 1);
    std::string dir = root + "/stale/" + std::to_string(gen);
    fs::create_directories(dir);
    for (const auto &p : current) fs::rename(p, dir + "/" + p.filename().string());
  }
  for (const auto &entry : fs::directory_iterator(root + "/stale", ec)) stale_generations_.push_back(entry.path());
  if (!stale_generations_.empty())
    spdlog::warn("previous runs' state under {}: {} generation(s) kept forwarding until this run takes over",
                 root, stale_generations_.size());
}

void Runtime::drop_previous_hooks(uint32_t ifindex) {
  // Only what can be ours: our filter handle/priority, an XDP program named
  // pcn_..., a qdisc we recorded creating.
  tc_detach(ifindex, false);
  tc_detach(ifindex, true);
  xdp_detach_ours(ifindex);
  std::error_code ec;
  if (inherited_qdiscs_.count(ifindex)) {
    tc_destroy_qdisc(ifindex);
    fs::remove(qdisc_marker(ifindex), ec);
  }
  fs::remove(netdev_marker(ifindex), ec);
}

void Runtime::release_stale() {
  std::lock_guard<std::recursive_mutex> lock(mu_);
  for (auto &[ifindex, use] : netdevs_) {
    if (use.tc_in || use.xdp)
      continue;
    try {
      attach_hooks(ifindex, use);  // replaces the previous run's hook in place
    } catch (const std::exception &e) {
      spdlog::error("netdev {}: cannot take it over: {}", netdev_name(ifindex), e.what());
    }
  }
  // Netdevs the previous runs hooked that this configuration does not use
  // (say, a cube created just before a crash and never committed).
  std::set<uint32_t> unused = inherited_netdevs_;
  unused.insert(inherited_qdiscs_.begin(), inherited_qdiscs_.end());
  for (uint32_t ifindex : unused)
    if (!netdevs_.count(ifindex)) drop_previous_hooks(ifindex);
  inherited_netdevs_.clear();
  for (auto it = inherited_qdiscs_.begin(); it != inherited_qdiscs_.end();)
    it = netdevs_.count(*it) ? std::next(it) : inherited_qdiscs_.erase(it);
  // Now nothing runs the old objects: unpin exactly the generations found
  // at start.
  std::error_code ec;
  for (const auto &dir : stale_generations_) fs::remove_all(dir, ec);
  if (!stale_generations_.empty()) fs::remove(opts_.pin_root + "/stale", ec);  // only if empty
  stale_generations_.clear();
}

void Runtime::remove_own_generation() {
  std::error_code ec;
  for (const auto &entry : fs::directory_iterator(opts_.pin_root, ec)) {
    std::string name = entry.path().filename();
    if (name != "stale" && name != "qdiscs" && name != "netdevs") fs::remove_all(entry.path(), ec);
  }
}

int Runtime::previous_map(const std::string &cube, const std::string &map) const {
  std::lock_guard<std::recursive_mutex> lock(mu_);
  // The newest generation that has it: a run that died during start-up
  // had adopted the same map object (kept maps are reused, not recreated).
  std::vector<std::pair<unsigned long, std::string>> gens;
  for (const auto &dir : stale_generations_)
    gens.emplace_back(std::strtoul(fs::path(dir).filename().c_str(), nullptr, 10), dir);
  std::sort(gens.rbegin(), gens.rend());
  for (const auto &[n, dir] : gens) {
    std::string path = dir + "/cubes/" + bpffs_name(cube) + "/maps/" + map;
    if (!fs::exists(path)) continue;
    int fd = bpf_obj_get(path.c_str());
    if (fd >= 0) return fd;
  }
  return -1;
}

}  // namespace polycube
