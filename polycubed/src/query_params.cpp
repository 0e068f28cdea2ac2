#include "query_params.h"

#include "datastore.h"
#include "restconf_path.h"

namespace polycube::daemon {

namespace {

DataError bad(const std::string &msg) { return DataError(ErrorCode::kInvalid, msg, "", "invalid-value"); }

// A fields selection: child name -> what to keep below it (empty: all).
struct Selection {
  std::map<std::string, Selection> children;
};

std::string local_name(const std::string &qname) {
  auto colon = qname.find(':');
  return colon == std::string::npos ? qname : qname.substr(colon + 1);
}

// A fields selection with the names as written (module prefixes kept), for
// field_paths().
struct Written {
  std::map<std::string, Written> children;
};

// fields grammar (RFC 8040 4.8.3): expr = term *(";" term);
// term = path ["(" expr ")"]; path = node-id *("/" node-id).
template <typename Sel>
size_t parse_expr(const std::string &s, size_t i, Sel &into, int nesting, bool qualified);

template <typename Sel>
size_t parse_term(const std::string &s, size_t i, Sel &into, int nesting, bool qualified) {
  Sel *at = &into;
  for (;;) {
    size_t start = i;
    while (i < s.size() && s[i] != '/' && s[i] != ';' && s[i] != '(' && s[i] != ')') i++;
    std::string id = s.substr(start, i - start);
    if (id.empty()) throw bad("fields: empty node name at offset " + std::to_string(start) + " in '" + s + "'");
    at = &at->children[qualified ? id : local_name(id)];
    if (i < s.size() && s[i] == '/') {
      i++;
      continue;
    }
    break;
  }
  if (i < s.size() && s[i] == '(') {
    i = parse_expr(s, i + 1, *at, nesting + 1, qualified);
    if (i >= s.size() || s[i] != ')') throw bad("fields: unbalanced '(' in '" + s + "'");
    i++;
  }
  return i;
}

template <typename Sel>
size_t parse_expr(const std::string &s, size_t i, Sel &into, int nesting, bool qualified) {
  if (nesting > 32) throw bad("fields: nested too deep");
  i = parse_term(s, i, into, nesting, qualified);
  while (i < s.size() && s[i] == ';') i = parse_term(s, i + 1, into, nesting, qualified);
  return i;
}

void collect_paths(const Written &w, const std::string &prefix, std::vector<std::string> &out) {
  for (const auto &[name, below] : w.children) {
    std::string path = prefix.empty() ? name : prefix + "/" + name;
    if (below.children.empty()) out.push_back(path);
    else collect_paths(below, path, out);
  }
}

// List entries stay identifiable whatever depth and fields say: the leaf
// "name" (the key of cubes and ports, from polycube-base) is always kept.
bool is_key(const std::string &member) { return local_name(member) == "name"; }

void select(nlohmann::json &node, const Selection &sel);

void select_value(nlohmann::json &v, const Selection &sel) {
  if (sel.children.empty()) return;
  if (v.is_object()) select(v, sel);
  else if (v.is_array())
    for (auto &e : v)
      if (e.is_object()) select(e, sel);
}

void select(nlohmann::json &obj, const Selection &sel) {
  for (auto it = obj.begin(); it != obj.end();) {
    auto found = sel.children.find(local_name(it.key()));
    if (found != sel.children.end()) {
      select_value(it.value(), found->second);
      ++it;
    } else if (is_key(it.key())) {
      ++it;
    } else {
      it = obj.erase(it);
    }
  }
}

// Nodes at `level` (the target's children are level 2) survive when
// level <= depth; list entries are at their list's level.
void prune(nlohmann::json &obj, int level, int depth) {
  for (auto it = obj.begin(); it != obj.end();) {
    bool inner = it.value().is_object() || (it.value().is_array() && !it.value().empty() && it.value()[0].is_object());
    if (level > depth && !is_key(it.key())) {
      it = obj.erase(it);
      continue;
    }
    if (inner) {
      if (it.value().is_object()) prune(it.value(), level + 1, depth);
      else
        for (auto &e : it.value()) prune(e, level + 1, depth);
    }
    ++it;
  }
}

}  // namespace

QueryParams QueryParams::parse(const std::string &query) {
  QueryParams q;
  bool seen_content = false, seen_depth = false, seen_fields = false;
  size_t start = 0;
  while (start <= query.size() && !query.empty()) {
    size_t end = query.find('&', start);
    std::string param = query.substr(start, end == std::string::npos ? std::string::npos : end - start);
    auto eq = param.find('=');
    std::string key = param.substr(0, eq), value = eq == std::string::npos ? "" : percent_decode(param.substr(eq + 1));
    auto once = [&](bool &seen) {
      if (seen) throw bad("query parameter '" + key + "' given twice");
      seen = true;
      if (eq == std::string::npos) throw bad("query parameter '" + key + "' needs a value");
    };
    if (key == "content") {
      once(seen_content);
      if (value == "config") q.config_only = true;
      else if (value == "nonconfig") q.nonconfig_only = true;
      else if (value != "all") throw bad("content must be config, nonconfig or all, not '" + value + "'");
    } else if (key == "depth") {
      once(seen_depth);
      if (value != "unbounded") {
        size_t used = 0;
        int d = 0;
        try {
          d = std::stoi(value, &used);
        } catch (const std::exception &) {
          used = 0;
        }
        if (used != value.size() || value.empty() || d < 1 || d > 65535)
          throw bad("depth must be 1..65535 or unbounded, not '" + value + "'");
        q.depth = d;
      }
    } else if (key == "fields") {
      once(seen_fields);
      Selection probe;
      if (value.empty() || parse_expr(value, 0, probe, 0, false) != value.size())
        throw bad("fields: cannot parse '" + value + "'");
      q.fields = value;
    } else if (!param.empty()) {
      throw bad("query parameter '" + key + "' is not supported (content, depth, fields are)");
    }
    if (end == std::string::npos) break;
    start = end + 1;
  }
  return q;
}

std::vector<std::string> field_paths(const std::string &fields) {
  Written w;
  if (fields.empty() || parse_expr(fields, 0, w, 0, true) != fields.size())
    throw bad("fields: cannot parse '" + fields + "'");
  std::vector<std::string> out;
  collect_paths(w, "", out);
  return out;
}

nlohmann::json shape(nlohmann::json answer, const QueryParams &q) {
  nlohmann::json out = std::move(answer);
  if (!q.fields.empty()) {
    Selection sel;
    parse_expr(q.fields, 0, sel, 0, false);
    for (auto &[k, v] : out.items()) select_value(v, sel);
  }
  if (q.depth > 0 && out.is_object())
    for (auto &[k, v] : out.items()) {
      if (v.is_object()) prune(v, 2, q.depth);
      else if (v.is_array())
        for (auto &e : v)
          if (e.is_object()) prune(e, 2, q.depth);
    }
  return out;
}

}  // namespace polycube::daemon
