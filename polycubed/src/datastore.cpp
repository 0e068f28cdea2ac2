#include "datastore.h"

#include <libyang/libyang.h>

#include <algorithm>
#include <cstdlib>
#include <functional>
#include <set>
#include <tuple>
#include <unordered_map>

#include "duplicate_entries.h"
#include "polycube/base_yang.h"
#include "polycube/strict_json.h"
#include "restconf_path.h"
#include "schema_json.h"
#include "yanggen/yanggen.h"

namespace polycube::daemon {

using nlohmann::json;

namespace {

std::string print(const lyd_node *node, uint32_t options) {
  char *out = nullptr;
  if (!node || lyd_print_mem(&out, node, LYD_JSON, options | LYD_PRINT_SHRINK) != LY_SUCCESS || !out) return "{}";
  std::string s(out);
  std::free(out);
  return s;
}

std::string scalar_text(const json &v) { return v.is_string() ? v.get<std::string>() : v.dump(); }

std::string strip_module(const std::string &n) {
  auto c = n.find(':');
  return c == std::string::npos ? n : n.substr(c + 1);
}

DataError bad_body(const std::string &msg) { return DataError(ErrorCode::kInvalid, msg, "", "invalid-value"); }

std::vector<std::string> split_segments(const std::string &path) {
  std::vector<std::string> out;
  size_t start = 0;
  for (;;) {
    size_t slash = path.find('/', start);
    out.push_back(path.substr(start, slash == std::string::npos ? std::string::npos : slash - start));
    if (slash == std::string::npos) break;
    start = slash + 1;
  }
  return out;
}

// The RESTCONF segment of a list entry or node: "chain=INGRESS", "fdb".
std::string segment(const std::string &name, const std::vector<std::string> &keys) {
  if (keys.empty()) return name;
  std::string s = name + "=";
  for (size_t i = 0; i < keys.size(); i++) s += (i ? "," : "") + percent_encode(keys[i]);
  return s;
}

bool small_integer(const lysc_node *leaf) {
  switch (reinterpret_cast<const lysc_node_leaf *>(leaf)->type->basetype) {
    case LY_TYPE_UINT8:
    case LY_TYPE_UINT16:
    case LY_TYPE_UINT32:
    case LY_TYPE_INT8:
    case LY_TYPE_INT16:
    case LY_TYPE_INT32: return true;
    default: return false;
  }
}

// A key value from a URL as its RFC 7951 JSON value (integers up to 32
// bits are JSON numbers).
json key_json(const lysc_node *key, const std::string &v) {
  if (small_integer(key) && !v.empty() && v.find_first_not_of("-0123456789") == std::string::npos) {
    json n = json::parse(v, nullptr, false);
    if (!n.is_discarded()) return n;
  }
  return v;
}

std::vector<std::string> key_names(const lysc_node *list) {
  std::vector<std::string> out;
  for (const lysc_node *k = lysc_node_child(list); k && lysc_is_key(k); k = k->next) out.push_back(k->name);
  return out;
}

// `{"mod:mod":[{...}]}` -> the instance object.
json instance_of(const std::string &printed) {
  json doc = json::parse(printed);
  return doc.begin()->at(0);
}

// Recursive merge of `src` into `dst` (objects member by member, anything
// else replaced): a PATCH of one positional entry.
void merge_object(json &dst, const json &src) {
  for (const auto &[k, v] : src.items()) {
    if (v.is_object() && dst.contains(k) && dst[k].is_object()) merge_object(dst[k], v);
    else dst[k] = v;
  }
}

// Merges RFC 7951 `src` into `dst` below schema node `parent` (null: the
// root) of module `mod`: containers member by member, list entries matched
// on their keys.
void merge_state(const ly_ctx *ctx, json &dst, const json &src, const lysc_node *parent, const lys_module *mod) {
  for (const auto &[qname, value] : src.items()) {
    std::string name = qname;
    const lys_module *m = mod;
    if (auto colon = qname.find(':'); colon != std::string::npos) {
      m = ly_ctx_get_module_implemented(ctx, qname.substr(0, colon).c_str());
      name = qname.substr(colon + 1);
    }
    const lysc_node *schema = m ? lys_find_child(parent, m, name.c_str(), 0, 0, 0) : nullptr;
    if (!dst.contains(qname) || !schema) {
      dst[qname] = value;
    } else if (value.is_object() && dst[qname].is_object()) {
      merge_state(ctx, dst[qname], value, schema, m);
    } else if (value.is_array() && dst[qname].is_array() && schema->nodetype == LYS_LIST) {
      std::vector<std::string> keys = key_names(schema);
      auto key_of_entry = [&](const json &e) {
        std::string k;
        for (const auto &n : keys) k += (e.contains(n) ? scalar_text(e[n]) : "") + '\n';
        return k;
      };
      auto &list = dst[qname];
      std::unordered_map<std::string, size_t> index;
      for (size_t i = 0; i < list.size(); i++) index.emplace(key_of_entry(list[i]), i);
      for (const auto &e : value) {
        auto it = keys.empty() ? index.end() : index.find(key_of_entry(e));
        if (it == index.end()) list.push_back(e);
        else merge_state(ctx, list[it->second], e, schema, m);
      }
    } else {
      dst[qname] = value;
    }
  }
}

// The member of `object` for schema node `s` (unprefixed or prefixed).
json *member_of(json &object, const lysc_node *s) {
  if (!object.is_object()) return nullptr;
  auto it = object.find(s->name);
  if (it == object.end()) it = object.find(std::string(s->module->name) + ":" + s->name);
  return it == object.end() ? nullptr : &*it;
}

bool entry_matches(const json &e, const std::vector<std::pair<std::string, std::string>> &keys) {
  for (const auto &[k, v] : keys)
    if (!e.is_object() || !e.contains(k) || scalar_text(e[k]) != v) return false;
  return true;
}

}  // namespace

// ---- transactions ----

Transaction::~Transaction() {
  for (auto &c : cubes_) lyd_free_all(c.tree);
}

Transaction::Transaction(Transaction &&o) noexcept : cubes_(std::move(o.cubes_)), changes_(std::move(o.changes_)) {
  o.cubes_.clear();
}

Transaction::Cube *Transaction::find(const std::string &module, const std::string &name) {
  for (auto &c : cubes_)
    if (c.module == module && c.name == name) return &c;
  return nullptr;
}

// ---- schema ----

Datastore::Datastore() {
  // No yang-library data in the tree: it is served separately.
  if (ly_ctx_new(nullptr, LY_CTX_NO_YANGLIBRARY, &ctx_) != LY_SUCCESS)
    throw Error(ErrorCode::kKernel, "cannot create the libyang context");
  ly_log_options(LY_LOSTORE_LAST);  // keep errors for us, print nothing
  // Service modules import polycube-base; it is built in, not on disk.
  ly_ctx_set_module_imp_clb(
      ctx_,
      [](const char *name, const char *, const char *, const char *, void *, LYS_INFORMAT *format,
         const char **data, ly_module_imp_data_free_clb *free_clb) -> LY_ERR {
        if (std::string(name) != "polycube-base") return LY_ENOTFOUND;
        *format = LYS_IN_YANG;
        *data = polycube_base_yang().c_str();
        *free_clb = nullptr;
        return LY_SUCCESS;
      },
      nullptr);
}

Datastore::~Datastore() {
  clear();
  ly_ctx_destroy(ctx_);
}

void Datastore::clear() {
  for (auto &[k, c] : cubes_) lyd_free_all(c.tree);
  cubes_.clear();
  module_of_.clear();
}

DataError Datastore::last_error(const std::string &what, ErrorCode code) const {
  const ly_err_item *e = ly_err_first(ctx_);
  std::string msg = e && e->msg ? e->msg : "unknown error";
  // libyang reports 'Data location "/a:b[name='x']/c", line number 1.':
  // keep only the data path (RFC 8040 error-path).
  std::string where = e && e->path ? e->path : "";
  std::string path;
  if (auto q = where.find('"'); q != std::string::npos) {
    auto end = where.find('"', q + 1);
    if (end != std::string::npos) path = where.substr(q + 1, end - q - 1);
  }
  std::string tag = "invalid-value";
  if (e && e->vecode == LYVE_DATA && msg.find("Duplicate instance") != std::string::npos) {
    code = ErrorCode::kExists;
    tag = "data-exists";
  }
  if (msg.find("Mandatory node") != std::string::npos) tag = "missing-element";
  if (msg.find("not found as a child") != std::string::npos || msg.find("Node \"") == 0) tag = "unknown-element";
  ly_err_clean(ctx_, nullptr);
  return DataError(code, what + ": " + msg + (path.empty() ? "" : " at " + path), path, tag);
}

std::string Datastore::load_module(const std::string &yang) {
  lys_module *mod = nullptr;
  if (lys_parse_mem(ctx_, yang.c_str(), LYS_IN_YANG, &mod) != LY_SUCCESS || !mod)
    throw last_error("bad YANG module", ErrorCode::kInvalid);
  // Loading may have recompiled every module: JIT them all again.
  uint32_t idx = 0;
  while (const lys_module *m = ly_ctx_get_module_iter(ctx_, &idx))
    if (m->implemented) schema_json::jit_patterns(m);
  // Positional lists, found by their extension, and checked to be what
  // the vector representation can hold.
  std::map<std::string, std::string> found;
  std::function<void(const lysc_node *, const std::string &)> walk = [&](const lysc_node *n, const std::string &at) {
    for (; n; n = n->next) {
      if (n->nodetype & (LYS_CHOICE | LYS_CASE)) {
        walk(lysc_node_child(n), at);
        continue;
      }
      std::string here = at.empty() ? n->name : at + "/" + n->name;
      LY_ARRAY_COUNT_TYPE u;
      bool positional = false;
      LY_ARRAY_FOR(n->exts, u) {
        if (std::string(n->exts[u].def->name) == "positional" &&
            std::string(n->exts[u].def->module->name) == "polycube-base")
          positional = true;
      }
      if (positional) {
        const auto *l = reinterpret_cast<const lysc_node_list *>(n);
        auto keys = key_names(n);
        const lysc_node *key = lysc_node_child(n);
        bool ok = n->nodetype == LYS_LIST && (n->flags & LYS_ORDBY_USER) && keys.size() == 1 && l->min == 0 &&
                  !LY_ARRAY_COUNT(l->uniques) && !(n->flags & LYS_CONFIG_R);
        if (ok) {
          LY_DATA_TYPE t = reinterpret_cast<const lysc_node_leaf *>(key)->type->basetype;
          ok = t == LY_TYPE_UINT8 || t == LY_TYPE_UINT16 || t == LY_TYPE_UINT32;
        }
        if (!ok || !schema_json::simple(n))
          throw Error(ErrorCode::kInvalid, std::string("module ") + mod->name + ": positional list " + here +
                                               " must be an ordered-by-user list with one unsigned integer key, "
                                               "no min-elements or unique, and no XPath constraints");
        std::string abs;
        for (const lysc_node *p = n; p; p = p->parent) abs = "/" + std::string(mod->name) + ":" + p->name + abs;
        found[here] = abs;
      }
      if (n->nodetype & (LYS_CONTAINER | LYS_LIST)) walk(lysc_node_child(n), here);
    }
  };
  for (const lysc_node *top = mod->compiled ? mod->compiled->data : nullptr; top; top = top->next)
    if (top->nodetype == LYS_LIST) walk(lysc_node_child(top), "");
  if (!found.empty()) positional_[mod->name] = std::move(found);
  return mod->name;
}

std::vector<std::string> Datastore::positional_lists(const std::string &module) const {
  std::vector<std::string> out;
  if (auto it = positional_.find(module); it != positional_.end())
    for (const auto &[path, _] : it->second) out.push_back(path);
  return out;
}

const lysc_node *Datastore::list_schema(const std::string &module, const std::string &list) const {
  auto it = positional_.find(module);
  if (it == positional_.end()) return nullptr;
  std::string schema_path;
  for (const auto &seg : split_segments(list)) schema_path += (schema_path.empty() ? "" : "/") + seg.substr(0, seg.find('='));
  auto l = it->second.find(schema_path);
  if (l == it->second.end()) return nullptr;
  const lysc_node *n = lys_find_path(ctx_, nullptr, l->second.c_str(), 0);
  ly_err_clean(ctx_, nullptr);
  return n;
}

bool Datastore::has_leaf(const std::string &module, const std::string &leaf) const {
  std::string path = "/" + module + ":" + module + "/" + leaf;
  const lysc_node *n = lys_find_path(ctx_, nullptr, path.c_str(), 0);
  ly_err_clean(ctx_, nullptr);
  return n != nullptr;
}

nlohmann::json Datastore::openapi(const std::vector<std::string> &names) const {
  std::vector<const lys_module *> mods;
  for (const auto &n : names)
    if (const lys_module *m = ly_ctx_get_module_implemented(ctx_, n.c_str())) mods.push_back(m);
  return yanggen::openapi_document(mods);
}

std::vector<Datastore::ModuleInfo> Datastore::modules() const {
  std::vector<ModuleInfo> out;
  uint32_t i = 0;
  const lys_module *m;
  while ((m = ly_ctx_get_module_iter(ctx_, &i)))
    out.push_back({m->name, m->revision ? m->revision : "", m->ns ? m->ns : "", m->implemented != 0});
  return out;
}

std::string Datastore::xpath(const std::string &restconf_path) const { return restconf_to_xpath(ctx_, restconf_path); }

std::string Datastore::module_of(const std::string &name) const {
  auto it = module_of_.find(name);
  return it == module_of_.end() ? "" : it->second;
}

// ---- targets: an XPath resolved against the schema ----

struct Datastore::Target {
  std::string module;           // "" for the whole datastore
  std::string name;             // "" for every cube of the module
  std::vector<PathStep> steps;  // below the cube
  std::vector<const lysc_node *> schemas;  // of each step
  const lysc_node *cube_schema = nullptr;
  // Into a positional list: step index of the list (-1: none), its
  // RESTCONF path below the cube, and the entry position (-1: the list).
  int list_step = -1;
  std::string list;
  long pos = -1;
  // RESTCONF path below the cube of the whole target (list-path form).
  std::string restconf;
};

Datastore::Target Datastore::resolve(const std::string &xpath) const {
  Target t;
  if (xpath.empty()) return t;
  std::vector<PathStep> steps = parse_xpath(xpath);
  const PathStep &top = steps[0];
  if (top.module.empty()) throw DataError(ErrorCode::kInvalid, "the path needs a module prefix: " + xpath, xpath, "invalid-value");
  const lys_module *m = ly_ctx_get_module_implemented(ctx_, top.module.c_str());
  const lysc_node *sn = m ? lys_find_child(nullptr, m, top.name.c_str(), 0, 0, 0) : nullptr;
  if (!sn) throw DataError(ErrorCode::kInvalid, "unknown node " + top.module + ":" + top.name, xpath, "unknown-element");
  t.module = top.module;
  t.cube_schema = sn;
  if (sn->nodetype != LYS_LIST || top.name != top.module) return t;  // framework data: no cubes
  if (top.keys.empty()) return t;
  t.name = top.keys[0].second;
  std::string module = top.module;
  const lysc_node *parent = sn;
  for (size_t i = 1; i < steps.size(); i++) {
    if (!steps[i].module.empty()) module = steps[i].module;
    const lys_module *sm = ly_ctx_get_module_implemented(ctx_, module.c_str());
    const lysc_node *child = sm ? lys_find_child(parent, sm, steps[i].name.c_str(), 0, 0, 0) : nullptr;
    if (!child) throw DataError(ErrorCode::kInvalid, "unknown node " + steps[i].name, xpath, "unknown-element");
    t.steps.push_back(steps[i]);
    t.schemas.push_back(child);
    std::vector<std::string> keys;
    for (const auto &[k, v] : steps[i].keys) keys.push_back(v);
    bool positional = t.list_step < 0 && list_schema(t.module, t.restconf.empty() ? child->name : t.restconf + "/" + child->name) == child;
    if (positional) {
      t.list_step = static_cast<int>(t.steps.size()) - 1;
      t.list = (t.restconf.empty() ? "" : t.restconf + "/") + child->name;
      if (!keys.empty()) {
        char *end = nullptr;
        long p = std::strtol(keys[0].c_str(), &end, 10);
        t.pos = (end && *end == '\0' && p >= 0) ? p : -2;  // -2: a key that is no position
      }
    }
    t.restconf += (t.restconf.empty() ? "" : "/") + segment(child->name, child->nodetype == LYS_LEAFLIST ? std::vector<std::string>{} : keys);
    parent = child;
  }
  return t;
}

// ---- writes ----

Transaction::Cube &Datastore::stage(Transaction &txn, const std::string &module, const std::string &name) const {
  if (Transaction::Cube *c = txn.find(module, name)) return *c;
  Transaction::Cube c;
  c.module = module;
  c.name = name;
  auto it = cubes_.find({module, name});
  if (it != cubes_.end()) {
    c.exists_before = true;
    if (lyd_dup_single(it->second.tree, nullptr, LYD_DUP_RECURSIVE, &c.tree) != LY_SUCCESS)
      throw last_error("copy of cube " + name, ErrorCode::kKernel);
    for (const auto &[list, entries] : it->second.lists) {
      c.lists_after.push_back(list);
      c.sizes[list] = entries.size();
    }
  }
  txn.cubes_.push_back(std::move(c));
  return txn.cubes_.back();
}

size_t Datastore::list_size(const Transaction::Cube &c, const std::string &list) const {
  auto it = c.sizes.find(list);
  return it == c.sizes.end() ? 0 : it->second;
}

std::vector<ListEntry> Datastore::staged_entries(const Transaction::Cube &c, const std::string &list) const {
  std::vector<ListEntry> v;
  if (c.exists_before) {
    auto it = cubes_.find({c.module, c.name});
    if (it != cubes_.end())
      if (auto l = it->second.lists.find(list); l != it->second.lists.end()) v = l->second;
  }
  for (const auto &e : c.edits) {
    if (e.list != list) continue;
    v.erase(v.begin() + e.pos, v.begin() + e.pos + e.remove);
    v.insert(v.begin() + e.pos, e.insert.begin(), e.insert.end());
  }
  return v;
}

std::vector<ListEntry> Datastore::list_entries(const std::string &module, const std::string &name,
                                               const std::string &list) const {
  auto it = cubes_.find({module, name});
  if (it == cubes_.end()) return {};
  auto l = it->second.lists.find(list);
  return l == it->second.lists.end() ? std::vector<ListEntry>{} : l->second;
}

void Datastore::splice(Transaction &txn, Transaction::Cube &c, const std::string &list, const lysc_node *schema,
                       uint32_t pos, uint32_t remove, std::vector<json> entries) const {
  std::string cube_path = "/" + c.module + ":" + c.module + "[name=" + xpath_quoted(c.name) + "]";
  auto segs = split_segments(list);
  std::string parent_restconf = c.module + ":" + c.module + "=" + percent_encode(c.name);
  for (size_t i = 0; i + 1 < segs.size(); i++) parent_restconf += "/" + segs[i];
  std::string parent_xpath = restconf_to_xpath(ctx_, parent_restconf);
  std::string key = key_names(schema)[0];
  if (segs.size() > 1) {
    lyd_node *parent = nullptr;
    if (!c.tree || lyd_find_path(c.tree, parent_xpath.c_str(), 0, &parent) != LY_SUCCESS || !parent) {
      ly_err_clean(ctx_, nullptr);
      throw DataError(ErrorCode::kNotFound, "no " + segs[segs.size() - 2] + " in " + c.name + " for list " + list,
                      parent_xpath, "invalid-value");
    }
  } else if (!c.tree) {
    throw DataError(ErrorCode::kNotFound, "no cube " + c.name, cube_path, "invalid-value");
  }
  size_t n = list_size(c, list);
  if (pos > n || remove > n - pos)
    throw DataError(ErrorCode::kInvalid,
                    key + " " + std::to_string(pos + (remove ? remove - 1 : 0)) + " out of range: " + list + " has " +
                        std::to_string(n) + (n == 1 ? " entry" : " entries"),
                    parent_xpath + "/" + schema->name, "invalid-value");
  size_t after = n - remove + entries.size();
  const auto *ls = reinterpret_cast<const lysc_node_list *>(schema);
  if (after > ls->max)
    throw DataError(ErrorCode::kInvalid, "Too many \"" + std::string(schema->name) + "\" instances (" +
                                             std::to_string(after) + ", at most " + std::to_string(ls->max) + ").",
                    parent_xpath + "/" + schema->name, "invalid-value");
  if (after > 0) {  // the last position must be a value of the key's type
    const lysc_node *key_schema = lysc_node_child(schema);
    std::string last = std::to_string(after - 1);
    if (lyd_value_validate(ctx_, key_schema, last.c_str(), last.size(), nullptr, nullptr, nullptr) != LY_SUCCESS) {
      ly_err_clean(ctx_, nullptr);
      throw DataError(ErrorCode::kInvalid, list + " would hold " + std::to_string(after) + " entries: " + key + " " +
                                               last + " is out of its range",
                      parent_xpath + "/" + schema->name, "invalid-value");
    }
  }
  Transaction::ListEdit edit{list, pos, remove, {}};
  ListSplice out{list, pos, remove, {}};
  edit.insert.reserve(entries.size());
  out.insert.reserve(entries.size());
  const std::string where = parent_xpath + "/" + schema->name;
  for (size_t i = 0; i < entries.size(); i++) {
    try {
      schema_json::check_in_place(ctx_, schema, entries[i], schema_json::Kind::kData, where, true);
    } catch (const DataError &e) {
      // Name the entry by its position in the message.
      std::string at = where + "[" + key + "='" + std::to_string(pos + i) + "']";
      throw DataError(e.code(), std::string(e.what()) + " (entry " + at + ")", at, e.tag());
    }
    edit.insert.push_back(std::make_shared<const std::string>(entries[i].dump()));
    out.insert.push_back(std::move(entries[i]));
  }
  c.sizes[list] = after;
  if (std::find(c.lists_after.begin(), c.lists_after.end(), list) == c.lists_after.end()) c.lists_after.push_back(list);
  c.edits.push_back(std::move(edit));
  // The change record for the service is assembled in finish(), in order.
  txn.changes_.push_back(CubeChange{CubeChange::kUpdate, c.module, c.name, "", false, {std::move(out)}});
}

// Positional lists found in `object` (a node of schema `parent` at RESTCONF
// path `at` below the cube) are taken out of it: (list path, entries).
static void extract_lists(json &object, const lysc_node *parent, const std::string &at,
                          std::vector<std::pair<std::string, json>> &out,
                          const std::function<const lysc_node *(const std::string &)> &positional) {
  if (!object.is_object()) return;
  for (auto it = object.begin(); it != object.end();) {
    const lysc_node *s = schema_json::child_named(parent, it.key());
    if (!s || !(s->nodetype & (LYS_CONTAINER | LYS_LIST))) {
      ++it;
      continue;
    }
    std::string here = (at.empty() ? "" : at + "/") + s->name;
    if (s->nodetype == LYS_LIST && positional(here) == s && it->is_array()) {
      out.emplace_back(here, std::move(*it));
      it = object.erase(it);
      continue;
    }
    if (s->nodetype == LYS_CONTAINER) {
      extract_lists(*it, s, here, out, positional);
    } else if (it->is_array()) {
      auto keys = key_names(s);
      for (auto &e : *it) {
        if (!e.is_object()) continue;
        std::vector<std::string> kv;
        bool complete = true;
        for (const auto &k : keys) {
          if (!e.contains(k)) complete = false;
          else kv.push_back(scalar_text(e[k]));
        }
        if (complete) extract_lists(e, s, (at.empty() ? "" : at + "/") + segment(s->name, kv), out, positional);
      }
    }
    ++it;
  }
}

void Datastore::merge_instance(Transaction &txn, const std::string &module, json instance, bool replace) const {
  std::string name = instance.at("name").get<std::string>();
  const lys_module *m = ly_ctx_get_module_implemented(ctx_, module.c_str());
  const lysc_node *top = lys_find_child(nullptr, m, module.c_str(), 0, 0, 0);
  // Positional lists come out first (they are not libyang nodes); the
  // list path of each is its schema path with its ancestors' keys.
  std::vector<std::pair<std::string, json>> lists;
  auto positional = [&](const std::string &path) { return list_schema(module, path); };
  if (positional_.count(module)) extract_lists(instance, top, "", lists, positional);
  // Strict: unknown leaves are errors. No state: config false is not
  // writable. Types, ranges and patterns are checked while parsing; the
  // cube is validated in finish() (mandatory, leafref, unique, max-elements).
  // In schema order (keys first), so that libyang's error paths name the
  // list entries they are in.
  std::string text = schema_json::print_ordered(json{{module + ":" + module, json::array({std::move(instance)})}}, top);
  lyd_node *edit = nullptr;
  if (lyd_parse_data_mem(ctx_, text.c_str(), LYD_JSON, LYD_PARSE_STRICT | LYD_PARSE_ONLY | LYD_PARSE_NO_STATE, 0,
                         &edit) != LY_SUCCESS)
    throw last_error("invalid data", ErrorCode::kInvalid);
  try {
    reject_duplicate_entries(edit);  // libyang would merge them silently
  } catch (...) {
    lyd_free_all(edit);
    throw;
  }
  Transaction::Cube &c = stage(txn, module, name);
  if (c.deleted) {
    lyd_free_all(edit);
    throw DataError(ErrorCode::kInvalid, "cube " + name + " is deleted and written in one transaction", "", "invalid-value");
  }
  if (replace) {
    // PUT of the cube: its positional lists go with it.
    for (const auto &list : std::vector<std::string>(c.lists_after))
      if (size_t n = list_size(c, list)) splice(txn, c, list, list_schema(module, list), 0, static_cast<uint32_t>(n), {});
    lyd_free_all(c.tree);
    c.tree = edit;
  } else if (!c.tree) {
    c.tree = edit;
  } else if (lyd_merge_siblings(&c.tree, edit, LYD_MERGE_DESTRUCT) != LY_SUCCESS) {
    throw last_error("merge", ErrorCode::kInvalid);
  }
  for (auto &[list, entries] : lists) {
    const lysc_node *schema = list_schema(module, list);
    std::string key = key_names(schema)[0];
    std::vector<std::pair<uint64_t, json>> byid;
    for (auto &e : entries) {
      if (!e.is_object() || !e.contains(key))
        throw DataError(ErrorCode::kInvalid, "List instance is missing its key \"" + key + "\" in " + list, "", "invalid-value");
      const json &k = e[key];
      if (!k.is_number_unsigned() && !(k.is_number_integer() && k.get<int64_t>() >= 0))
        throw DataError(ErrorCode::kInvalid, "Invalid " + key + " " + k.dump() + " in " + list + ": a position 0, 1, ...",
                        "", "invalid-value");
      uint64_t id = k.get<uint64_t>();
      e.erase(key);
      byid.emplace_back(id, std::move(e));
    }
    std::stable_sort(byid.begin(), byid.end(), [](const auto &a, const auto &b) { return a.first < b.first; });
    for (size_t i = 1; i < byid.size(); i++)
      if (byid[i].first == byid[i - 1].first)
        throw DataError(ErrorCode::kInvalid, "the body names " + std::string(schema->name) + " " + key + " " +
                                                 std::to_string(byid[i].first) + " of " + list +
                                                 " twice (one write may name a list entry or value once)",
                        "", "invalid-value");
    // Entries at existing positions merge into them; the others append,
    // without gaps, in one splice.
    size_t n = list_size(c, list);
    std::vector<json> append;
    std::vector<ListEntry> current;
    for (auto &[id, e] : byid) {
      if (id < n) {
        if (current.empty()) current = staged_entries(c, list);
        json merged = json::parse(*current.at(id));
        merge_object(merged, e);
        splice(txn, c, list, schema, static_cast<uint32_t>(id), 1, {std::move(merged)});
      } else if (id == n + append.size()) {
        append.push_back(std::move(e));
      } else {
        throw DataError(ErrorCode::kInvalid, key + " " + std::to_string(id) + " would leave a gap in " + list + ": it has " +
                                                 std::to_string(n + append.size()) + " entries (" + key + " 0..n-1)",
                        "", "invalid-value");
      }
    }
    if (!append.empty()) splice(txn, c, list, schema, static_cast<uint32_t>(n), 0, std::move(append));
  }
}

Transaction Datastore::merge(const std::string &text) const {
  StrictJson parsed = parse_json(text);  // no duplicate members, bounded depth
  if (parsed.fault == StrictJson::Fault::kTooDeep || parsed.fault == StrictJson::Fault::kDuplicate)
    throw DataError(ErrorCode::kInvalid, "invalid data: " + parsed.error, "", "malformed-message");
  json &doc = parsed.value;
  if (!parsed.ok()) {
    // libyang's message for it, as before.
    lyd_node *tree = nullptr;
    if (lyd_parse_data_mem(ctx_, text.c_str(), LYD_JSON, LYD_PARSE_STRICT | LYD_PARSE_ONLY, 0, &tree) == LY_SUCCESS) {
      lyd_free_all(tree);
      throw bad_body("invalid data: not JSON");
    }
    throw last_error("invalid data", ErrorCode::kInvalid);
  }
  return merge_doc(doc);
}

Transaction Datastore::merge_doc(const json &doc) const {
  Transaction txn;
  if (!doc.is_object()) throw bad_body("invalid data: the document must be a JSON object");
  for (const auto &[qname, value] : doc.items()) {
    std::string module = qname.substr(0, qname.find(':'));
    const lys_module *m = ly_ctx_get_module_implemented(ctx_, module.c_str());
    const lysc_node *top = m ? lys_find_child(nullptr, m, module.c_str(), 0, 0, 0) : nullptr;
    bool cubes = top && top->nodetype == LYS_LIST && qname == module + ":" + module && value.is_array() &&
                 std::all_of(value.begin(), value.end(),
                             [](const json &i) { return i.is_object() && i.contains("name") && i["name"].is_string(); });
    if (!cubes) {
      // Not a list of cubes: libyang says why (unknown module, missing key,
      // wrong JSON type, config false...), or it is another module's data.
      std::string one = json{{qname, value}}.dump();
      lyd_node *tree = nullptr;
      if (lyd_parse_data_mem(ctx_, one.c_str(), LYD_JSON, LYD_PARSE_STRICT | LYD_PARSE_ONLY | LYD_PARSE_NO_STATE, 0,
                             &tree) != LY_SUCCESS)
        throw last_error("invalid data", ErrorCode::kInvalid);
      lyd_free_all(tree);
      throw DataError(ErrorCode::kInvalid, "module " + module + " has no configuration to write here", "", "invalid-value");
    }
    std::set<std::string> seen;
    for (const auto &inst : value) {
      std::string name = inst["name"].get<std::string>();
      if (!seen.insert(name).second)
        throw DataError(ErrorCode::kInvalid,
                        "the body names cube " + name + " twice (one write may name a list entry or value once)",
                        "/" + module + ":" + module + "[name=" + xpath_quoted(name) + "]", "invalid-value");
      merge_instance(txn, module, inst, false);
    }
  }
  finish(txn);
  return txn;
}

Transaction Datastore::replace(const std::string &xpath, const std::string &text) const {
  StrictJson parsed = parse_json(text);  // no duplicate members, bounded depth
  if (!parsed.ok()) throw DataError(ErrorCode::kInvalid, "invalid data: " + parsed.error, "", "malformed-message");
  json &doc = parsed.value;
  Target t = resolve(xpath);
  if (t.name.empty()) throw DataError(ErrorCode::kInvalid, "PUT replaces one resource below a cube", xpath, "invalid-value");
  // The instance the edit names (wrap() built it from the URL).
  json *list = doc.is_object() && doc.contains(t.module + ":" + t.module) ? &doc[t.module + ":" + t.module] : nullptr;
  if (!list || !list->is_array() || list->size() != 1 || !(*list)[0].is_object() ||
      (*list)[0].value("name", "") != t.name)
    return merge_doc(doc);  // let the general path report what is wrong
  json instance = (*list)[0];
  Transaction txn;
  if (t.steps.empty()) {
    merge_instance(txn, t.module, instance, true);
  } else if (t.list_step >= 0) {
    // Into a positional list: the entry (or the whole list) is the body's.
    Transaction::Cube &c = stage(txn, t.module, t.name);
    if (!c.tree) throw DataError(ErrorCode::kNotFound, "no cube " + t.name, xpath, "invalid-value");
    const lysc_node *schema = list_schema(t.module, t.list);
    std::string key = key_names(schema)[0];
    // The body's entries of that list, found by walking the same keys.
    std::vector<std::pair<std::string, json>> lists;
    auto positional = [&](const std::string &p) { return list_schema(t.module, p); };
    extract_lists(instance, t.cube_schema, "", lists, positional);
    json entries = json::array();
    for (auto &[l, e] : lists)
      if (l == t.list) entries = std::move(e);
    size_t n = list_size(c, t.list);
    if (t.pos == -1 && static_cast<size_t>(t.list_step) + 1 == t.steps.size()) {
      std::vector<json> all(entries.size());
      for (auto &e : entries) {
        if (!e.contains(key) || !e[key].is_number_unsigned() || e[key].get<uint64_t>() >= entries.size())
          throw DataError(ErrorCode::kInvalid, "the entries of " + t.list + " must have " + key + " 0..n-1", xpath, "invalid-value");
        size_t id = e[key].get<size_t>();
        e.erase(key);
        all[id] = std::move(e);
      }
      splice(txn, c, t.list, schema, 0, static_cast<uint32_t>(n), std::move(all));
    } else if (t.pos >= 0) {
      if (entries.size() != 1) throw DataError(ErrorCode::kInvalid, "the body must hold the entry at " + xpath, xpath, "invalid-value");
      json e = entries[0];
      e.erase(key);
      size_t pos = static_cast<size_t>(t.pos);
      if (static_cast<size_t>(t.list_step) + 1 < t.steps.size()) {
        // A node inside the entry: replace it there.
        if (pos >= n) throw DataError(ErrorCode::kNotFound, "no data at " + xpath, xpath, "invalid-value");
        json cur = json::parse(*staged_entries(c, t.list).at(pos));
        json *at = &cur;
        for (size_t i = t.list_step + 1; i + 1 < t.steps.size() && at; i++) at = member_of(*at, t.schemas[i]);
        if (at && at->is_object()) at->erase(t.schemas.back()->name);
        merge_object(cur, e);
        splice(txn, c, t.list, schema, static_cast<uint32_t>(pos), 1, {std::move(cur)});
      } else {
        splice(txn, c, t.list, schema, static_cast<uint32_t>(pos), pos < n ? 1 : 0, {std::move(e)});
      }
    } else {
      throw DataError(ErrorCode::kInvalid, "bad position in " + xpath, xpath, "invalid-value");
    }
  } else {
    Transaction::Cube &c = stage(txn, t.module, t.name);
    lyd_node *target = nullptr;
    if (c.tree && lyd_find_path(c.tree, xpath.c_str(), 0, &target) == LY_SUCCESS && target) {
      // Positional lists below the target go with it.
      for (const auto &l : std::vector<std::string>(c.lists_after))
        if ((l.rfind(t.restconf + "/", 0) == 0) && list_size(c, l))
          splice(txn, c, l, list_schema(t.module, l), 0, static_cast<uint32_t>(list_size(c, l)), {});
      if (target == c.tree) {
        lyd_free_all(c.tree);
        c.tree = nullptr;
      } else {
        lyd_free_tree(target);
      }
    }
    ly_err_clean(ctx_, nullptr);
    merge_instance(txn, t.module, instance, false);
  }
  finish(txn);
  return txn;
}

Transaction Datastore::remove(const std::vector<std::string> &xpaths) const {
  Transaction txn;
  size_t removed = 0;
  for (const auto &xpath : xpaths) {
    Target t = resolve(xpath);
    if (t.module.empty() || t.name.empty()) continue;  // one cube at a time
    if (!cubes_.count({t.module, t.name}) && !txn.find(t.module, t.name)) continue;
    Transaction::Cube &c = stage(txn, t.module, t.name);
    if (!c.tree) continue;
    if (t.steps.empty()) {
      lyd_free_all(c.tree);
      c.tree = nullptr;
      c.deleted = true;
      removed++;
      continue;
    }
    if (t.list_step >= 0) {
      const lysc_node *schema = list_schema(t.module, t.list);
      size_t n = list_size(c, t.list);
      bool inner = static_cast<size_t>(t.list_step) + 1 < t.steps.size();
      if (t.pos == -1 && !inner) {
        if (n) {
          splice(txn, c, t.list, schema, 0, static_cast<uint32_t>(n), {});
          removed++;
        }
      } else if (t.pos >= 0 && static_cast<size_t>(t.pos) < n) {
        if (!inner) {
          splice(txn, c, t.list, schema, static_cast<uint32_t>(t.pos), 1, {});
          removed++;
          continue;
        }
        json cur = json::parse(*staged_entries(c, t.list).at(static_cast<size_t>(t.pos)));
        json *at = &cur;
        for (size_t i = t.list_step + 1; i + 1 < t.steps.size() && at; i++) at = member_of(*at, t.schemas[i]);
        if (at && at->is_object() && member_of(*at, t.schemas.back())) {
          at->erase(at->find(t.schemas.back()->name) != at->end() ? std::string(t.schemas.back()->name)
                                                                   : t.module + ":" + t.schemas.back()->name);
          splice(txn, c, t.list, schema, static_cast<uint32_t>(t.pos), 1, {std::move(cur)});
          removed++;
        }
      }
      continue;
    }
    lyd_node *target = nullptr;
    if (lyd_find_path(c.tree, xpath.c_str(), 0, &target) != LY_SUCCESS || !target) {
      ly_err_clean(ctx_, nullptr);
      continue;
    }
    // Positional lists below it go with it (emptied while their parent is
    // still there to check against).
    for (const auto &l : std::vector<std::string>(c.lists_after))
      if (l.rfind(t.restconf + "/", 0) == 0 && list_size(c, l))
        splice(txn, c, l, list_schema(t.module, l), 0, static_cast<uint32_t>(list_size(c, l)), {});
    lyd_free_tree(target);
    removed++;
  }
  if (removed == 0) {
    std::string what = xpaths.empty() ? "" : xpaths.front();
    throw DataError(ErrorCode::kNotFound, "no data at " + what, what, "invalid-value");
  }
  finish(txn);
  return txn;
}

Transaction Datastore::edit(const std::string &module, const std::string &name, const json *config,
                            const std::vector<ListSplice> &splices) const {
  Transaction txn;
  if (!ly_ctx_get_module_implemented(ctx_, module.c_str()))
    throw DataError(ErrorCode::kInvalid, "unknown module " + module, "", "invalid-value");
  if (config && !config->is_null()) {
    json instance = *config;
    if (!instance.is_object()) throw bad_body("the configuration of cube " + name + " must be a JSON object");
    instance["name"] = name;
    // Replace what the cube had, positional lists kept (unless given).
    Transaction::Cube &c = stage(txn, module, name);
    lyd_free_all(c.tree);
    c.tree = nullptr;
    merge_instance(txn, module, std::move(instance), false);
  }
  for (const auto &s : splices) {
    Transaction::Cube &c = stage(txn, module, name);
    const lysc_node *schema = list_schema(module, s.list);
    if (!schema) throw DataError(ErrorCode::kInvalid, "no positional list " + s.list + " in " + module, "", "invalid-value");
    splice(txn, c, s.list, schema, s.pos, s.remove, s.insert);
  }
  if (!txn.find(module, name)) stage(txn, module, name);
  finish(txn);
  return txn;
}

void Datastore::finish(Transaction &txn) const {
  // The splices recorded so far, by cube, in order; the changes are rebuilt
  // below, one per cube.
  std::vector<CubeChange> spliced = std::move(txn.changes_);
  txn.changes_.clear();
  for (auto &c : txn.cubes_) {
    if (c.tree) {
      if (lyd_validate_all(&c.tree, ctx_, LYD_VALIDATE_PRESENT | LYD_VALIDATE_NO_STATE, nullptr) != LY_SUCCESS)
        throw last_error("validation failed", ErrorCode::kInvalid);
      // Positional lists whose parent entry is gone go with it.
      for (const auto &list : std::vector<std::string>(c.lists_after)) {
        auto segs = split_segments(list);
        if (segs.size() < 2) continue;
        std::string parent = c.module + ":" + c.module + "=" + percent_encode(c.name);
        for (size_t i = 0; i + 1 < segs.size(); i++) parent += "/" + segs[i];
        lyd_node *found = nullptr;
        if (lyd_find_path(c.tree, restconf_to_xpath(ctx_, parent).c_str(), 0, &found) == LY_SUCCESS && found) continue;
        ly_err_clean(ctx_, nullptr);
        size_t n = list_size(c, list);
        if (n) {
          c.edits.push_back({list, 0, static_cast<uint32_t>(n), {}});
          spliced.push_back(CubeChange{CubeChange::kUpdate, c.module, c.name, "", false, {ListSplice{list, 0, static_cast<uint32_t>(n), {}}}});
        }
        c.sizes.erase(list);
        c.lists_after.erase(std::find(c.lists_after.begin(), c.lists_after.end(), list));
      }
      for (auto it = c.lists_after.begin(); it != c.lists_after.end();) {
        if (list_size(c, *it) == 0) {
          c.sizes.erase(*it);
          it = c.lists_after.erase(it);
        } else {
          ++it;
        }
      }
      c.printed = std::make_shared<const std::string>(print(c.tree, 0));
    }
  }
  // One change per cube, in module then name order (services are
  // reconciled in that order).
  std::sort(txn.cubes_.begin(), txn.cubes_.end(),
            [](const auto &a, const auto &b) { return std::tie(a.module, a.name) < std::tie(b.module, b.name); });
  for (auto &c : txn.cubes_) {
    CubeChange ch{CubeChange::kUpdate, c.module, c.name, "", true, {}};
    auto old = cubes_.find({c.module, c.name});
    if (!c.tree) {
      if (old == cubes_.end()) continue;
      ch.op = CubeChange::kDelete;
      txn.changes_.push_back(std::move(ch));
      continue;
    }
    ch.json = *c.printed;
    if (old == cubes_.end()) ch.op = CubeChange::kCreate;
    else ch.config_changed = *old->second.printed != *c.printed;
    for (auto &s : spliced)
      if (s.module == c.module && s.name == c.name)
        for (auto &sp : s.splices) ch.splices.push_back(std::move(sp));
    if (ch.op == CubeChange::kCreate || ch.config_changed || !ch.splices.empty()) txn.changes_.push_back(std::move(ch));
  }
}

void Datastore::commit(Transaction &&txn) {
  for (auto &c : txn.cubes_) {
    CubeKey key{c.module, c.name};
    auto it = cubes_.find(key);
    if (!c.tree) {
      if (it != cubes_.end()) {
        lyd_free_all(it->second.tree);
        cubes_.erase(it);
        module_of_.erase(c.name);
      }
      continue;
    }
    StoredCube &s = cubes_[key];
    lyd_free_all(s.tree);
    s.tree = c.tree;
    c.tree = nullptr;
    s.printed = c.printed;
    module_of_[c.name] = c.module;
    for (auto &e : c.edits) {
      auto &v = s.lists[e.list];
      v.erase(v.begin() + e.pos, v.begin() + e.pos + e.remove);
      v.insert(v.begin() + e.pos, std::make_move_iterator(e.insert.begin()), std::make_move_iterator(e.insert.end()));
    }
    for (auto l = s.lists.begin(); l != s.lists.end();) {
      if (l->second.empty()) l = s.lists.erase(l);
      else ++l;
    }
  }
  txn.cubes_.clear();
}

// ---- reads ----

namespace {

// The object of the list's parent in `instance`, by the RESTCONF path
// of the list below the cube ("chain=INGRESS/rule"), or null.
json *list_parent(json &instance, const lysc_node *cube_schema, const std::string &list, const lysc_node **list_node) {
  json *at = &instance;
  const lysc_node *schema = cube_schema;
  auto segs = split_segments(list);
  for (size_t i = 0; i < segs.size(); i++) {
    std::string name = segs[i].substr(0, segs[i].find('='));
    const lysc_node *s = nullptr;
    for (const lysc_node *c = lysc_node_child(schema); c; c = c->next)
      if (name == c->name) s = c;
    if (!s) return nullptr;
    if (i + 1 == segs.size()) {
      *list_node = s;
      return at;
    }
    json *m = member_of(*at, s);
    if (!m) return nullptr;
    if (s->nodetype == LYS_LIST) {
      std::vector<std::pair<std::string, std::string>> keys;
      auto names = key_names(s);
      std::string kv = segs[i].find('=') == std::string::npos ? "" : segs[i].substr(segs[i].find('=') + 1);
      size_t start = 0;
      for (size_t k = 0; k < names.size(); k++) {
        size_t comma = kv.find(',', start);
        keys.emplace_back(names[k], percent_decode(kv.substr(start, comma == std::string::npos ? std::string::npos : comma - start)));
        start = comma == std::string::npos ? kv.size() : comma + 1;
      }
      json *found = nullptr;
      for (auto &e : *m)
        if (entry_matches(e, keys)) found = &e;
      if (!found) return nullptr;
      at = found;
    } else {
      at = m;
    }
    schema = s;
  }
  return nullptr;
}

// Drops members that are empty objects or arrays, depth first.
void prune_empty(json &v) {
  if (v.is_object()) {
    for (auto it = v.begin(); it != v.end();) {
      prune_empty(*it);
      if ((it->is_object() || it->is_array()) && it->empty()) it = v.erase(it);
      else ++it;
    }
  } else if (v.is_array()) {
    for (auto &e : v) prune_empty(e);
  }
}

json entry_with_key(const std::string &text, const std::string &key, size_t pos) {
  json e = json::parse(text);
  json out = json::object();
  out[key] = pos;
  for (auto &[k, v] : e.items()) out[k] = std::move(v);
  return out;
}

}  // namespace

json Datastore::render(const StoredCube &c, const std::string &module) const {
  json instance = instance_of(*c.printed);
  const lysc_node *top = lys_find_child(nullptr, ly_ctx_get_module_implemented(ctx_, module.c_str()), module.c_str(), 0, 0, 0);
  for (const auto &[list, entries] : c.lists) {
    const lysc_node *ln = nullptr;
    json *parent = list_parent(instance, top, list, &ln);
    if (!parent || !ln) continue;
    std::string key = key_names(ln)[0];
    json arr = json::array();
    for (size_t i = 0; i < entries.size(); i++) arr.push_back(entry_with_key(*entries[i], key, i));
    (*parent)[ln->name] = std::move(arr);
  }
  return instance;
}

std::vector<std::pair<std::string, std::string>> Datastore::addressed(const std::string &xpath) const {
  Target t = resolve(xpath);
  std::vector<std::pair<std::string, std::string>> out;
  if (!t.name.empty()) {  // one cube: a lookup, whatever else is configured
    if (cubes_.count({t.module, t.name})) out.emplace_back(t.module, t.name);
    return out;
  }
  for (const auto &[k, _] : cubes_)
    if (t.module.empty() || k.first == t.module) out.push_back(k);
  return out;
}

bool Datastore::exists(const std::string &xpath) const {
  Target t = resolve(xpath);
  if (t.name.empty()) return false;
  auto it = cubes_.find({t.module, t.name});
  if (it == cubes_.end()) return false;
  if (t.steps.empty()) return true;
  if (t.list_step < 0) {
    lyd_node *found = nullptr;
    bool ok = lyd_find_path(it->second.tree, xpath.c_str(), 0, &found) == LY_SUCCESS && found;
    ly_err_clean(ctx_, nullptr);
    return ok;
  }
  auto l = it->second.lists.find(t.list);
  size_t n = l == it->second.lists.end() ? 0 : l->second.size();
  if (t.pos == -1) return n > 0;
  if (t.pos < 0 || static_cast<size_t>(t.pos) >= n) return false;
  json e = json::parse(*l->second[t.pos]);
  json *at = &e;
  for (size_t i = t.list_step + 1; i < t.steps.size() && at; i++) at = member_of(*at, t.schemas[i]);
  return at != nullptr;
}

json Datastore::cube(const std::string &module, const std::string &name, Lists lists) const {
  auto it = cubes_.find({module, name});
  if (it == cubes_.end()) return nullptr;
  if (lists == Lists::kEntries) return render(it->second, module);
  json instance = instance_of(*it->second.printed);
  if (lists == Lists::kSizes) {
    const lysc_node *top = lys_find_child(nullptr, ly_ctx_get_module_implemented(ctx_, module.c_str()), module.c_str(), 0, 0, 0);
    for (const auto &[list, entries] : it->second.lists) {
      const lysc_node *ln = nullptr;
      if (json *parent = list_parent(instance, top, list, &ln); parent && ln) (*parent)[ln->name] = entries.size();
    }
  }
  return instance;
}

std::string Datastore::get(const std::string &xpath, const json *state, bool state_only) const {
  Target t = resolve(xpath);
  if (!xpath.empty() && t.cube_schema && !(t.cube_schema->nodetype == LYS_LIST && t.module == t.cube_schema->name))
    throw DataError(ErrorCode::kNotFound, "no data at " + xpath, xpath, "invalid-value");
  // The document of the addressed cubes: configuration (positional lists
  // rendered, only the addressed entry when one is), state merged in.
  json doc = json::object();
  for (const auto &key : addressed(xpath)) {
    const auto &k = key;
    const StoredCube &c = cubes_.at(key);
    json instance;
    if (state_only) {
      instance = json{{"name", k.second}};
    } else if (t.list_step >= 0 && t.pos >= 0) {
      instance = instance_of(*c.printed);
      auto l = c.lists.find(t.list);
      const lysc_node *ln = nullptr;
      json *parent = l == c.lists.end() ? nullptr : list_parent(instance, t.cube_schema, t.list, &ln);
      if (parent && ln && static_cast<size_t>(t.pos) < l->second.size())
        (*parent)[ln->name] = json::array({entry_with_key(*l->second[t.pos], key_names(ln)[0], t.pos)});
    } else {
      instance = render(c, k.first);
    }
    doc[k.first + ":" + k.first].push_back(std::move(instance));
  }
  if (state && state->is_object() && !state->empty()) {
    if (state_only) {
      json only = json::object();
      for (const auto &[qname, list] : state->items())
        for (const auto &i : list)
          if (doc.contains(qname))
            for (const auto &have : doc[qname])
              if (have.value("name", "") == i.value("name", "")) only[qname].push_back(i);
      doc = std::move(only);
    } else {
      merge_state(ctx_, doc, *state, nullptr, nullptr);
    }
  } else if (state_only) {
    doc = json::object();
  }
  // Containers and lists left empty (state with nothing in it) are not
  // data, as libyang would not print them.
  for (auto &[qname, list] : doc.items())
    for (auto &inst : list) prune_empty(inst);
  if (t.name.empty()) {
    if (!xpath.empty() && doc.empty()) throw DataError(ErrorCode::kNotFound, "no data at " + xpath, xpath, "invalid-value");
    return doc.dump();
  }
  // Down the steps below the cube; a list step without keys selects every
  // entry, and the answer joins what every selected node holds.
  auto it = doc.find(t.module + ":" + t.module);
  std::vector<json *> at;
  if (it != doc.end())
    for (auto &i : *it)
      if (i.value("name", "") == t.name) at.push_back(&i);
  const lysc_node *schema = t.cube_schema;
  std::string member = t.module + ":" + t.module;
  json result = json::array();
  bool as_list = true;
  for (json *a : at) result.push_back(*a);
  for (size_t i = 0; i < t.steps.size(); i++) {
    const PathStep &step = t.steps[i];
    schema = t.schemas[i];
    std::vector<json> next;
    for (auto &node : result) {
      json *m = member_of(node, schema);
      if (!m && schema->nodetype == LYS_CONTAINER && !(schema->flags & LYS_PRESENCE)) {
        next.push_back(json::object());  // a non-presence container always exists
        continue;
      }
      if (!m) continue;
      if (schema->nodetype == LYS_LIST) {
        for (auto &e : *m)
          if (entry_matches(e, step.keys)) next.push_back(std::move(e));
      } else if (schema->nodetype == LYS_LEAFLIST) {
        for (auto &v : *m)
          if (step.keys.empty() || scalar_text(v) == step.keys[0].second) next.push_back(std::move(v));
      } else {
        next.push_back(std::move(*m));
      }
    }
    result = json(std::move(next));
    member = std::string(schema->module->name) + ":" + schema->name;
    as_list = schema->nodetype & (LYS_LIST | LYS_LEAFLIST);
  }
  if (result.empty()) throw DataError(ErrorCode::kNotFound, "no data at " + xpath, xpath, "invalid-value");
  json out = json::object();
  out[member] = as_list ? std::move(result) : std::move(result[0]);
  return out.dump();
}

std::string Datastore::dump() const {
  // Text assembly: every cube's stored print, its positional lists spliced
  // in as text (no parse of the entries).
  std::map<std::string, std::string> per_module;
  for (const auto &[k, c] : cubes_) {
    const std::string &p = *c.printed;
    std::string prefix = "{\"" + k.first + ":" + k.first + "\":[";
    std::string inst = p.substr(prefix.size(), p.size() - prefix.size() - 2);
    if (!c.lists.empty()) {
      json instance = json::parse(inst);
      const lysc_node *top = lys_find_child(nullptr, ly_ctx_get_module_implemented(ctx_, k.first.c_str()), k.first.c_str(), 0, 0, 0);
      std::vector<std::pair<std::string, const std::vector<ListEntry> *>> holes;
      for (const auto &[list, entries] : c.lists) {
        const lysc_node *ln = nullptr;
        json *parent = list_parent(instance, top, list, &ln);
        if (!parent || !ln) continue;
        std::string mark = "\x01" + std::to_string(holes.size()) + "\x01";
        (*parent)[ln->name] = mark;
        holes.emplace_back(key_names(ln)[0], &entries);
      }
      inst = instance.dump();
      for (size_t h = 0; h < holes.size(); h++) {
        std::string mark = json("\x01" + std::to_string(h) + "\x01").dump();
        std::string text = "[";
        const auto &entries = *holes[h].second;
        std::string key = "{\"" + holes[h].first + "\":";
        for (size_t i = 0; i < entries.size(); i++) {
          const std::string &e = *entries[i];
          text += (i ? "," : "") + key + std::to_string(i) + (e.size() > 2 ? "," + e.substr(1) : "}");
        }
        text += "]";
        auto at = inst.find(mark);
        if (at != std::string::npos) inst.replace(at, mark.size(), text);
      }
    }
    std::string &m = per_module[k.first];
    m += (m.empty() ? "" : ",") + inst;
  }
  std::string out = "{";
  bool first = true;
  for (const auto &[module, insts] : per_module) {
    out += (first ? "\"" : ",\"") + module + ":" + module + "\":[" + insts + "]";
    first = false;
  }
  return out + "}";
}

json Datastore::full_config(const Transaction &txn, const CubeChange &change) const {
  for (const auto &c : txn.cubes_) {
    if (c.module != change.module || c.name != change.name || !c.tree) continue;
    StoredCube view;
    view.printed = c.printed;
    for (const auto &list : c.lists_after) view.lists[list] = staged_entries(c, list);
    return render(view, c.module);
  }
  return nullptr;
}

// ---- operations ----

nlohmann::json Datastore::parse_input(const std::string &op_json) const {
  ly_in *in = nullptr;
  if (ly_in_new_memory(op_json.c_str(), &in) != LY_SUCCESS) throw Error(ErrorCode::kKernel, "libyang input");
  lyd_node *tree = nullptr, *op = nullptr;
  LY_ERR rc = lyd_parse_op(ctx_, nullptr, in, LYD_JSON, LYD_TYPE_RPC_YANG, &tree, &op);
  ly_in_free(in, 0);
  // Mandatory leaves and defaults (the operation alone; no data tree needed
  // for what our modules say).
  if (rc == LY_SUCCESS && op) rc = lyd_validate_op(tree, nullptr, LYD_TYPE_RPC_YANG, nullptr);
  if (rc != LY_SUCCESS || !op) {
    lyd_free_all(tree);
    throw last_error("invalid input", ErrorCode::kInvalid);
  }
  json out = json::object();
  char *text = nullptr;
  if (lyd_print_mem(&text, op, LYD_JSON, LYD_PRINT_SHRINK | LYD_PRINT_WD_ALL) == LY_SUCCESS && text) {
    auto printed = json::parse(text, nullptr, false);
    std::free(text);
    if (printed.is_object() && printed.size() == 1 && printed.begin()->is_object())
      for (auto &[k, v] : printed.begin()->items()) out[k.substr(k.find(':') + 1)] = v;
  }
  lyd_free_all(tree);
  return out;
}

nlohmann::json Datastore::parse_action_input(const std::string &module, const std::string &name,
                                             const std::string &path, const nlohmann::json &input) const {
  std::string parent = module + ":" + module + "=" + percent_encode(name), action = path;
  if (auto slash = path.rfind('/'); slash != std::string::npos) {
    parent += "/" + path.substr(0, slash);
    action = path.substr(slash + 1);
  }
  if (!is_api_identifier(action))  // "append=x" would pass is_action, which reads names only
    throw DataError(ErrorCode::kInvalid, "an action is named by its identifier alone, without a key", "",
                    "invalid-value");
  if (!is_action(parent + "/" + action)) throw Error(ErrorCode::kNotFound, "no action " + path + " in " + module);
  // The action's node, and the keys of the path checked against their types.
  std::string schema_path, mod;
  for (const auto &seg : split_segments(parent + "/" + action)) {
    std::string n = seg.substr(0, seg.find('='));
    if (auto c = n.find(':'); c != std::string::npos) mod = n.substr(0, c);
    schema_path += "/" + mod + ":" + strip_module(n);
  }
  const lysc_node *act = lys_find_path(ctx_, nullptr, schema_path.c_str(), 0);
  ly_err_clean(ctx_, nullptr);
  const lysc_node *in_node = act ? &reinterpret_cast<const lysc_node_action *>(act)->input.node : nullptr;
  if (in_node && schema_json::simple(in_node)) {
    // Large inputs (a batch of 100,000 rules) are checked without a tree.
    std::string where = xpath(parent) + "/" + strip_module(action);
    Target t = resolve(xpath(parent));
    for (size_t i = 0; i < t.steps.size(); i++)
      for (const auto &[k, v] : t.steps[i].keys) {
        const lysc_node *ks = lys_find_child(t.schemas[i], t.schemas[i]->module, k.c_str(), 0, 0, 0);
        if (ks && lyd_value_validate(ctx_, ks, v.c_str(), v.size(), nullptr, nullptr, nullptr) != LY_SUCCESS)
          throw last_error("invalid input", ErrorCode::kInvalid);
      }
    return schema_json::check(ctx_, in_node, input.is_object() ? input : json::object(), schema_json::Kind::kInput, where);
  }
  // The action as a child of its parent resource, wrapped up to the root
  // like any RESTCONF body, then parsed as an operation by libyang.
  json body = {{module + ":" + strip_module(action), input.is_object() ? input : json::object()}};
  return parse_input(wrap(parent, body.dump(), true).dump());
}

bool Datastore::is_action(const std::string &restconf_path) const {
  std::string schema_path, module;
  for (const auto &seg : split_segments(restconf_path)) {
    std::string name = seg.substr(0, seg.find('='));
    if (!is_api_identifier(name)) return false;
    if (auto c = name.find(':'); c != std::string::npos) module = name.substr(0, c);
    schema_path += "/" + module + ":" + strip_module(name);
  }
  const lysc_node *sn = lys_find_path(ctx_, nullptr, schema_path.c_str(), 0);
  ly_err_clean(ctx_, nullptr);
  return sn && (sn->nodetype & (LYS_ACTION | LYS_RPC));
}

nlohmann::json Datastore::wrap(const std::string &restconf_path, const std::string &body, bool child,
                               std::string *created) const {
  StrictJson parsed = parse_json(body);  // the daemon's one JSON parser (no duplicates, bounded depth)
  if (!parsed.ok())
    throw DataError(ErrorCode::kInvalid, "the body is not valid JSON: " + parsed.error, "", "malformed-message");
  json &doc = parsed.value;
  if (!doc.is_object() || doc.size() != 1)
    throw bad_body("the body must hold exactly one member: the " + std::string(child ? "new child" : "resource"));
  json root;
  json *at = nullptr;  // the object of the innermost resource
  std::string schema_path, module;
  const lysc_node *sn = nullptr;
  auto segments = split_segments(restconf_path);
  for (size_t i = 0; i < segments.size(); i++) {
    const std::string &seg = segments[i];
    auto eq = seg.find('=');
    std::string name = seg.substr(0, eq);
    if (!is_api_identifier(name)) throw DataError(ErrorCode::kInvalid, "a segment's name is not a node name", "", "unknown-element");
    if (auto c = name.find(':'); c != std::string::npos) module = name.substr(0, c);
    std::string local = strip_module(name);
    schema_path += "/" + module + ":" + local;
    sn = lys_find_path(ctx_, nullptr, schema_path.c_str(), 0);
    ly_err_clean(ctx_, nullptr);
    if (!sn) throw DataError(ErrorCode::kNotFound, "no schema node " + schema_path, schema_path, "invalid-value");
    bool last = i + 1 == segments.size();
    if (last && !child) break;  // the body stands for this node
    if (sn->nodetype == LYS_LIST && eq == std::string::npos)
      throw bad_body("name the entry of list '" + local + "' in the URL (" + local + "=<key>)");
    json node = json::object();
    if (eq != std::string::npos) {
      std::string keys = seg.substr(eq + 1);
      size_t kstart = 0;
      for (const lysc_node *k = lysc_node_child(sn); k && (k->flags & LYS_KEY); k = k->next) {
        size_t comma = keys.find(',', kstart);
        std::string v = percent_decode(keys.substr(kstart, comma == std::string::npos ? std::string::npos : comma - kstart));
        node[k->name] = key_json(k, v);
        kstart = comma == std::string::npos ? keys.size() : comma + 1;
      }
    }
    std::string member = at ? local : module + ":" + local;
    json &slot = at ? (*at)[member] : root[member];
    if (eq != std::string::npos || sn->nodetype == LYS_LIST) {
      slot = json::array({node});
      at = &slot[0];
    } else {
      slot = node;
      at = &slot;
    }
  }
  // The body's member: the resource itself (PUT/PATCH) or a new child (POST).
  const std::string qname = doc.begin().key();
  json &value = doc.begin().value();
  std::string body_module = qname.find(':') == std::string::npos ? "" : qname.substr(0, qname.find(':'));
  std::string body_local = strip_module(qname);
  if (body_module.empty()) throw bad_body("the body's member '" + qname + "' needs its module prefix (RFC 7951)");
  std::string target_path = child ? schema_path + "/" + body_module + ":" + body_local : schema_path;
  const lysc_node *target = lys_find_path(ctx_, nullptr, target_path.c_str(), 0);
  ly_err_clean(ctx_, nullptr);
  if (!child && sn && (body_local != sn->name || body_module != sn->module->name)) target = nullptr;
  if (!target || (!child && target != sn))
    throw bad_body("the body names '" + qname + "', not " + (child ? "a child of this resource" : "this resource"));
  std::string seg_of_target = child ? "" : segments.back();
  if (target->nodetype == LYS_LIST) {
    if (!value.is_array() || value.size() != 1 || !value[0].is_object())
      throw bad_body("'" + qname + "' must be a list of exactly one entry");
    json &entry = value[0];
    std::string keys_in_url = seg_of_target.find('=') == std::string::npos ? "" : seg_of_target.substr(seg_of_target.find('=') + 1);
    std::string made_keys;
    size_t kstart = 0;
    for (const lysc_node *k = lysc_node_child(target); k && (k->flags & LYS_KEY); k = k->next) {
      if (!child) {
        if (keys_in_url.empty()) throw bad_body("name the entry in the URL (" + std::string(k->name) + ")");
        size_t comma = keys_in_url.find(',', kstart);
        std::string want = percent_decode(keys_in_url.substr(kstart, comma == std::string::npos ? std::string::npos : comma - kstart));
        kstart = comma == std::string::npos ? keys_in_url.size() : comma + 1;
        if (entry.contains(k->name) && entry[k->name] != want && entry[k->name].dump() != want)
          throw bad_body("key " + std::string(k->name) + " in the body (" + entry[k->name].dump() +
                         ") differs from the URL (" + want + ")");
        if (!entry.contains(k->name)) entry[k->name] = key_json(k, want);
      } else if (!entry.contains(k->name)) {
        throw bad_body("the new entry of '" + qname + "' needs its key " + std::string(k->name));
      }
      const auto &kv = entry[k->name];
      made_keys += (made_keys.empty() ? "" : ",") + percent_encode(kv.is_string() ? kv.get<std::string>() : kv.dump());
    }
    if (created) *created = restconf_path + (child ? "/" + body_local + "=" + made_keys : "");
  } else if (created) {
    *created = restconf_path + (child ? "/" + body_local : "");
  }
  std::string member = at ? body_local : body_module + ":" + body_local;
  if (at) (*at)[member] = std::move(value);  // a request body is never copied
  else root[member] = std::move(value);
  return root;
}

}  // namespace polycube::daemon

