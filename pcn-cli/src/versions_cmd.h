// pcn's runtime-control words for configuration versions and declarative
// configuration (DESIGN.md "Runtime control"):
//
//   pcn versions                      pcn diff V1 [V2]
//   pcn rollback V                    pcn confirm        pcn cancel-commit
//   pcn export [-json] > topo.yaml    pcn apply -f topo.yaml [--dry-run]
//
// and the global options every write takes: --message TEXT (recorded with
// the version, sent as X-Pcn-Message) and --confirm SECONDS (a confirmed
// commit, ?confirm-timeout=).
#pragma once

#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "options.h"
#include "schema.h"

namespace pcn {

// What these commands need of main: the request (JSON answer, or an
// exception with the daemon's error message), the output in the chosen
// format, a table, and the daemon's YANG modules.
struct CliIo {
  std::function<nlohmann::json(const std::string &method, const std::string &path, const std::string &body)> call;
  std::function<void(const nlohmann::json &)> print;
  std::function<void(const nlohmann::json &rows, const std::vector<std::string> &columns)> table;
  ModuleSource modules;
};

bool is_versions_command(const std::string &word);
int run_versions_command(const Options &o, const CliIo &io);

// A write's target and extra header fields from --confirm and --message
// (UsageError if they are malformed).
std::string write_target(const std::string &path, const Options &o);
std::vector<std::pair<std::string, std::string>> write_headers(const Options &o);

}  // namespace pcn
