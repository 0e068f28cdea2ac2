// The whole configuration as a file, for `pcn export` and `pcn apply -f`:
// YAML (or JSON) out, and back in with every value typed by its leaf's YANG
// type (YAML scalars carry no type: `vlan: 10` and `name: "10"` are both
// text to the parser), so that a file written by export applies unchanged.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "schema.h"

namespace pcn {

// The file at `path` ("-": stdin), JSON or YAML, bounded like a body on
// stdin (body.h). Throws UsageError naming the file.
nlohmann::json read_config_file(const std::string &path);

// `doc` ({"<service>:<service>": [cubes]}) with its values typed by the
// services' modules from `modules` (integers up to 32 bits and booleans as
// JSON numbers and booleans, 64-bit integers and decimals as strings, RFC
// 7951). Members the schema lacks are left for the daemon to refuse.
nlohmann::json typed_config(const nlohmann::json &doc, const ModuleSource &modules);

// YAML text of `doc`: strings quoted whenever YAML would read them as
// something else, so that the file says what the daemon said.
std::string to_yaml(const nlohmann::json &doc);

}  // namespace pcn
