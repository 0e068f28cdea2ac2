// pcn: the command-line client of polycubed, in the grammar of polycubectl:
//
//   pcn [path...] [add|del|show|set] [keys...] [k=v ...] [-json|-yaml]
//
// Nothing here is service-specific: the words are resolved against the
// service's YANG module, fetched from the daemon, and values are typed by
// libyang from that schema (so `aging-time=abc` is refused here with the
// schema's own words, before any request).
#include <cstring>
#include <libyang/libyang.h>
#include <poll.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <iterator>
#include <sstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include "http_client.h"
#include "polycube/strict_json.h"  // the one JSON parser, shared with the daemon

using nlohmann::json;

namespace {

struct UsageError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

const char *kUsage =
    "usage: pcn [--url URL] [path...] [add|del|show|set|<action>] [keys...] [key=value ...] [-json|-yaml]\n"
    "\n"
    "  pcn <service> add <name> [k=v ...]     create a cube        pcn simplebridge add br1\n"
    "  pcn <service> del <name>               delete a cube        pcn simplebridge del br1\n"
    "  pcn <cube> <list> add <key> [k=v ...]  add a list entry     pcn br1 ports add p1 peer=veth1\n"
    "  pcn <cube> [path...] show              show (default verb)  pcn br1 show -json\n"
    "  pcn <cube> [path...] set k=v ...       change leaves        pcn br1 fdb set aging-time=60\n"
    "  pcn <cube> <list> del <key>            remove a list entry  pcn br1 ports del p1\n"    "  pcn <cube> [path...] <action> [k=v]    run a YANG action    pcn fw1 chain INGRESS append src=10.0.0.1 action=DROP\n"
    "  (a list with several keys takes one word per key: pcn r1 route add 10.3.0.0/24 10.2.0.254;\n"
    "   a leaf-list takes a comma list: allowed=10,20)\n"
    "  pcn connect <cube:port> <cube:port>    pcn disconnect <cube:port> <cube:port>\n"
    "  pcn attach <tcube> <cube:port|netdev> [position=first|last|before:<c>|after:<c>]\n"
    "  pcn detach <tcube> <cube:port|netdev>\n"
    "  pcn cubes | services | netdevs | topology\n"
    "  pcn completion bash                    print the bash completion script\n"
    "\n"
    "  add and set also take a JSON or YAML body on stdin (a file or a pipe), relative\n"
    "  to the node addressed:   pcn simplebridge add br1 < br1.yaml\n"
    "                           echo '{\"fdb\":{\"aging-time\":60}}' | pcn br1 set\n"
    "  ? or --help at any depth lists what can follow, from the schema.\n"
    "  The daemon is at $PCN_URL or --url (default http://127.0.0.1:9000).\n";

struct Options {
  std::string url;
  std::string format = "human";  // human | json | yaml
  bool help = false;
  std::vector<std::string> words;
};

// ---- talking to the daemon ----

std::string g_url;

// The answer's JSON, or the daemon's RFC 8040 error-message as an exception.
json answer_of(const pcn::HttpResponse &r) {
  json doc = r.body.empty() ? json() : polycube::parse_json(r.body).value;  // null if it is not JSON
  if (r.status >= 400) {
    std::string msg = "request failed with status " + std::to_string(r.status);
    if (doc.is_object() && doc.contains("ietf-restconf:errors"))
      msg = doc["ietf-restconf:errors"]["error"][0].value("error-message", msg);
    throw std::runtime_error(msg);
  }
  return doc;
}

json call(const std::string &method, const std::string &path, const std::string &body = "") {
  return answer_of(pcn::http_request(g_url, method, path, body));
}

// ---- output ----

std::string strip_prefix(const std::string &k) {
  auto c = k.find(':');
  return c == std::string::npos ? k : k.substr(c + 1);
}

// A cell: strings bare, leaf-lists comma-joined (allowed: 10,20).
std::string scalar(const json &v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_array()) {
    std::string s;
    for (const auto &x : v) s += (s.empty() ? "" : ",") + (x.is_string() ? x.get<std::string>() : x.dump());
    return s;
  }
  return v.dump();
}

bool flat_object(const json &v) {
  if (!v.is_object()) return false;
  for (auto &[k, x] : v.items())
    if (x.is_object() || (x.is_array() && std::any_of(x.begin(), x.end(), [](const json &y) { return y.is_structured(); })))
      return false;
  return true;
}

// Table columns in schema order (keys first), per list name; filled from the
// addressed schema node before printing. JSON objects come back sorted by
// name, which would put `action` before `id` in a rule table.
std::map<std::string, std::vector<std::string>> g_columns;

void print_human(const json &v, int indent);

// A list of flat objects as a table; anything else as indented key: value.
void print_table(const json &rows, int indent, std::vector<std::string> cols = {}, const std::string &list = "") {
  if (cols.empty() && g_columns.count(strip_prefix(list)))
    for (const auto &c : g_columns[strip_prefix(list)])
      if (std::any_of(rows.begin(), rows.end(), [&](const json &r) { return r.contains(c); })) cols.push_back(c);
  for (const auto &r : rows)
    for (auto &[k, x] : r.items())
      if (std::find(cols.begin(), cols.end(), k) == cols.end()) cols.push_back(k);
  std::map<std::string, size_t> width;
  for (const auto &c : cols) width[c] = strip_prefix(c).size();
  for (const auto &r : rows)
    for (const auto &c : cols)
      if (r.contains(c)) width[c] = std::max(width[c], scalar(r[c]).size());
  std::string pad(indent, ' ');
  std::string line = pad;
  for (const auto &c : cols) {
    std::string h = strip_prefix(c);
    for (auto &ch : h) ch = static_cast<char>(std::toupper(ch));
    line += h + std::string(width[c] - h.size() + 2, ' ');
  }
  std::puts(line.c_str());
  for (const auto &r : rows) {
    line = pad;
    for (const auto &c : cols) {
      std::string cell = r.contains(c) ? scalar(r[c]) : "";
      line += cell + std::string(width[c] - cell.size() + 2, ' ');
    }
    std::puts(line.c_str());
  }
}

