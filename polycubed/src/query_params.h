// RFC 8040 query parameters of GET (section 4.8): content, depth, fields.
// They shape the JSON answer after the datastore built it, so every
// resource gets them the same way.
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace polycube::daemon {

struct QueryParams {
  bool config_only = false;     // content=config
  bool nonconfig_only = false;  // content=nonconfig
  int depth = 0;             // 0: unbounded
  std::string fields;        // raw fields expression, "" for all

  // Parses "a=b&c=d" (already split off the path). Throws DataError (400)
  // naming the bad parameter.
  static QueryParams parse(const std::string &query);
};

// Every node a fields expression names, as a path from the target:
// "a/b(c;d);e" -> {"a/b/c", "a/b/d", "e"} (so that each can be checked
// against the schema: RFC 8040 4.8.3 wants 400 for a node it lacks).
std::vector<std::string> field_paths(const std::string &fields);

// Applies depth and fields to a GET answer ({"mod:node": ...}).
nlohmann::json shape(nlohmann::json answer, const QueryParams &q);

}  // namespace polycube::daemon