namespace polycube::daemon {

std::map<std::string, std::vector<ListEntry>> Datastore::lists_of(const std::string &module, const std::string &name) const {
  auto it = cubes_.find({module, name});
  return it == cubes_.end() ? std::map<std::string, std::vector<ListEntry>>{} : it->second.lists;
}

std::string Datastore::path_below_cube(const std::string &xpath) const { return resolve(xpath).restconf; }

std::string Datastore::journal_record(const Transaction &txn) const {
  std::string out = "{\"cubes\":[";
  bool first = true;
  auto splices_text = [](const std::vector<const Transaction::ListEdit *> &edits) {
    std::string s = ",\"splices\":[";
    for (size_t i = 0; i < edits.size(); i++) {
      const auto &e = *edits[i];
      s += (i ? ",{" : "{") + std::string("\"list\":") + json(e.list).dump() + ",\"pos\":" + std::to_string(e.pos) +
           ",\"remove\":" + std::to_string(e.remove) + ",\"insert\":[";
      for (size_t k = 0; k < e.insert.size(); k++) s += (k ? "," : "") + *e.insert[k];
      s += "]}";
    }
    return s + "]";
  };
  for (const auto &c : txn.cubes_) {
    auto ch = std::find_if(txn.changes_.begin(), txn.changes_.end(),
                           [&](const CubeChange &x) { return x.module == c.module && x.name == c.name; });
    if (ch == txn.changes_.end()) continue;
    std::string head = "{\"module\":" + json(c.module).dump() + ",\"name\":" + json(c.name).dump();
    auto part = [&](const std::string &body) {
      out += (first ? "" : ",") + head + body + "}";
      first = false;
    };
    if (ch->op == CubeChange::kDelete) {
      part(",\"delete\":true");
      continue;
    }
    // Replay applies a part's leaves, then its splices. Splices of a list
    // whose parent entry this write removed (a chain deleted with its
    // rules) ran while the parent was there: they go first, in a part of
    // their own.
    std::vector<const Transaction::ListEdit *> before, after;
    for (const auto &e : c.edits) (list_parent_staged(c, e.list) ? after : before).push_back(&e);
    if (!before.empty()) part(splices_text(before));
    std::string body;
    if (ch->op == CubeChange::kCreate || ch->config_changed) {
      const std::string &p = *c.printed;
      std::string prefix = "{\"" + c.module + ":" + c.module + "\":[";
      body += ",\"config\":" + p.substr(prefix.size(), p.size() - prefix.size() - 2);
    }
    if (!after.empty()) body += splices_text(after);
    if (!body.empty() || before.empty()) part(body);
  }
  return out + "]}";
}

void Datastore::replay(const std::string &record) {
  json doc = json::parse(record);
  for (const auto &part : doc.at("cubes")) {
    std::string module = part.at("module"), name = part.at("name");
    if (part.value("delete", false)) {
      if (cubes_.count({module, name}))
        commit(remove("/" + module + ":" + module + "[name=" + xpath_quoted(name) + "]"));
      continue;
    }
    std::vector<ListSplice> splices;
    if (part.contains("splices"))
      for (const auto &s : part["splices"]) {
        ListSplice sp{s.at("list"), s.at("pos"), s.at("remove"), {}};
        for (const auto &e : s.at("insert")) sp.insert.push_back(e);
        splices.push_back(std::move(sp));
      }
    const json *config = part.contains("config") ? &part["config"] : nullptr;
    commit(edit(module, name, config, splices));
  }
}

}  // namespace polycube::daemon