void print_human(const json &v, int indent) {
  std::string pad(indent, ' ');
  if (v.is_object()) {
    for (auto &[k, x] : v.items()) {
      if (x.is_array() && !x.empty() && std::all_of(x.begin(), x.end(), flat_object)) {
        std::printf("%s%s:\n", pad.c_str(), strip_prefix(k).c_str());
        print_table(x, indent + 2, {}, k);
      } else if (x.is_structured()) {
        std::printf("%s%s:\n", pad.c_str(), strip_prefix(k).c_str());
        print_human(x, indent + 2);
      } else {
        std::printf("%s%s: %s\n", pad.c_str(), strip_prefix(k).c_str(), scalar(x).c_str());
      }
    }
  } else if (v.is_array()) {
    for (const auto &x : v) {
      if (x.is_structured()) {
        std::printf("%s-\n", pad.c_str());
        print_human(x, indent + 2);
      } else {
        std::printf("%s- %s\n", pad.c_str(), scalar(x).c_str());
      }
    }
  } else if (!v.is_null()) {
    std::printf("%s%s\n", pad.c_str(), scalar(v).c_str());
  }
}

void print_yaml(const json &v, int indent) {
  std::string pad(indent, ' ');
  if (v.is_object()) {
    for (auto &[k, x] : v.items()) {
      if (x.is_structured()) {
        std::printf("%s%s:\n", pad.c_str(), k.c_str());
        print_yaml(x, indent + 2);
      } else {
        std::printf("%s%s: %s\n", pad.c_str(), k.c_str(), x.dump().c_str());
      }
    }
  } else if (v.is_array()) {
    for (const auto &x : v) {
      if (x.is_object() && !x.empty()) {
        bool first = true;
        for (auto &[k, y] : x.items()) {
          std::string lead = first ? pad + "- " : pad + "  ";
          first = false;
          if (y.is_structured()) {
            std::printf("%s%s:\n", lead.c_str(), k.c_str());
            print_yaml(y, indent + 4);
          } else {
            std::printf("%s%s: %s\n", lead.c_str(), k.c_str(), y.dump().c_str());
          }
        }
      } else {
        std::printf("%s- %s\n", pad.c_str(), x.dump().c_str());
      }
    }
  }
}

void print(const json &v, const Options &o) {
  if (o.format == "json") std::puts(v.dump(2).c_str());
  else if (o.format == "yaml") print_yaml(v, 0);
  else print_human(v, 0);
}

// ---- schema ----

class Schema {
 public:
  explicit Schema(const std::string &service) : service_(service) {
    if (ly_ctx_new(nullptr, LY_CTX_NO_YANGLIBRARY, &ctx_) != LY_SUCCESS) throw std::runtime_error("libyang");
    ly_log_options(LY_LOSTORE_LAST);
    // Imports (polycube-base) come from the daemon too.
    ly_ctx_set_module_imp_clb(
        ctx_,
        [](const char *name, const char *, const char *, const char *, void *, LYS_INFORMAT *format,
           const char **data, ly_module_imp_data_free_clb *free_clb) -> LY_ERR {
          pcn::HttpResponse imp = pcn::http_request(g_url, "GET", std::string("/restconf/yang/") + name);
          if (imp.status != 200) return LY_ENOTFOUND;
          *format = LYS_IN_YANG;
          *data = strdup(imp.body.c_str());
          *free_clb = [](void *d, void *) { free(d); };
          return LY_SUCCESS;
        },
        nullptr);
    pcn::HttpResponse r = pcn::http_request(g_url, "GET", "/restconf/yang/" + service);
    if (r.status != 200) throw std::runtime_error("the daemon has no module for service '" + service + "'");
    if (lys_parse_mem(ctx_, r.body.c_str(), LYS_IN_YANG, &mod_) != LY_SUCCESS)
      throw std::runtime_error("cannot parse module " + service + ": " + ly_errmsg(ctx_));
  }
  ~Schema() {
    lyd_free_all(data_);
    ly_ctx_destroy(ctx_);
  }
  const lysc_node *top() const { return lys_find_child(nullptr, mod_, service_.c_str(), 0, 0, 0); }
  const lysc_node *child(const lysc_node *parent, const std::string &name) const {
    return lys_find_child(parent, mod_, name.c_str(), 0, 0, 0);
  }
  // Adds `value` at `xpath` to the request body being built; the schema
  // types and checks it.
  void set(const std::string &xpath, const char *value, const std::string &word) {
    lyd_node *created = nullptr;
    if (lyd_new_path(data_, ctx_, xpath.c_str(), value, LYD_NEW_PATH_UPDATE, &created) != LY_SUCCESS)
      throw UsageError("bad value for '" + word + "': " + ly_errmsg(ctx_));
    if (!data_ && created) {
      data_ = created;
      while (lyd_parent(data_)) data_ = lyd_parent(data_);
    }
  }
  std::string body() const {
    char *out = nullptr;
    lyd_print_mem(&out, data_, LYD_JSON, LYD_PRINT_WITHSIBLINGS | LYD_PRINT_SHRINK);
    std::string s = out ? out : "{}";
    std::free(out);
    return s;
  }
  const std::string &service() const { return service_; }
  const lys_module *module() const { return mod_; }

