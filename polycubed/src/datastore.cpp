#include "datastore.h"

#include "polycube/base_yang.h"

#include <libyang/libyang.h>

#include <cstdlib>
#include <map>
#include <unordered_map>
#include <nlohmann/json.hpp>

#include "restconf_path.h"
#include "yanggen/yanggen.h"

namespace polycube::daemon {

namespace {

std::string print(const lyd_node *node, uint32_t options) {
  char *out = nullptr;
  if (!node || lyd_print_mem(&out, node, LYD_JSON, options | LYD_PRINT_SHRINK) != LY_SUCCESS || !out)
    return "{}";
  std::string s(out);
  std::free(out);
  return s;
}

// Key of a top-level list instance: its first child (YANG puts keys first).
std::string key_of(const lyd_node *node) {
  const lyd_node *k = lyd_child(node);
  return k ? lyd_get_value(k) : "";
}

// Merges RFC 7951 `src` into `dst` below schema node `parent` (null: the
// root) of module `mod`: containers member by member, list entries matched
// on their keys.
void merge_state(ly_ctx *ctx, nlohmann::json &dst, const nlohmann::json &src, const lysc_node *parent,
                 const lys_module *mod) {
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
      std::vector<std::string> keys;
      for (const lysc_node *c = lysc_node_child(schema); c && lysc_is_key(c); c = c->next) keys.push_back(c->name);
      auto key_of_entry = [&](const nlohmann::json &e) {
        std::string k;
        for (const auto &name : keys) k += (e.contains(name) ? e[name].dump() : "") + "\n";
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

}  // namespace

Transaction::~Transaction() { lyd_free_all(candidate_); }
Transaction::Transaction(Transaction &&o) noexcept : candidate_(o.candidate_), changes_(std::move(o.changes_)) {
  o.candidate_ = nullptr;
}

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
  lyd_free_all(running_);
  ly_ctx_destroy(ctx_);
}

DataError Datastore::last_error(const std::string &what, ErrorCode code) const {
  const ly_err_item *e = ly_err_first(ctx_);
  std::string msg = e && e->msg ? e->msg : "unknown error";
  // libyang 2.1 reports 'Data location "/a:b[name='x']/c", line number 1.':
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
  return mod->name;
}

Transaction Datastore::merge(const std::string &json) const { return replace("", json); }

Transaction Datastore::remove(const std::vector<std::string> &xpaths) const {
  lyd_node *candidate = nullptr;
  if (running_ && lyd_dup_siblings(running_, nullptr, LYD_DUP_RECURSIVE, &candidate) != LY_SUCCESS)
    throw last_error("copy of the running tree", ErrorCode::kKernel);
  size_t removed = 0;
  for (const auto &xpath : xpaths) {
    lyd_node *target = nullptr;
    if (!candidate || lyd_find_path(candidate, xpath.c_str(), 0, &target) != LY_SUCCESS || !target) {
      ly_err_clean(ctx_, nullptr);
      continue;
    }
    if (target == candidate) candidate = candidate->next;  // keep a handle on the rest
    lyd_free_tree(target);
    removed++;
    if (candidate)
      while (candidate->prev != candidate && candidate->prev->next) candidate = candidate->prev;
  }
  if (removed == 0) {
    lyd_free_all(candidate);
    std::string what = xpaths.empty() ? "" : xpaths.front();
    throw DataError(ErrorCode::kNotFound, "no data at " + what, what, "invalid-value");
  }
  return finish(candidate);
}

Transaction Datastore::replace(const std::string &xpath, const std::string &json) const {
  lyd_node *edit = nullptr;
  // Strict: unknown leaves are errors. No state: config false is not writable.
  // Types, ranges and patterns are checked while parsing; the whole tree is
  // validated after the merge (mandatory, leafref, unique, max-elements).
  if (lyd_parse_data_mem(ctx_, json.c_str(), LYD_JSON, LYD_PARSE_STRICT | LYD_PARSE_ONLY | LYD_PARSE_NO_STATE, 0,
                         &edit) != LY_SUCCESS)
    throw last_error("invalid data", ErrorCode::kInvalid);
  lyd_node *candidate = nullptr;
  if (running_ && lyd_dup_siblings(running_, nullptr, LYD_DUP_RECURSIVE, &candidate) != LY_SUCCESS) {
    lyd_free_all(edit);
    throw last_error("copy of the running tree", ErrorCode::kKernel);
  }
  lyd_node *target = nullptr;  // what PUT replaces; a merge (PATCH, POST) replaces nothing
  if (!xpath.empty() && candidate && lyd_find_path(candidate, xpath.c_str(), 0, &target) == LY_SUCCESS && target) {
    if (target == candidate) candidate = candidate->next ? candidate->next : nullptr;
    lyd_free_tree(target);
    if (candidate)
      while (candidate->prev != candidate && candidate->prev->next) candidate = candidate->prev;
  }
  ly_err_clean(ctx_, nullptr);
  if (lyd_merge_siblings(&candidate, edit, LYD_MERGE_DESTRUCT) != LY_SUCCESS) {
    lyd_free_all(candidate);
    throw last_error("merge", ErrorCode::kInvalid);
  }
  return finish(candidate);
}

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
  nlohmann::json out = nlohmann::json::object();
  char *text = nullptr;
  if (lyd_print_mem(&text, op, LYD_JSON, LYD_PRINT_SHRINK | LYD_PRINT_WD_ALL) == LY_SUCCESS && text) {
    auto printed = nlohmann::json::parse(text, nullptr, false);
    std::free(text);
    if (printed.is_object() && printed.size() == 1 && printed.begin()->is_object())
      for (auto &[k, v] : printed.begin()->items()) out[k.substr(k.find(':') + 1)] = v;
  }
  lyd_free_all(tree);
  return out;
}

nlohmann::json Datastore::parse_action_input(const std::string &module, const std::string &name,
                                             const std::string &path, const nlohmann::json &input) const {
  // The action as a child of its parent resource, wrapped up to the root
  // like any RESTCONF body, then parsed as an operation.
  std::string parent = module + ":" + module + "=" + percent_encode(name), action = path;
  if (auto slash = path.rfind('/'); slash != std::string::npos) {
    parent += "/" + path.substr(0, slash);
    action = path.substr(slash + 1);
  }
  if (!is_api_identifier(action))  // "append=x" would pass is_action, which reads names only
    throw DataError(ErrorCode::kInvalid, "an action is named by its identifier alone, without a key", "",
                    "invalid-value");
  if (!is_action(parent + "/" + action)) throw Error(ErrorCode::kNotFound, "no action " + path + " in " + module);
  nlohmann::json body = {{module + ":" + action, input.is_object() ? input : nlohmann::json::object()}};
  return parse_input(wrap(parent, body.dump(), true).dump());
}

namespace {

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

DataError bad_body(const std::string &msg) { return DataError(ErrorCode::kInvalid, msg, "", "invalid-value"); }

std::string strip_module(const std::string &n) { return n.substr(n.find(':') == std::string::npos ? 0 : n.find(':') + 1); }

}  // namespace

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
  auto doc = nlohmann::json::parse(body, nullptr, false);
  if (doc.is_discarded()) throw DataError(ErrorCode::kInvalid, "the body is not JSON", "", "malformed-message");
  if (!doc.is_object() || doc.size() != 1)
    throw bad_body("the body must hold exactly one member: the " + std::string(child ? "new child" : "resource"));
  nlohmann::json root;
  nlohmann::json *at = nullptr;  // the object of the innermost resource
  std::string schema_path, module, top_qname;
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
    nlohmann::json node = nlohmann::json::object();
    if (eq != std::string::npos) {
      std::string keys = seg.substr(eq + 1);
      size_t kstart = 0;
      for (const lysc_node *k = lysc_node_child(sn); k && (k->flags & LYS_KEY); k = k->next) {
        size_t comma = keys.find(',', kstart);
        node[k->name] = percent_decode(keys.substr(kstart, comma == std::string::npos ? std::string::npos : comma - kstart));
        kstart = comma == std::string::npos ? keys.size() : comma + 1;
      }
    }
    std::string member = at ? local : module + ":" + local;
    nlohmann::json &slot = at ? (*at)[member] : root[member];
    if (eq != std::string::npos || sn->nodetype == LYS_LIST) {
      slot = nlohmann::json::array({node});
      at = &slot[0];
    } else {
      slot = node;
      at = &slot;
    }
  }
  // The body's member: the resource itself (PUT/PATCH) or a new child (POST).
  const std::string qname = doc.begin().key();
  nlohmann::json &value = doc.begin().value();
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
    nlohmann::json &entry = value[0];
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
        if (!entry.contains(k->name)) entry[k->name] = want;
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
  if (at) (*at)[member] = value;
  else root[member] = value;
  return root;
}

