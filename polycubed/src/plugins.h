// Service plugins: every `*.so` in the plugin directory is a service
// (built by pcn_service_plugin() in cmake/PolycubeService.cmake). A plugin
// that does not load, comes from another build (its build id, see
// cmake/PolycubeService.cmake), lacks the entry point of this ABI, or fails to
// describe itself is skipped with an error in the log; the others load.
#pragma once

#include <string>
#include <vector>

#include "polycube/service_model.h"

namespace polycube::daemon {

struct LoadedPlugins {
  std::vector<ServiceModel> services;
  std::vector<std::string> errors;  // one line per plugin that did not load
};

// Plugins are never unloaded: cubes hold code and vtables from them.
LoadedPlugins load_plugins(const std::string &dir);

// <directory of this executable>/../lib/polycube
std::string default_plugin_dir();

}  // namespace polycube::daemon
