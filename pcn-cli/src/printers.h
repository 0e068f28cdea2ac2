// pcn's output: the daemon's answers for people (tables and indented
// `key: value`), as YAML, or as the RFC 7951 JSON itself. Each printer
// returns the text, so tests read exactly what pcn writes.
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace pcn {

// Table columns in schema order (keys first), by list name. JSON objects
// come back sorted by name, which would put `action` before `id` in a rule
// table.
using ColumnOrder = std::map<std::string, std::vector<std::string>>;

// A cell: strings bare, leaf-lists comma-joined (allowed: 10,20).
std::string scalar(const nlohmann::json &v);

// `rows` (objects) as an aligned table with upper-case headers: the columns
// `cols`, else those `order` knows for `list`, then any other member.
std::string render_table(const nlohmann::json &rows, int indent, std::vector<std::string> cols = {},
                         const std::string &list = "", const ColumnOrder &order = {});
// Lists of flat entries as tables, anything else as indented key: value.
std::string render_human(const nlohmann::json &v, int indent, const ColumnOrder &order = {});
std::string render_yaml(const nlohmann::json &v, int indent);
// `format`: human | json | yaml (Options::format).
std::string render(const nlohmann::json &v, const std::string &format, const ColumnOrder &order = {});

// `pcn cubes` for people: one row a cube, like `kubectl get` (name,
// service, type, ports with their peers and stacks, micro-blocks with their
// kernel program ids).
nlohmann::json cube_rows(const nlohmann::json &cubes_answer);

}  // namespace pcn
