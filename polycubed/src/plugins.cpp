#include "plugins.h"

#include <dlfcn.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <filesystem>
#include <set>

#include "pcn_build_id.h"

namespace polycube::daemon {

namespace fs = std::filesystem;

std::string default_plugin_dir() {
  std::error_code ec;
  fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (ec) return "/usr/local/lib/polycube";
  return (exe.parent_path().parent_path() / "lib" / "polycube").string();
}

LoadedPlugins load_plugins(const std::string &dir) {
  LoadedPlugins out;
  std::vector<fs::path> files;
  std::error_code ec;
  for (const auto &e : fs::directory_iterator(dir, ec))
    if (e.path().extension() == ".so") files.push_back(e.path());
  if (ec) {
    out.errors.push_back("plugin directory " + dir + ": " + ec.message());
    return out;
  }
  std::sort(files.begin(), files.end());
  std::set<std::string> names;
  for (const auto &f : files) {
    void *h = dlopen(f.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (!h) {
      out.errors.push_back(f.filename().string() + ": " + dlerror());
      continue;
    }
    // The ABI is C++: only a plugin of this very build is safe to call.
    using BuildId = const char *(*)();
    auto build_id = reinterpret_cast<BuildId>(dlsym(h, PCN_BUILD_ID_SYMBOL));
    std::string id = build_id ? build_id() : "none";
    if (id != PCN_BUILD_ID) {
      out.errors.push_back(f.filename().string() + ": built by another build or tree (build id " + id +
                           ", this polycubed " PCN_BUILD_ID "); plugins load only into the polycubed of their "
                           "own build: rebuild it with this tree");
      dlclose(h);
      continue;
    }
    using Entry = const char *(*)(ServiceModel *);
    auto entry = reinterpret_cast<Entry>(dlsym(h, PCN_SERVICE_PLUGIN_SYMBOL));
    if (!entry) {
      out.errors.push_back(f.filename().string() + ": no " PCN_SERVICE_PLUGIN_SYMBOL " (not a plugin of this version)");
      dlclose(h);
      continue;
    }
    ServiceModel m;
    if (const char *err = entry(&m)) {
      out.errors.push_back(f.filename().string() + ": " + err);
      continue;  // keep it mapped: it may have registered static state
    }
    if (m.name.empty() || m.yang.empty() || !m.reconcile) {
      out.errors.push_back(f.filename().string() + ": incomplete service description");
      continue;
    }
    if (!names.insert(m.name).second) {
      out.errors.push_back(f.filename().string() + ": service " + m.name + " is already loaded");
      continue;
    }
    spdlog::info("service {} loaded from {}", m.name, f.string());
    out.services.push_back(std::move(m));
  }
  return out;
}

}  // namespace polycube::daemon