std::string Datastore::candidate(const Transaction &txn) const {
  lyd_node *first = txn.candidate_;
  if (first)
    while (first->prev != first && first->prev->next) first = first->prev;
  return print(first, LYD_PRINT_WITHSIBLINGS);
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

Transaction Datastore::finish(lyd_node *candidate) const {
  if (candidate) {
    while (candidate->prev != candidate && candidate->prev->next) candidate = candidate->prev;  // first sibling
    if (lyd_validate_all(&candidate, ctx_, LYD_VALIDATE_PRESENT | LYD_VALIDATE_NO_STATE, nullptr) != LY_SUCCESS) {
      DataError e = last_error("validation failed", ErrorCode::kInvalid);
      lyd_free_all(candidate);
      throw e;
    }
  }
  // Which cubes changed: each top-level instance printed and compared with
  // its running counterpart. Linear in the size of the configuration, where
  // lyd_diff_siblings is quadratic in the length of a list (30 s for a
  // cube holding 100,000 firewall rules).
  // (Printed trees also see a leaf set inside a container that so far held
  // only defaults, e.g. fdb/aging-time on a cube created without "fdb", which
  // lyd_diff_siblings without LYD_DIFF_DEFAULTS missed.)
  std::vector<CubeChange> changes;
  auto id_of = [](const lyd_node *n) { return std::string(n->schema->module->name) + "\n" + key_of(n); };
  std::map<std::string, const lyd_node *> before;
  for (const lyd_node *n = running_; n; n = n->next) before[id_of(n)] = n;
  for (const lyd_node *n = candidate; n; n = n->next) {
    CubeChange c{CubeChange::kUpdate, n->schema->module->name, key_of(n), print(n, 0)};
    auto old = before.find(id_of(n));
    if (old == before.end()) c.op = CubeChange::kCreate;
    else if (print(old->second, 0) == c.json) c.json.clear();
    if (old != before.end()) before.erase(old);
    if (!c.json.empty()) changes.push_back(std::move(c));
  }
  for (const lyd_node *n = running_; n; n = n->next)
    if (before.count(id_of(n))) changes.push_back({CubeChange::kDelete, n->schema->module->name, key_of(n), ""});
  return Transaction(candidate, std::move(changes));
}

void Datastore::commit(Transaction &&txn) {
  lyd_free_all(running_);
  running_ = txn.candidate_;
  txn.candidate_ = nullptr;
}

std::string Datastore::get(const std::string &xpath, const std::string &state, bool state_only) const {
  lyd_node *tree = running_;
  lyd_node *combined = nullptr;
  if (state_only) {
    if (!state.empty() && lyd_parse_data_mem(ctx_, state.c_str(), LYD_JSON, LYD_PARSE_ONLY, 0, &combined) != LY_SUCCESS)
      throw last_error("state data from a service", ErrorCode::kKernel);
    tree = combined;
  } else if (!state.empty()) {
    // Configuration and state joined as JSON (list entries matched by their
    // keys through hash maps), then parsed once: lyd_merge_siblings is
    // quadratic in the length of a list (27 s for 100,000 firewall rules).
    nlohmann::json doc = running_ ? nlohmann::json::parse(print(running_, LYD_PRINT_WITHSIBLINGS)) : nlohmann::json::object();
    merge_state(ctx_, doc, nlohmann::json::parse(state), nullptr, nullptr);
    if (lyd_parse_data_mem(ctx_, doc.dump().c_str(), LYD_JSON, LYD_PARSE_ONLY, 0, &combined) != LY_SUCCESS)
      throw last_error("state data from a service", ErrorCode::kKernel);
    tree = combined;
  }
  struct Free {
    lyd_node *n;
    ~Free() { lyd_free_all(n); }
  } guard{combined};
  if (xpath.empty()) return print(tree, LYD_PRINT_WITHSIBLINGS);
  // An XPath may select several nodes (a list without its keys): print each
  // and join the list entries into one document.
  ly_set *set = nullptr;
  if (!tree || lyd_find_xpath(tree, xpath.c_str(), &set) != LY_SUCCESS || !set || set->count == 0) {
    ly_set_free(set, nullptr);
    ly_err_clean(ctx_, nullptr);
    throw DataError(ErrorCode::kNotFound, "no data at " + xpath, xpath, "invalid-value");
  }
  nlohmann::json out = nlohmann::json::object();
  for (uint32_t i = 0; i < set->count; i++) {
    auto one = nlohmann::json::parse(print(set->dnodes[i], 0));
    for (auto &[k, v] : one.items()) {
      if (v.is_array() && out.contains(k)) out[k].insert(out[k].end(), v.begin(), v.end());
      else out[k] = v;
    }
  }
  ly_set_free(set, nullptr);
  return out.dump();
}

}  // namespace polycube::daemon

namespace polycube::daemon {

std::string Datastore::xpath(const std::string &restconf_path) const { return restconf_to_xpath(ctx_, restconf_path); }

}  // namespace polycube::daemon
