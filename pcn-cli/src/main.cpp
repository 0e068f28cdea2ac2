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

#include <cstdio>
#include <cstdlib>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include "http_client.h"

using nlohmann::json;

namespace {

struct UsageError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

const char *kUsage =
    "usage: pcn [--url URL] [path...] [add|del|show|set] [keys...] [key=value ...] [-json|-yaml]\n"
    "\n"
    "  pcn <service> add <name> [k=v ...]     create a cube        pcn simplebridge add br1\n"
    "  pcn <service> del <name>               delete a cube        pcn simplebridge del br1\n"
    "  pcn <cube> <list> add <key> [k=v ...]  add a list entry     pcn br1 ports add p1 peer=veth1\n"
    "  pcn <cube> [path...] show              show (default verb)  pcn br1 show -json\n"
    "  pcn <cube> [path...] set k=v ...       change leaves        pcn br1 fdb set aging-time=60\n"
    "  pcn <cube> <list> del <key>            remove a list entry  pcn br1 ports del p1\n"
    "  pcn connect <cube:port> <cube:port>    pcn disconnect <cube:port> <cube:port>\n"
    "  pcn cubes | services | netdevs\n"
    "\n"
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

json call(const std::string &method, const std::string &path, const std::string &body = "") {
  pcn::HttpResponse r = pcn::http_request(g_url, method, path, body);
  json doc = r.body.empty() ? json() : json::parse(r.body, nullptr, false);
  if (r.status >= 400) {
    std::string msg = "request failed with status " + std::to_string(r.status);
    if (doc.is_object() && doc.contains("ietf-restconf:errors"))
      msg = doc["ietf-restconf:errors"]["error"][0].value("error-message", msg);
    throw std::runtime_error(msg);
  }
  return doc;
}

// ---- output ----

std::string strip_prefix(const std::string &k) {
  auto c = k.find(':');
  return c == std::string::npos ? k : k.substr(c + 1);
}

std::string scalar(const json &v) { return v.is_string() ? v.get<std::string>() : v.dump(); }

bool flat_object(const json &v) {
  if (!v.is_object()) return false;
  for (auto &[k, x] : v.items())
    if (x.is_structured()) return false;
  return true;
}

void print_human(const json &v, int indent);

// A list of flat objects as a table; anything else as indented key: value.
void print_table(const json &rows, int indent) {
  std::vector<std::string> cols;
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
        print_table(x, indent + 2);
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

 private:
  std::string service_;
  ly_ctx *ctx_ = nullptr;
  lys_module *mod_ = nullptr;
  lyd_node *data_ = nullptr;
};

std::vector<std::string> keys_of(const lysc_node *list) {
  std::vector<std::string> out;
  for (const lysc_node *k = lysc_node_child(list); k && lysc_is_key(k); k = k->next) out.push_back(k->name);
  return out;
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
    std::printf("  verbs: add <%s> [k=v ...] | del <key> | show | <key> ...\n", keys_of(node)[0].c_str());
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

// k=v arguments onto `base` (an XPath), typed by the schema.
void apply_args(Schema &schema, const std::string &base, const std::vector<std::string> &args) {
  for (const auto &a : args) {
    auto eq = a.find('=');
    if (eq == std::string::npos || eq == 0) throw UsageError("expected key=value, got '" + a + "'");
    std::string key = a.substr(0, eq), value = a.substr(eq + 1);
    schema.set(base + "/" + key, value.c_str(), a);
  }
}

int run(const Options &o) {
  const auto &w = o.words;
  if (w.empty()) {
    std::fputs(kUsage, stdout);
    return o.help ? 0 : 2;
  }
  if (w[0] == "cubes" || w[0] == "services" || w[0] == "netdevs") {
    if (w.size() > 1) throw UsageError("'" + w[0] + "' takes no more words");
    print(call("GET", "/restconf/data/polycube:" + w[0]), o);
    return 0;
  }
  if (w[0] == "connect" || w[0] == "disconnect") {
    if (w.size() != 3) throw UsageError(w[0] + " needs two ports: pcn " + w[0] + " <cube:port> <cube:port>");
    call("POST", "/restconf/operations/polycube:" + w[0], json{{"polycube:input", {{"peer1", w[1]}, {"peer2", w[2]}}}}.dump());
    return 0;
  }
  if (w[0] == "attach" || w[0] == "detach")
    throw std::runtime_error(w[0] + " is not served by this version of polycubed yet");

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
      print(call("GET", "/restconf/data/" + top + (w.size() > 2 ? "=" + percent_encode(w[2]) : "")), o);
      return 0;
    }
    if (w.size() < 3) throw UsageError("pcn " + svc + " " + verb + " needs a cube name");
    std::string name = w[2];
    if (verb == "add") {
      std::string base = "/" + top + "[name=" + xpath_key(name) + "]";
      schema.set(base, nullptr, name);
      apply_args(schema, base, {w.begin() + 3, w.end()});
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
    if (!selected) {  // keys of the list we just entered
      auto keys = keys_of(node);
      xpath += "[" + keys[0] + "=" + xpath_key(w[i]) + "]";
      rpath += "=" + percent_encode(w[i]);
      where += " " + w[i];
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
      json input = json::object();
      for (size_t j = i + 1; j < w.size(); j++) {
        auto eq = w[j].find('=');
        if (eq == std::string::npos) throw UsageError("expected key=value after action " + w[i] + ", got '" + w[j] + "'");
        input[w[j].substr(0, eq)] = w[j].substr(eq + 1);
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
    print(call("GET", "/restconf/data/" + rpath), o);
  } else if (verb == "set") {
    if (!selected) throw UsageError("'" + where + "' is a list: name an entry first");
    if (rest.empty()) throw UsageError("set needs key=value arguments");
    apply_args(schema, xpath, rest);
    call("PATCH", cube_path, schema.body());
  } else if (verb == "add") {
    if (selected) throw UsageError("add works on a list; '" + where + "' is not one");
    auto keys = keys_of(node);
    if (rest.size() < keys.size() || rest[0].find('=') != std::string::npos)
      throw UsageError("add needs the " + keys[0] + " of the new entry");
    std::string entry = xpath + "[" + keys[0] + "=" + xpath_key(rest[0]) + "]";
    schema.set(entry, nullptr, rest[0]);
    apply_args(schema, entry, {rest.begin() + 1, rest.end()});
    call("PATCH", cube_path, schema.body());
  } else if (verb == "del") {
    if (selected && i == 1 + 0) throw UsageError("to delete a cube: pcn <service> del <name>");
    std::string target = rpath;
    if (!selected) {
      if (rest.size() != 1) throw UsageError("del needs the " + keys_of(node)[0] + " of the entry");
      target += "=" + percent_encode(rest[0]);
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