 private:
  std::string service_;
  ly_ctx *ctx_ = nullptr;
  lys_module *mod_ = nullptr;
  lyd_node *data_ = nullptr;
};

// Records the column order of every list at or below `node`.
void learn_columns(const lysc_node *node) {
  for (const lysc_node *c = node; c; c = c->next) {
    if (c->nodetype == LYS_LIST) {
      auto &cols = g_columns[c->name];
      if (cols.empty())
        for (const lysc_node *x = lysc_node_child(c); x; x = x->next)
          if (x->nodetype & (LYS_LEAF | LYS_LEAFLIST)) cols.push_back(x->name);
    }
    if (c->nodetype & (LYS_LIST | LYS_CONTAINER)) learn_columns(lysc_node_child(c));
  }
}

std::vector<std::string> keys_of(const lysc_node *list) {
  std::vector<std::string> out;
  for (const lysc_node *k = lysc_node_child(list); k && lysc_is_key(k); k = k->next) out.push_back(k->name);
  return out;
}

// "<network> <nexthop>": how the entries of `list` are named on the command line.
std::string keys_usage(const lysc_node *list) {
  std::string s;
  for (const auto &k : keys_of(list)) s += (s.empty() ? "<" : " <") + k + ">";
  return s;
}

std::string type_name(const lysc_node *n) {
  if (n->nodetype == LYS_LIST) return "list (keys: " + [&] {
    std::string s;
    for (const auto &k : keys_of(n)) s += (s.empty() ? "" : ",") + k;
    return s;
  }() + ")";
  if (n->nodetype == LYS_CONTAINER) return "container";
  if (n->nodetype == LYS_ACTION) return "action";
  if (n->nodetype & (LYS_LEAF | LYS_LEAFLIST)) {
    const lysc_type *t = reinterpret_cast<const lysc_node_leaf *>(n)->type;
    static const std::map<LY_DATA_TYPE, std::string> names = {
        {LY_TYPE_STRING, "string"}, {LY_TYPE_BOOL, "boolean"}, {LY_TYPE_UINT8, "uint8"},
        {LY_TYPE_UINT16, "uint16"}, {LY_TYPE_UINT32, "uint32"}, {LY_TYPE_UINT64, "uint64"},
        {LY_TYPE_INT8, "int8"},     {LY_TYPE_INT16, "int16"},  {LY_TYPE_INT32, "int32"},
        {LY_TYPE_INT64, "int64"},   {LY_TYPE_EMPTY, "empty"},  {LY_TYPE_UNION, "union"}};
    if (t->basetype == LY_TYPE_ENUM) {
      std::string s;
      auto *e = reinterpret_cast<const lysc_type_enum *>(t);
      LY_ARRAY_COUNT_TYPE i;
      LY_ARRAY_FOR(e->enums, i) s += (s.empty() ? "" : "|") + std::string(e->enums[i].name);
      return s;
    }
    auto it = names.find(t->basetype);
    std::string base = it == names.end() ? "value" : it->second;
    return n->flags & LYS_CONFIG_R ? base + ", read-only" : base;
  }
  return "node";
}

void print_help(const lysc_node *node, const std::string &where, bool list_unselected) {
  std::printf("%s\n", where.c_str());
  if (list_unselected)
    std::printf("  verbs: add %s [k=v ...] | del %s | show | %s ...\n", keys_usage(node).c_str(),
                keys_usage(node).c_str(), keys_usage(node).c_str());
  else
    std::printf("  verbs: show | set k=v ...%s\n", where.find(' ') == std::string::npos ? "" : " | del");
  std::printf("  what can follow:\n");
  for (const lysc_node *c = lysc_node_child(node); c; c = c->next) {
    if (lysc_is_key(c)) continue;
    std::printf("    %-16s %-30s %s\n", c->name, type_name(c).c_str(), c->dsc ? c->dsc : "");
  }
  for (const lysc_node_action *a = lysc_node_actions(node); a; a = reinterpret_cast<const lysc_node_action *>(a->next))
    std::printf("    %-16s %-30s %s\n", a->name, "action", a->dsc ? a->dsc : "");
}

const std::set<std::string> kVerbs = {"add", "del", "show", "set"};

std::string xpath_key(const std::string &v) { return v.find('\'') == std::string::npos ? "'" + v + "'" : "\"" + v + "\""; }

std::string percent_encode(const std::string &v) {
  std::string out;
  for (unsigned char c : v) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') out += static_cast<char>(c);
    else {
      char b[4];
      std::snprintf(b, sizeof(b), "%%%02X", c);
      out += b;
    }
  }
  return out;
}


// ---- a body on stdin ----

// A regular file or a pipe on stdin is a body; a terminal, /dev/null or a
// closed stdin is not. A pipe is read when data (or its end) comes within
// 200 ms, so an idle inherited pipe never hangs a command.
std::string stdin_body() {
  struct stat st {};
  if (fstat(STDIN_FILENO, &st) != 0) return "";
  if (S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode)) {
    pollfd p{STDIN_FILENO, POLLIN, 0};
    if (poll(&p, 1, 200) <= 0) return "";
  } else if (!S_ISREG(st.st_mode)) {
    return "";
  }
  std::string text((std::istreambuf_iterator<char>(std::cin)), std::istreambuf_iterator<char>());
  if (text.find_first_not_of(" \t\r\n") == std::string::npos) return "";
  return text;
}

