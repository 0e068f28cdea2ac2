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

// A whole list for people (`pcn br1 ports show`, `pcn simplebridge show`):
// one table, a row an entry. A member that is a list itself shows as its
// entries' first keys (ports: p1,p2); containers are left out (showing one
// entry, or -yaml, gives them).
std::string render_list(const nlohmann::json &entries, const std::string &list, const ColumnOrder &order = {});

// An answer for people: the member of a one-member answer
// ({"simplebridge:ports": ...}) without that heading; a list as one table
// (`whole_list`: a list was asked for, not one of its entries), one entry
// as its `key: value` lines; "no <name>" for an empty list. Anything else
// as render_human.
std::string render_answer(const nlohmann::json &answer, bool whole_list, const ColumnOrder &order = {});

// `pcn services` for people: a row a service, with the cubes it runs.
nlohmann::json service_rows(const nlohmann::json &services_answer, const nlohmann::json &cubes_answer);

// `pcn cubes` for people: one row a cube, like `kubectl get` (name,
// service, type, ports with their peers and stacks, micro-blocks with their
// kernel program ids).
nlohmann::json cube_rows(const nlohmann::json &cubes_answer);

// `pcn topology show <netdev>`: what a packet arriving on `netdev` meets,
// in order: the transparent cubes attached to the netdev, then those
// attached to the cube port whose peer it is, then that port ("hw0:p1").
// Empty if nothing is attached to it and no port names it.
nlohmann::json netdev_chain(const nlohmann::json &topology_answer, const std::string &netdev);

}  // namespace pcn
