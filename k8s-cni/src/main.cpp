// polycube-cni: the CNI plugin (spec 1.1: ADD, DEL, CHECK, STATUS, GC,
// VERSION; cniVersion 0.3.0 to 1.1.0) that plugs pods into the node's pod
// network kept by polycubed. See docs/cni.md.
#include <cstdio>
#include <iostream>
#include <iterator>
#include <sstream>

#include "cni_error.h"
#include "commands.h"
#include "conf.h"
#include "trace.h"
#include "versions.h"

using namespace pcncni;

namespace {

int report(const CniError &e, const std::string &version) {
  nlohmann::json err{{"cniVersion", version}, {"code", e.code()}, {"msg", e.what()}};
  if (!e.details().empty()) err["details"] = e.details();
  std::cout << err.dump() << std::endl;
  return 1;
}

}  // namespace

std::string pcncni::cmd_version() {
  return nlohmann::json{{"cniVersion", supported_versions().back()}, {"supportedVersions", supported_versions()}}.dump();
}

int main() {
  trace("start");
  std::string version = kDefaultVersion;
  try {
    Env env = read_env();
    if (env.command == "VERSION") {
      std::cout << cmd_version() << std::endl;
      return 0;
    }
    if (env.command != "ADD" && env.command != "DEL" && env.command != "CHECK" && env.command != "STATUS" &&
        env.command != "GC")
      throw CniError(kInvalidEnvironment, "CNI_COMMAND: unknown command '" + env.command + "'");
    std::string input((std::istreambuf_iterator<char>(std::cin)), std::istreambuf_iterator<char>());
    if (std::cin.bad()) throw CniError(kIoFailure, "cannot read the network configuration from stdin");
    // The configuration's version first, so that even an environment error
    // is answered in it.
    auto peek = nlohmann::json::parse(input, nullptr, false);
    if (peek.is_object() && peek.contains("cniVersion") && peek["cniVersion"].is_string() &&
        is_supported(peek["cniVersion"].get<std::string>()))
      version = peek["cniVersion"].get<std::string>();
    require_env(env);
    NetConf conf = parse_conf(input, env.command);
    std::string out;
    if (env.command == "ADD") out = cmd_add(env, conf);
    else if (env.command == "DEL") out = cmd_del(env, conf);
    else if (env.command == "CHECK") out = cmd_check(env, conf);
    else if (env.command == "STATUS") out = cmd_status(env, conf);
    else out = cmd_gc(env, conf);
    if (!out.empty()) std::cout << out << std::endl;
    return 0;
  } catch (const CniError &e) {
    return report(e, version);
  } catch (const std::exception &e) {
    return report(CniError(999, std::string("internal error: ") + e.what()), version);
  }
}