json yaml_to_json(const YAML::Node &n) {
  switch (n.Type()) {
    case YAML::NodeType::Map: {
      json o = json::object();
      for (const auto &kv : n) o[kv.first.as<std::string>()] = yaml_to_json(kv.second);
      return o;
    }
    case YAML::NodeType::Sequence: {
      json a = json::array();
      for (const auto &e : n) a.push_back(yaml_to_json(e));
      return a;
    }
    case YAML::NodeType::Scalar: return n.Scalar();  // typed later, by the schema
    default: return nullptr;
  }
}

// JSON, or else YAML; an object either way.
json parse_body(const std::string &text) {
  polycube::StrictJson parsed = polycube::parse_json(text);
  // JSON with a repeated member or nested too deep is refused as JSON; only
  // what is not JSON at all is tried as YAML.
  if (parsed.fault == polycube::StrictJson::Fault::kDuplicate || parsed.fault == polycube::StrictJson::Fault::kTooDeep)
    throw UsageError("the JSON body on stdin is refused: " + parsed.error);
  json doc = std::move(parsed.value);
  if (!parsed.ok()) {
    try {
      doc = yaml_to_json(YAML::Load(text));
    } catch (const YAML::Exception &e) {
      throw UsageError("the body on stdin is neither JSON nor YAML: " + std::string(e.what()));
    }
  }
  if (!doc.is_object()) throw UsageError("the body on stdin must be an object (a JSON object or a YAML map)");
  return doc;
}

// Puts `body` (relative to schema node `node` at `xpath`) into the request
// through libyang, leaf by leaf from their text, so JSON and YAML values are
// typed by the schema alike and errors name the place.
void apply_body(Schema &schema, const lysc_node *node, const std::string &xpath, const json &body,
                const std::string &where) {
  for (auto &[k, v] : body.items()) {
    std::string name = strip_prefix(k);
    const lysc_node *c = schema.child(node, name);
    if (!c || !(c->flags & LYS_CONFIG_W))
      throw UsageError("unknown or read-only '" + name + "' in the body at " + where);
    std::string at = xpath + "/" + name;
    if (c->nodetype == LYS_CONTAINER) {
      if (!v.is_object()) throw UsageError("'" + name + "' in the body must be an object");
      apply_body(schema, c, at, v, where + " " + name);
    } else if (c->nodetype == LYS_LIST) {
      if (!v.is_array()) throw UsageError("'" + name + "' in the body must be a list");
      for (const auto &entry : v) {
        if (!entry.is_object()) throw UsageError("entries of '" + name + "' must be objects");
        std::string e = at;
        json rest = entry;
        for (const lysc_node *key = lysc_node_child(c); key && lysc_is_key(key); key = key->next) {
          if (!entry.contains(key->name)) throw UsageError("an entry of '" + name + "' has no " + key->name);
          const json &kv = entry[key->name];
          e += "[" + std::string(key->name) + "=" + xpath_key(kv.is_string() ? kv.get<std::string>() : kv.dump()) + "]";
          rest.erase(key->name);
        }
        schema.set(e, nullptr, name);
        apply_body(schema, c, e, rest, where + " " + name);
      }
    } else if (c->nodetype == LYS_LEAFLIST) {
      for (const auto &item : v.is_array() ? v : json::array({v})) {
        std::string text = item.is_string() ? item.get<std::string>() : item.dump();
        schema.set(at + "[.=" + xpath_key(text) + "]", nullptr, name + "=" + text);
      }
    } else if (c->nodetype == LYS_LEAF) {
      if (v.is_structured()) throw UsageError("'" + name + "' in the body must be a single value");
      std::string text = v.is_string() ? v.get<std::string>() : v.dump();
      schema.set(at, text.c_str(), name + "=" + text);
    }
  }
}

// An action input value from its text, typed by the input leaf's schema.
json action_value(const lysc_node_action *action, const std::string &leaf, const std::string &text) {
  for (const lysc_node *c = action->input.child; c; c = c->next) {
    if (leaf != c->name) continue;
    if (!(c->nodetype & (LYS_LEAF | LYS_LEAFLIST))) return text;
    switch (reinterpret_cast<const lysc_node_leaf *>(c)->type->basetype) {
      case LY_TYPE_INT8: case LY_TYPE_INT16: case LY_TYPE_INT32:
      case LY_TYPE_UINT8: case LY_TYPE_UINT16: case LY_TYPE_UINT32: {
        json n = polycube::parse_json(text).value;
        return n.is_number_integer() ? n : json(text);  // the daemon names a bad one
      }
      case LY_TYPE_BOOL: return text == "true" ? json(true) : text == "false" ? json(false) : json(text);
      case LY_TYPE_EMPTY: return json::array({nullptr});
      default: return text;
    }
  }
  throw UsageError("action " + std::string(action->name) + " has no input '" + leaf + "'");
}

// ---- completion ----

const char *kBashCompletion =
    "# bash completion for pcn, generated by `pcn completion bash`; the words\n"
    "# come from the daemon's schemas and data at completion time.\n"
    "# Words come from COMP_LINE, not COMP_WORDS: bash splits COMP_WORDS at '='\n"
    "# and ':' (COMP_WORDBREAKS), which would cut peer=br1:p1 into pieces.\n"
    "_pcn() {\n"
    "  local IFS=$'\\n' line=${COMP_LINE:0:COMP_POINT} cur strip\n"
    "  local -a words\n"
    "  IFS=$' \\t' read -ra words <<< \"$line\"\n"
    "  [[ $line =~ [[:space:]]$ || ${#words[@]} -eq 0 ]] && words+=(\"\")\n"
    "  cur=${words[${#words[@]}-1]}\n"
    "  COMPREPLY=($(pcn __complete \"${words[@]:1}\" 2>/dev/null))\n"
    "  [[ ${#COMPREPLY[@]} -eq 1 && ${COMPREPLY[0]} == *= ]] && compopt -o nospace 2>/dev/null\n"
    "  # bash replaces only the part of the word after the last break character.\n"
    "  strip=${cur%\"${cur##*[=:]}\"}\n"
    "  [[ -n $strip ]] && COMPREPLY=(\"${COMPREPLY[@]#\"$strip\"}\")\n"
    "  return 0\n"
    "}\n"
    "complete -F _pcn pcn\n";

