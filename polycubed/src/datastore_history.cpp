// The datastore's part of configuration versions (versions.h): the undo
// record of a transaction, and records staged into one transaction (a
// rollback, a confirmed commit's revert, a declarative apply).
#include <libyang/libyang.h>

#include <algorithm>
#include <functional>
#include <set>

#include "datastore.h"
#include "restconf_path.h"

namespace polycube::daemon {

using nlohmann::json;

namespace {

// `{"mod:mod":[{...}]}` (a cube's stored print) -> the text of `{...}`.
std::string instance_text(const std::string &printed, const std::string &module) {
  size_t prefix = module.size() * 2 + 6;  // {"m:m":[
  return printed.substr(prefix, printed.size() - prefix - 2);
}

std::string part_head(const std::string &module, const std::string &name) {
  return "{\"module\":" + json(module).dump() + ",\"name\":" + json(name).dump();
}

}  // namespace

std::string Datastore::inverse_splices(const Transaction::Cube &c) const {
  // Edits e1..ek took list L0 to Lk; the inverse undoes ek first. What ej
  // removed is L(j-1)[pos, pos+remove), found by mapping each position back
  // through the edits before it (to an entry one of them inserted, or to the
  // committed list): O(k) per entry, never a copy of the list.
  auto stored = cubes_.find({c.module, c.name});
  auto entry_at = [&](const std::string &list, size_t p, size_t before) -> const std::string & {
    for (size_t k = before; k-- > 0;) {
      const auto &e = c.edits[k];
      if (e.list != list || p < e.pos) continue;
      if (p < e.pos + e.insert.size()) return *e.insert[p - e.pos];
      p = p - e.insert.size() + e.remove;
    }
    return *stored->second.lists.at(list).at(p);
  };
  std::string out = "[";
  for (size_t j = c.edits.size(); j-- > 0;) {
    const auto &e = c.edits[j];
    out += out.size() > 1 ? ",{" : "{";
    out += "\"list\":" + json(e.list).dump() + ",\"pos\":" + std::to_string(e.pos) +
           ",\"remove\":" + std::to_string(e.insert.size()) + ",\"insert\":[";
    for (uint32_t i = 0; i < e.remove; i++) out += (i ? "," : "") + entry_at(e.list, e.pos + i, j);
    out += "]}";
  }
  return out + "]";
}

bool Datastore::list_parent_staged(const Transaction::Cube &c, const std::string &list) const {
  size_t slash = list.rfind('/');
  if (slash == std::string::npos) return true;
  std::string xp = restconf_to_xpath(ctx_, c.module + ":" + c.module + "=" + percent_encode(c.name) + "/" + list.substr(0, slash));
  lyd_node *found = nullptr;
  bool ok = c.tree && lyd_find_path(c.tree, xp.c_str(), 0, &found) == LY_SUCCESS && found;
  ly_err_clean(ctx_, nullptr);
  return ok;
}

std::string Datastore::undo_record(const Transaction &txn) const {
  std::string out = "{\"cubes\":[";
  bool first = true;
  auto add = [&](const std::string &part) {
    out += first ? "" : ",";
    out += part;
    first = false;
  };
  for (const auto &ch : txn.changes_) {
    const Transaction::Cube *c = nullptr;
    for (const auto &x : txn.cubes_)
      if (x.module == ch.module && x.name == ch.name) c = &x;
    auto old = cubes_.find({ch.module, ch.name});
    std::string head = part_head(ch.module, ch.name);
    if (ch.op == CubeChange::kCreate || old == cubes_.end()) {
      add(head + ",\"delete\":true}");
      continue;
    }
    if (ch.op == CubeChange::kDelete || !c) {
      add(head + ",\"replace\":" + render(old->second, ch.module).dump() + "}");
      continue;
    }
    if (c->edits.empty()) {
      add(head + ",\"config\":" + instance_text(*old->second.printed, ch.module) + "}");
      continue;
    }
    // Leaves and lists: the inverse splices of lists whose parent entry the
    // change left in place go before the old leaves (which may remove a
    // parent it added), those of lists whose parent it removed after them
    // (the old leaves bring that parent back first).
    Transaction::Cube kept_lists, other_lists;  // the cube's edits, split by list
    kept_lists.module = other_lists.module = c->module;
    kept_lists.name = other_lists.name = c->name;
    for (const auto &e : c->edits) (list_parent_staged(*c, e.list) ? kept_lists : other_lists).edits.push_back(e);
    if (!kept_lists.edits.empty()) add(head + ",\"splices\":" + inverse_splices(kept_lists) + "}");
    if (ch.config_changed) add(head + ",\"config\":" + instance_text(*old->second.printed, ch.module) + "}");
    if (!other_lists.edits.empty()) add(head + ",\"splices\":" + inverse_splices(other_lists) + "}");
  }
  return out + "]}";
}

void Datastore::stage_delete(Transaction &txn, Transaction::Cube &c) const {
  if (!c.tree) return;
  // Its positional lists emptied first, while their parents are there to
  // check against (a later part may create the cube again).
  for (const auto &list : std::vector<std::string>(c.lists_after))
    if (size_t n = list_size(c, list)) splice(txn, c, list, list_schema(c.module, list), 0, static_cast<uint32_t>(n), {});
  lyd_free_all(c.tree);
  c.tree = nullptr;
}

void Datastore::stage_part(Transaction &txn, const json &part) const {
  if (!part.is_object() || !part.contains("module") || !part["module"].is_string() || !part.contains("name") ||
      !part["name"].is_string())
    throw DataError(ErrorCode::kInvalid, "a record part names no cube", "", "invalid-value");
  std::string module = part["module"], name = part["name"];
  const lys_module *m = ly_ctx_get_module_implemented(ctx_, module.c_str());
  const lysc_node *top = m ? lys_find_child(nullptr, m, module.c_str(), 0, 0, 0) : nullptr;
  if (!top || top->nodetype != LYS_LIST)
    throw DataError(ErrorCode::kInvalid, "module " + module + " has no cubes", "", "invalid-value");
  if (part.value("delete", false)) {
    stage_delete(txn, stage(txn, module, name));
    return;
  }
  auto instance_of_part = [&](const char *member) {
    json instance = part[member];
    if (!instance.is_object())
      throw DataError(ErrorCode::kInvalid, "the configuration of cube " + name + " must be an object", "", "invalid-value");
    instance["name"] = name;
    return instance;
  };
  if (part.contains("replace")) {
    merge_instance(txn, module, instance_of_part("replace"), true);
    return;
  }
  if (part.contains("config")) {  // its leaves replaced, positional lists kept
    json instance = instance_of_part("config");
    Transaction::Cube &c = stage(txn, module, name);
    lyd_free_all(c.tree);
    c.tree = nullptr;
    merge_instance(txn, module, std::move(instance), false);
  }
  if (part.contains("splices")) {
    Transaction::Cube &c = stage(txn, module, name);
    for (const auto &s : part["splices"]) {
      std::string list = s.at("list");
      const lysc_node *schema = list_schema(module, list);
      if (!schema) throw DataError(ErrorCode::kInvalid, "no positional list " + list + " in " + module, "", "invalid-value");
      std::vector<json> entries(s.at("insert").begin(), s.at("insert").end());
      splice(txn, c, list, schema, s.at("pos").get<uint32_t>(), s.at("remove").get<uint32_t>(), std::move(entries));
    }
  }
}

bool Datastore::same_as_committed(const Transaction::Cube &c) const {
  auto it = cubes_.find({c.module, c.name});
  if (it == cubes_.end() || !c.tree) return false;
  std::set<std::string> lists(c.lists_after.begin(), c.lists_after.end());
  for (const auto &[l, _] : it->second.lists) lists.insert(l);
  for (const auto &l : lists) {
    std::vector<ListEntry> now = staged_entries(c, l);
    auto s = it->second.lists.find(l);
    size_t n = s == it->second.lists.end() ? 0 : s->second.size();
    if (now.size() != n) return false;
    for (size_t i = 0; i < n; i++)
      if (now[i] != s->second[i] && *now[i] != *s->second[i]) return false;
  }
  return true;
}

Transaction Datastore::stage_records(const std::vector<json> &records) const {
  Transaction txn;
  for (const auto &r : records) {
    if (!r.is_object() || !r.contains("cubes") || !r["cubes"].is_array())
      throw DataError(ErrorCode::kInvalid, "a record without cubes", "", "invalid-value");
    for (const auto &part : r["cubes"]) stage_part(txn, part);
  }
  finish(txn);
  // A cube edited back to what it is (its leaves printed the same, its
  // lists holding the same entries) is no change.
  auto &changes = txn.changes_;
  changes.erase(std::remove_if(changes.begin(), changes.end(),
                               [&](const CubeChange &ch) {
                                 if (ch.op != CubeChange::kUpdate || ch.config_changed) return false;
                                 for (const auto &c : txn.cubes_)
                                   if (c.module == ch.module && c.name == ch.name) return same_as_committed(c);
                                 return false;
                               }),
                changes.end());
  return txn;
}

std::pair<std::string, json> Datastore::staged_cube(const Transaction &txn, const std::string &name) const {
  for (const auto &c : txn.cubes_) {
    if (c.name != name || !c.tree) continue;
    StoredCube view;
    view.printed = c.printed;
    for (const auto &list : c.lists_after) view.lists[list] = staged_entries(c, list);
    json out = render(view, c.module);
    view.tree = nullptr;
    return {c.module, std::move(out)};
  }
  for (const auto &c : txn.cubes_)
    if (c.name == name) return {c.module, nullptr};  // deleted there
  std::string module = module_of(name);
  if (module.empty()) return {"", nullptr};
  return {module, cube(module, name)};
}

std::map<std::string, Datastore::ListShape> Datastore::list_shapes(const std::string &module) const {
  std::map<std::string, ListShape> out;
  const lys_module *m = ly_ctx_get_module_implemented(ctx_, module.c_str());
  const lysc_node *top = m ? lys_find_child(nullptr, m, module.c_str(), 0, 0, 0) : nullptr;
  if (!top) return out;
  auto positional = positional_.find(module);
  std::function<void(const lysc_node *, const std::string &)> walk = [&](const lysc_node *n, const std::string &at) {
    for (; n; n = n->next) {
      if (n->nodetype & (LYS_CHOICE | LYS_CASE)) {
        walk(lysc_node_child(n), at);
        continue;
      }
      if (!(n->flags & LYS_CONFIG_W)) continue;
      std::string here = at.empty() ? n->name : at + "/" + n->name;
      if (n->nodetype == LYS_LIST) {
        ListShape shape;
        for (const lysc_node *k = lysc_node_child(n); k && lysc_is_key(k); k = k->next) shape.keys.push_back(k->name);
        shape.positional = positional != positional_.end() && positional->second.count(here);
        out[here] = std::move(shape);
      }
      if (n->nodetype & (LYS_CONTAINER | LYS_LIST)) walk(lysc_node_child(n), here);
    }
  };
  walk(lysc_node_child(top), "");
  return out;
}

}  // namespace polycube::daemon
