// Running another CNI plugin (the IPAM plugin) the way a runtime would:
// found in CNI_PATH, the same environment with another CNI_COMMAND, the
// configuration on stdin, its result or error JSON on stdout.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "conf.h"
#include "result.h"

namespace pcncni {

// Full path of plugin `type` in the ':'-separated `cni_path`, or nullopt.
std::optional<std::string> find_plugin(const std::string &type, const std::string &cni_path);

// The IPAM plugin named by the configuration's ipam.type.
class Ipam {
 public:
  Ipam(const NetConf &conf, const Env &env) : conf_(conf), env_(env) {}

  // Allocates for (CNI_CONTAINERID, CNI_IFNAME).
  Result add();
  // Releases the allocation of an attachment; idempotent.
  void del(const std::string &container_id, const std::string &ifname);
  void check(const nlohmann::json &prev_result);
  // Versions the plugin speaks (its VERSION answer), asked once.
  const std::vector<std::string> &versions();
  bool speaks(const std::string &version);
  // STATUS / GC delegated (only when the plugin speaks 1.1.0).
  void status();
  void gc(const std::vector<Attachment> &valid);
  std::string binary();  // throws CniError when not in CNI_PATH

 private:
  // Runs `command`; on "incompatible version" retries once with the highest
  // version both sides speak (the host-local of Debian 12 stops at 1.0.0).
  nlohmann::json call(const std::string &command, nlohmann::json conf,
                      const std::vector<std::pair<std::string, std::string>> &env);
  nlohmann::json run(const std::string &command, const nlohmann::json &conf,
                     const std::vector<std::pair<std::string, std::string>> &env);

  const NetConf &conf_;
  const Env &env_;
  std::optional<std::vector<std::string>> versions_;
};

}  // namespace pcncni