// k=v arguments onto `base` (an XPath of schema node `node`), typed by the
// schema. A leaf-list takes comma-separated values (allowed=10,20).
void apply_args(Schema &schema, const lysc_node *node, const std::string &base, const std::vector<std::string> &args) {
  for (const auto &a : args) {
    auto eq = a.find('=');
    if (eq == std::string::npos || eq == 0) throw UsageError("expected key=value, got '" + a + "'");
    std::string key = a.substr(0, eq), value = a.substr(eq + 1);
    const lysc_node *leaf = node ? schema.child(node, key) : nullptr;
    if (leaf && leaf->nodetype == LYS_LEAFLIST) {
      std::stringstream items(value);
      for (std::string item; std::getline(items, item, ',');)
        schema.set(base + "/" + key + "[.=" + xpath_key(item) + "]", nullptr, key + "=" + item);
      continue;
    }
    schema.set(base + "/" + key, value.c_str(), a);
  }
}

// The XPath predicates and the RESTCONF key segment ("=k1,k2") of a list
// entry named by `values`, one per key of `list`.
std::pair<std::string, std::string> entry_keys(const lysc_node *list, const std::vector<std::string> &values) {
  auto keys = keys_of(list);
  std::string xp, rest;
  for (size_t k = 0; k < keys.size() && k < values.size(); k++) {
    xp += "[" + keys[k] + "=" + xpath_key(values[k]) + "]";
    rest += (k ? "," : "=") + percent_encode(values[k]);
  }
  return {xp, rest};
}


// `pcn __complete <words...> <partial>`: one candidate per line, from the
// daemon (services, cubes, ports) and the schema (children, verbs, leaves,
// enum values, actions).
int complete(std::vector<std::string> w) {
  std::string partial = w.empty() ? "" : w.back();
  if (!w.empty()) w.pop_back();
  std::set<std::string> out;
  auto emit = [&](const std::string &c) {
    if (c.rfind(partial, 0) == 0) out.insert(c);
  };
  auto all_ports = [&](bool netdevs) {
    // (Copies: a range-for over a member of a temporary would dangle.)
    json list = call("GET", "/restconf/data/polycube:cubes")["polycube:cubes"]["cube"];
    for (const auto &c : list)
      for (const auto &p : c.value("ports", json::array())) emit(c["name"].get<std::string>() + ":" + p["name"].get<std::string>());
    if (netdevs) {
      json devs = call("GET", "/restconf/data/polycube:netdevs")["polycube:netdevs"]["netdev"];
      for (const auto &n : devs) emit(n["name"]);
    }
  };
  json services = call("GET", "/restconf/data/polycube:services")["polycube:services"]["service"];
  json cubes = call("GET", "/restconf/data/polycube:cubes")["polycube:cubes"]["cube"];
  if (w.empty()) {
    for (const char *f : {"connect", "disconnect", "attach", "detach", "cubes", "services", "netdevs", "topology",
                          "completion"})
      emit(f);
    for (const auto &x : services) emit(x["name"]);
    for (const auto &c : cubes) emit(c["name"]);
  } else if (w[0] == "connect" || w[0] == "disconnect") {
    if (w.size() <= 2) all_ports(false);
  } else if (w[0] == "attach" || w[0] == "detach") {
    if (w.size() == 1) {
      for (const auto &c : cubes)
        if (!c.contains("ports")) emit(c["name"]);  // transparent cubes have no ports
    } else if (w.size() == 2) {
      all_ports(true);
    } else if (w.size() == 3 && w[0] == "attach") {
      for (const char *p : {"position=first", "position=last"}) emit(p);
      for (const auto &c : cubes) {
        emit("position=before:" + c["name"].get<std::string>());
        emit("position=after:" + c["name"].get<std::string>());
      }
    }
  } else if (w[0] == "completion") {
    if (w.size() == 1) emit("bash");
  } else {
    bool is_service = false;
    for (const auto &x : services) is_service |= x["name"] == w[0];
    std::string service;
    for (const auto &c : cubes)
      if (c["name"] == w[0]) service = c["service"];
    if (is_service) {
      if (w.size() == 1) {
        for (const char *v : {"add", "del", "show"}) emit(v);
      } else if (w.size() == 2 && (w[1] == "del" || w[1] == "show")) {
        for (const auto &c : cubes)
          if (c["service"] == w[0]) emit(c["name"]);
      } else if (w.size() >= 3 && w[1] == "add") {
        Schema schema(w[0]);
        service = w[0];
        const lysc_node *top = schema.top();
        for (const lysc_node *c = lysc_node_child(top); c; c = c->next)
          if ((c->nodetype & LYS_LEAF) && (c->flags & LYS_CONFIG_W) && !lysc_is_key(c)) emit(std::string(c->name) + "=");
      }
    } else if (!service.empty()) {
      Schema schema(service);
      const lysc_node *node = schema.top();
      bool selected = true, verb_seen = false;
      std::string rpath = service + ":" + service + "=" + percent_encode(w[0]);
      for (size_t i = 1; i < w.size(); i++) {
        if (kVerbs.count(w[i])) {
          verb_seen = true;
          continue;
        }
        if (verb_seen || w[i].find('=') != std::string::npos) continue;
        if (!selected) {  // one word per key of a multi-key list
          size_t nkeys = keys_of(node).size();
          std::vector<std::string> values(w.begin() + static_cast<long>(i),
                                          w.begin() + static_cast<long>(std::min(w.size(), i + nkeys)));
          if (values.size() < nkeys) return 0;  // still typing the keys
          rpath += entry_keys(node, values).second;
          i += nkeys - 1;
          selected = true;
          continue;
        }
        const lysc_node *c = schema.child(node, w[i]);
        if (!c || c->nodetype == LYS_ACTION) return 0;
        node = c;
        rpath += "/" + std::string(c->name);
        selected = c->nodetype != LYS_LIST;
      }
      auto leaves = [&](const lysc_node *n) {
        for (const lysc_node *c = lysc_node_child(n); c; c = c->next)
          if ((c->nodetype & LYS_LEAF) && (c->flags & LYS_CONFIG_W) && !lysc_is_key(c)) emit(std::string(c->name) + "=");
      };
      auto eq = partial.find('=');
      if (eq != std::string::npos) {  // value of a leaf: enum names, booleans
        const lysc_node *leaf = schema.child(node, partial.substr(0, eq));
        if (leaf && (leaf->nodetype & LYS_LEAF)) {
          const lysc_type *t = reinterpret_cast<const lysc_node_leaf *>(leaf)->type;
          std::string k = partial.substr(0, eq + 1);
          if (t->basetype == LY_TYPE_ENUM) {
            auto *e = reinterpret_cast<const lysc_type_enum *>(t);
            LY_ARRAY_COUNT_TYPE j;
            LY_ARRAY_FOR(e->enums, j) emit(k + e->enums[j].name);
          } else if (t->basetype == LY_TYPE_BOOL) {
            emit(k + "true");
            emit(k + "false");
          }
        }
      } else if (verb_seen) {
        leaves(node);
      } else if (!selected) {  // entries of the list, and its verbs
        for (const char *v : {"add", "del", "show"}) emit(v);
        try {
          json data = call("GET", "/restconf/data/" + rpath + "?content=config");
          for (auto &[k, list] : data.items())
            for (const auto &e : list)
              if (e.is_object()) {
                auto keys = keys_of(node);
                if (!keys.empty() && e.contains(keys[0])) emit(scalar(e[keys[0]]));
              }
        } catch (const std::exception &) {  // an empty list is 404
        }
      } else {
        for (const char *v : {"show", "set"}) emit(v);
        if (w.size() > 1) emit("del");
        for (const lysc_node *c = lysc_node_child(node); c; c = c->next)
          if (!lysc_is_key(c) && (c->nodetype & (LYS_CONTAINER | LYS_LIST))) emit(c->name);
        for (const lysc_node_action *a = lysc_node_actions(node); a;
             a = reinterpret_cast<const lysc_node_action *>(a->next))
          emit(a->name);
      }
    }
  }
  for (const auto &c : out) std::puts(c.c_str());
  return 0;
}

int run(const Options &o) {
  const auto &w = o.words;
  if (w.empty()) {
    std::fputs(kUsage, stdout);
    return o.help ? 0 : 2;
  }
  if (w[0] == "completion") {
    if (w.size() != 2 || w[1] != "bash") throw UsageError("usage: pcn completion bash");
    std::fputs(kBashCompletion, stdout);
    return 0;
  }
  if (w[0] == "__complete") return complete({w.begin() + 1, w.end()});
  if (w[0] == "cubes" || w[0] == "services" || w[0] == "netdevs" || w[0] == "topology") {
    if (w.size() > 1) throw UsageError("'" + w[0] + "' takes no more words");
    json data = call("GET", "/restconf/data/polycube:" + w[0]);
    if (w[0] == "cubes" && o.format == "human") {
      // One row a cube, like `kubectl get`: ports with their peers and
      // stacks, micro-blocks with their kernel program ids.
      json rows = json::array();
      for (const auto &c : data["polycube:cubes"]["cube"]) {
        std::string ports, blocks;
        for (const auto &p : c.value("ports", json::array())) {
          std::string one = p["name"].get<std::string>() + (p.contains("peer") ? "->" + p["peer"].get<std::string>() : "");
          std::string stack;
          for (const auto &t : p.value("transparent-cubes", json::array())) stack += (stack.empty() ? "" : ",") + t.get<std::string>();
          ports += (ports.empty() ? "" : " ") + one + (stack.empty() ? "" : "[" + stack + "]");
        }
        if (c.contains("attached-to")) ports = "@" + c["attached-to"].get<std::string>();
        for (const auto &b : c["blocks"])
          blocks += (blocks.empty() ? "" : " ") + b["name"].get<std::string>() + "#" + std::to_string(b["prog-id"].get<uint32_t>());
        rows.push_back({{"name", c["name"]}, {"service", c["service"]}, {"type", c["type"]}, {"ports", ports}, {"blocks", blocks}});
      }
      if (rows.empty()) std::puts("no cubes");
      else print_table(rows, 0, {"name", "service", "type", "ports", "blocks"});
      return 0;
    }
    print(data, o);
    return 0;
  }
  if (w[0] == "connect" || w[0] == "disconnect") {
    if (w.size() != 3) throw UsageError(w[0] + " needs two ports: pcn " + w[0] + " <cube:port> <cube:port>");
    call("POST", "/restconf/operations/polycube:" + w[0], json{{"polycube:input", {{"peer1", w[1]}, {"peer2", w[2]}}}}.dump());
    return 0;
  }
  if (w[0] == "attach" || w[0] == "detach") {
    std::string usage = w[0] == "attach" ? "pcn attach <cube> <cube:port|netdev> [position=first|last|before:<c>|after:<c>]"
                                         : "pcn detach <cube> <cube:port|netdev>";
    if (w.size() < 3 || w.size() > (w[0] == "attach" ? 4u : 3u)) throw UsageError(w[0] + " needs: " + usage);
    json in = {{"cube", w[1]}, {"port", w[2]}};
    if (w.size() == 4) {
      if (w[3].rfind("position=", 0) != 0) throw UsageError("unexpected '" + w[3] + "' (expected position=...)");
      in["position"] = w[3].substr(9);
    }
    call("POST", "/restconf/operations/polycube:" + w[0], json{{"polycube:input", in}}.dump());
    return 0;
  }

  json services = call("GET", "/restconf/data/polycube:services")["polycube:services"]["service"];
  std::set<std::string> names;
  for (const auto &s : services) names.insert(s["name"].get<std::string>());

  if (names.count(w[0])) {  // pcn <service> add|del|show <name>
    Schema schema(w[0]);
    const lysc_node *list = schema.top();
    std::string svc = w[0], top = svc + ":" + svc;
    if (o.help || w.size() == 1) {
      print_help(list, "pcn " + svc, true);
      return 0;
    }
    const std::string &verb = w[1];
    if (verb == "show") {
      learn_columns(list);
      print(call("GET", "/restconf/data/" + top + (w.size() > 2 ? "=" + percent_encode(w[2]) : "")), o);
      return 0;
    }
    if (w.size() < 3) throw UsageError("pcn " + svc + " " + verb + " needs a cube name");
    std::string name = w[2];
    if (verb == "add") {
      std::string base = "/" + top + "[name=" + xpath_key(name) + "]";
      schema.set(base, nullptr, name);
      if (std::string text = stdin_body(); !text.empty())
        apply_body(schema, list, base, parse_body(text), "pcn " + svc + " add " + name);
      apply_args(schema, list, base, {w.begin() + 3, w.end()});
      call("POST", "/restconf/data", schema.body());
      return 0;
    }
    if (verb == "del") {
      if (w.size() > 3) throw UsageError("unexpected '" + w[3] + "' after the cube name");
      call("DELETE", "/restconf/data/" + top + "=" + percent_encode(name));
      return 0;
    }
    throw UsageError("unknown verb '" + verb + "' for service " + svc + " (add, del, show)");
  }

  // pcn <cube> [path...] [verb] [keys...] [k=v...]
  json cubes = call("GET", "/restconf/data/polycube:cubes")["polycube:cubes"]["cube"];
  std::string service;
  for (const auto &c : cubes)
    if (c["name"] == w[0]) service = c["service"];
  if (service.empty()) throw std::runtime_error("unknown cube or service '" + w[0] + "'");
  Schema schema(service);
  const lysc_node *node = schema.top();
  std::string top = service + ":" + service;
  std::string xpath = "/" + top + "[name=" + xpath_key(w[0]) + "]";
  std::string rpath = top + "=" + percent_encode(w[0]);
  std::string where = "pcn " + w[0];
  bool selected = true;  // is `node` a single instance (not a whole list)?
  size_t i = 1;
  for (; i < w.size(); i++) {
    if (kVerbs.count(w[i]) || w[i].find('=') != std::string::npos) break;
    if (!selected) {  // the key(s) of the list we just entered
      size_t nkeys = keys_of(node).size();
      if (i + nkeys > w.size()) throw UsageError("'" + where + "' entries are named by " + keys_usage(node));
      std::vector<std::string> values(w.begin() + static_cast<long>(i), w.begin() + static_cast<long>(i + nkeys));
      auto [xp, rest] = entry_keys(node, values);
      xpath += xp;
      rpath += rest;
      for (const auto &v : values) where += " " + v;
      i += nkeys - 1;
      selected = true;
      continue;
    }
    const lysc_node *c = schema.child(node, w[i]);
    if (!c) {
      std::string options;
      for (const lysc_node *x = lysc_node_child(node); x; x = x->next)
        if (!lysc_is_key(x)) options += std::string(options.empty() ? "" : ", ") + x->name;
      throw UsageError("unknown word '" + w[i] + "' after '" + where + "' (expected a verb or one of: " + options + ")");
    }
    if (c->nodetype == LYS_ACTION) {  // pcn br1 fdb flush [k=v ...]
      if (!selected) throw UsageError("name an entry of '" + where + "' before action " + w[i]);
      auto *action = reinterpret_cast<const lysc_node_action *>(c);
      if (o.help) {  // `pcn br1 fdb flush ?` explains, never runs
        std::printf("%s %s: %s\n  input:%s\n", where.c_str(), c->name, c->dsc ? c->dsc : "YANG action",
                    action->input.child ? "" : " none");
        for (const lysc_node *in = action->input.child; in; in = in->next)
          std::printf("    %-16s %-30s %s\n", in->name, type_name(in).c_str(), in->dsc ? in->dsc : "");
        return 0;
      }
      json input = json::object();
      for (size_t j = i + 1; j < w.size(); j++) {
        auto eq = w[j].find('=');
        if (eq == std::string::npos) throw UsageError("expected key=value after action " + w[i] + ", got '" + w[j] + "'");
        input[w[j].substr(0, eq)] = action_value(action, w[j].substr(0, eq), w[j].substr(eq + 1));
      }
      json out = call("POST", "/restconf/data/" + rpath + "/" + w[i], json{{service + ":input", input}}.dump());
      if (!out.is_null()) print(out, o);
      return 0;
    }
    node = c;
    xpath += "/" + std::string(c->name);
    rpath += "/" + std::string(c->name);
    where += " " + w[i];
    selected = c->nodetype != LYS_LIST;
  }
  if (o.help) {
    print_help(node, where, !selected);
    return 0;
  }
  std::string verb = i < w.size() && kVerbs.count(w[i]) ? w[i++] : "show";
  std::vector<std::string> rest(w.begin() + static_cast<long>(i), w.end());
  std::string cube_path = "/restconf/data/" + top + "=" + percent_encode(w[0]);

  if (verb == "show") {
    if (!rest.empty()) throw UsageError("unexpected '" + rest[0] + "' after show");
    learn_columns(schema.top());
    pcn::HttpResponse r = pcn::http_request(g_url, "GET", "/restconf/data/" + rpath);
    if (r.status == 404 && !selected) {
      // RESTCONF answers 404 for an empty list; the entry holding it exists
      // if its own GET works (else this call names what is missing).
      call("GET", "/restconf/data/" + rpath.substr(0, rpath.rfind('/')) + "?depth=1");
      if (o.format == "json") std::puts("{}");
      else if (o.format == "human") std::printf("no %s\n", node->name);
      return 0;
    }
    print(answer_of(r), o);
  } else if (verb == "set") {
    if (!selected) throw UsageError("'" + where + "' is a list: name an entry first");
    std::string text = stdin_body();
    if (rest.empty() && text.empty()) throw UsageError("set needs key=value arguments (or a body on stdin)");
    schema.set(xpath, nullptr, where);
    if (!text.empty()) apply_body(schema, node, xpath, parse_body(text), where);
    apply_args(schema, node, xpath, rest);
    call("PATCH", cube_path, schema.body());
  } else if (verb == "add") {
    if (selected) throw UsageError("add works on a list; '" + where + "' is not one");
    size_t nkeys = keys_of(node).size();
    for (size_t k = 0; k < nkeys; k++)
      if (k >= rest.size() || rest[k].find('=') != std::string::npos)
        throw UsageError("add needs " + keys_usage(node) + " of the new entry");
    std::vector<std::string> values(rest.begin(), rest.begin() + static_cast<long>(nkeys));
    std::string entry = xpath + entry_keys(node, values).first, named = where;
    for (const auto &v : values) named += " " + v;
    schema.set(entry, nullptr, named);
    if (std::string text = stdin_body(); !text.empty())
      apply_body(schema, node, entry, parse_body(text), named);
    apply_args(schema, node, entry, {rest.begin() + static_cast<long>(nkeys), rest.end()});
    call("PATCH", cube_path, schema.body());
  } else if (verb == "del") {
    if (selected && i == 1 + 0) throw UsageError("to delete a cube: pcn <service> del <name>");
    std::string target = rpath;
    // Keys may be named: `del id=0`. On a container, they name an entry of
    // the one list in it keyed by exactly those: `pcn nat1 rule snat del id=0`.
    if (!rest.empty() && rest[0].find('=') != std::string::npos) {
      std::map<std::string, std::string> named;
      for (const auto &r : rest) {
        auto eq = r.find('=');
        if (eq == std::string::npos) throw UsageError("del: expected key=value, got '" + r + "'");
        named[r.substr(0, eq)] = r.substr(eq + 1);
      }
      const lysc_node *list = nullptr;
      if (!selected) {
        list = node;
      } else {
        for (const lysc_node *c = lysc_node_child(node); c; c = c->next) {
          if (c->nodetype != LYS_LIST) continue;
          auto keys = keys_of(c);
          if (keys.size() == named.size() &&
              std::all_of(keys.begin(), keys.end(), [&](const std::string &k) { return named.count(k) > 0; })) {
            if (list) throw UsageError("del: several lists of '" + where + "' are keyed that way");
            list = c;
          }
        }
        if (!list) throw UsageError("del: no list of '" + where + "' is keyed by the names given");
        target += "/" + std::string(list->name);
      }
      std::vector<std::string> values;
      for (const auto &k : keys_of(list)) {
        if (!named.count(k)) throw UsageError("del needs " + keys_usage(list) + " of the entry");
        values.push_back(named[k]);
      }
      if (values.size() != named.size()) throw UsageError("del: '" + where + "' entries are named by " + keys_usage(list));
      call("DELETE", "/restconf/data/" + target + entry_keys(list, values).second);
      return 0;
    }
    if (!selected) {
      if (rest.size() != keys_of(node).size()) throw UsageError("del needs " + keys_usage(node) + " of the entry");
      target += entry_keys(node, rest).second;
    } else if (!rest.empty()) {
      throw UsageError("unexpected '" + rest[0] + "' after del");
    }
    call("DELETE", "/restconf/data/" + target);
  }
  return 0;
}

}  // namespace

int main(int argc, char **argv) {
  Options o;
  const char *env = std::getenv("PCN_URL");
  o.url = env && *env ? env : "http://127.0.0.1:9000";
  for (int i = 1; i < argc; i++) {
    std::string a = argv[i];
    if (a == "--url" && i + 1 < argc) o.url = argv[++i];
    else if (a == "-json") o.format = "json";
    else if (a == "-yaml") o.format = "yaml";
    else if (a == "?" || a == "--help" || a == "-h") o.help = true;
    else o.words.push_back(a);
  }
  g_url = o.url;
  try {
    return run(o);
  } catch (const UsageError &e) {
    std::fprintf(stderr, "pcn: %s\n", e.what());
    return 2;
  } catch (const std::exception &e) {
    std::fprintf(stderr, "pcn: %s\n", e.what());
    return 1;
  }
}
