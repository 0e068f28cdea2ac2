#include "schema_json.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <libyang/libyang.h>
#include <pcre2.h>

#include <algorithm>
#include <cstring>
#include <functional>
#include <unordered_set>

#include "datastore.h"

namespace polycube::daemon::schema_json {

namespace {

using nlohmann::json;

void for_each_child(const lysc_node *parent, const std::function<void(const lysc_node *)> &f) {
  for (const lysc_node *c = lysc_node_child(parent); c; c = c->next) {
    if (c->nodetype & (LYS_CHOICE | LYS_CASE)) {
      for_each_child(c, f);
      continue;
    }
    f(c);
  }
}

DataError invalid(const std::string &msg, const std::string &path, const std::string &tag = "invalid-value") {
  return DataError(ErrorCode::kInvalid, msg + (path.empty() ? "" : " at " + path), path, tag);
}

std::string scalar_text(const json &v) {
  if (v.is_string()) return v.get<std::string>();
  return v.dump();
}

size_t utf8_length(const std::string &s) {
  size_t n = 0;
  for (unsigned char c : s)
    if ((c & 0xc0) != 0x80) n++;
  return n;
}

bool in_range(const lysc_range *r, uint64_t u, int64_t i, bool is_signed) {
  if (!r) return true;
  LY_ARRAY_COUNT_TYPE k;
  LY_ARRAY_FOR(r->parts, k) {
    if (is_signed ? (i >= r->parts[k].min_64 && i <= r->parts[k].max_64)
                  : (u >= r->parts[k].min_u64 && u <= r->parts[k].max_u64))
      return true;
  }
  return false;
}

bool pattern_matches(const lysc_pattern *p, const std::string &v) {
  thread_local pcre2_match_data *md = pcre2_match_data_create(1, nullptr);
  int rc = pcre2_match(p->code, reinterpret_cast<PCRE2_SPTR>(v.data()), v.size(), 0, 0, md, nullptr);
  return rc >= 0;
}

// One leaf value against its type; throws DataError.
struct Where;
std::string where_text(const Where &w);

void check_value(const ly_ctx *ctx, const lysc_node *leaf, const lysc_type *type, const json &v, const Where &at) {
  auto fail = [&](const std::string &msg) { throw invalid(msg, where_text(at)); };
  switch (type->basetype) {
    case LY_TYPE_STRING: {
      if (!v.is_string()) fail("Invalid non-string-encoded string value \"" + v.dump() + "\".");
      const std::string &s = v.get_ref<const std::string &>();
      const auto *t = reinterpret_cast<const lysc_type_str *>(type);
      if (t->length && !in_range(t->length, utf8_length(s), 0, false))
        fail(t->length->emsg ? t->length->emsg : "Unsatisfied length - string \"" + s + "\" length is not allowed.");
      LY_ARRAY_COUNT_TYPE u;
      LY_ARRAY_FOR(t->patterns, u) {
        const lysc_pattern *p = t->patterns[u];
        if (pattern_matches(p, s) == static_cast<bool>(p->inverted))
          fail(p->emsg ? p->emsg
                       : "Unsatisfied pattern - \"" + s + "\" does not conform to " + (p->inverted ? "inverted " : "") +
                             "\"" + p->expr + "\".");
      }
      return;
    }
    case LY_TYPE_ENUM: {
      if (!v.is_string()) fail("Invalid non-string-encoded enumeration value \"" + v.dump() + "\".");
      const std::string &s = v.get_ref<const std::string &>();
      const auto *t = reinterpret_cast<const lysc_type_enum *>(type);
      LY_ARRAY_COUNT_TYPE u;
      LY_ARRAY_FOR(t->enums, u) {
        if (s == t->enums[u].name) return;
      }
      throw invalid("Invalid enumeration value \"" + s + "\".", where_text(at));
    }
    case LY_TYPE_BOOL:
      if (!v.is_boolean()) fail("Invalid non-boolean-encoded boolean value \"" + scalar_text(v) + "\".");
      return;
    case LY_TYPE_EMPTY:
      if (!(v.is_array() && v.size() == 1 && v[0].is_null())) fail("Invalid empty value \"" + v.dump() + "\".");
      return;
    case LY_TYPE_INT8:
    case LY_TYPE_INT16:
    case LY_TYPE_INT32:
    case LY_TYPE_UINT8:
    case LY_TYPE_UINT16:
    case LY_TYPE_UINT32: {
      static const struct {
        int64_t lo;
        uint64_t hi;
        const char *name;
      } bounds[] = {{INT8_MIN, INT8_MAX, "int8"},     {INT16_MIN, INT16_MAX, "int16"}, {INT32_MIN, INT32_MAX, "int32"},
                    {0, 0, ""},                       {0, UINT8_MAX, "uint8"},         {0, UINT16_MAX, "uint16"},
                    {0, UINT32_MAX, "uint32"}};
      bool is_signed = type->basetype >= LY_TYPE_INT8;
      const auto &b = bounds[is_signed ? type->basetype - LY_TYPE_INT8 : type->basetype - LY_TYPE_UINT8 + 4];
      if (!v.is_number_integer()) fail("Invalid non-number-encoded " + std::string(b.name) + " value \"" + scalar_text(v) + "\".");
      bool ok = v.is_number_unsigned() ? v.get<uint64_t>() <= b.hi
                                       : v.get<int64_t>() >= b.lo && (v.get<int64_t>() < 0 || uint64_t(v.get<int64_t>()) <= b.hi);
      if (!ok) fail("Value \"" + v.dump() + "\" is out of type " + b.name + " min/max bounds.");
      const auto *t = reinterpret_cast<const lysc_type_num *>(type);
      uint64_t u = v.is_number_unsigned() ? v.get<uint64_t>() : static_cast<uint64_t>(v.get<int64_t>());
      if (!in_range(t->range, u, v.get<int64_t>(), is_signed))
        fail(t->range->emsg ? t->range->emsg : "Unsatisfied range - value \"" + v.dump() + "\" is out of the allowed range.");
      return;
    }
    default: {
      // Unions, 64-bit integers, decimal64, bits, binary, identityref:
      // libyang's own check of the value.
      if (v.is_object() || v.is_array()) fail("Invalid value \"" + v.dump() + "\".");
      std::string s = scalar_text(v);
      if (lyd_value_validate(ctx, leaf, s.c_str(), s.size(), nullptr, nullptr, nullptr) != LY_SUCCESS) {
        const char *m = ly_errmsg(ctx);
        std::string msg = m ? m : "Invalid value \"" + s + "\".";
        ly_err_clean(const_cast<ly_ctx *>(ctx), nullptr);
        fail(msg);
      }
    }
  }
}

const lysc_type *type_of(const lysc_node *n) {
  return n->nodetype == LYS_LEAF ? reinterpret_cast<const lysc_node_leaf *>(n)->type
                                 : reinterpret_cast<const lysc_node_leaflist *>(n)->type;
}

// A default value (canonical string) as its RFC 7951 JSON value.
json json_default(const lysc_node *leaf, const char *canonical) {
  switch (type_of(leaf)->basetype) {
    case LY_TYPE_BOOL: return std::string(canonical) == "true";
    case LY_TYPE_INT8:
    case LY_TYPE_INT16:
    case LY_TYPE_INT32: return std::stoll(canonical);
    case LY_TYPE_UINT8:
    case LY_TYPE_UINT16:
    case LY_TYPE_UINT32: return std::stoull(canonical);
    case LY_TYPE_EMPTY: return json::array({nullptr});
    default: return std::string(canonical);
  }
}

std::string key_predicates(const lysc_node *list, const json &entry) {
  std::string out;
  for (const lysc_node *k = lysc_node_child(list); k && lysc_is_key(k); k = k->next)
    out += "[" + std::string(k->name) + "='" + (entry.contains(k->name) ? scalar_text(entry[k->name]) : "") + "']";
  return out;
}

// Where a value is, kept on the stack and spelled out only for an error
// message (building a path string per rule costs more than checking it).
struct Where {
  const Where *parent;
  const std::string *root;     // the first step: a path given by the caller
  const lysc_node *node;       // a member, or
  const json *entry;           // an entry of list `node`
  std::string text() const {
    std::string out = parent ? parent->text() : (root ? *root : "");
    if (entry) return out + key_predicates(node, *entry);
    if (node) return out + "/" + node->name;
    return out;
  }
};

// Children of a schema node, flattened, with what an absent one implies.
struct Children {
  std::vector<const lysc_node *> all;
  std::vector<const lysc_node *> absent;  // mandatory, min-elements, defaults, or a container holding those
};

class Checker {
 public:
  Checker(const ly_ctx *ctx, Kind kind) : ctx_(ctx), kind_(kind) {}

  void object(const lysc_node *parent, json &obj, const Where &at, bool skip_keys) {
    const Children &ch = children(parent);
    for (auto it = obj.begin(); it != obj.end();) {
      const std::string &member = it.key();
      const char *local = member.c_str();
      bool prefixed = false;
      if (auto c = member.find(':'); c != std::string::npos) {
        local += c + 1;
        prefixed = true;
      }
      const lysc_node *schema = nullptr;
      for (const lysc_node *c : ch.all)
        if (std::strcmp(c->name, local) == 0 &&
            (!prefixed || member.compare(0, std::strlen(c->module->name), c->module->name) == 0)) {
          schema = c;
          break;
        }
      Where here{&at, nullptr, schema, nullptr};
      if (!schema) {
        Where named{&at, nullptr, nullptr, nullptr};
        throw invalid("Node \"" + std::string(local) + "\" not found as a child of \"" + parent->name + "\" node.",
                      named.text() + "/" + local, "unknown-element");
      }
      if (skip_keys && lysc_is_key(schema)) {
        ++it;
        continue;
      }
      if (kind_ == Kind::kData && (schema->flags & LYS_CONFIG_R))
        throw invalid("Invalid state data node \"" + std::string(local) + "\" found.", here.text());
      member_value(schema, *it, here);
      if (prefixed && schema->module == parent->module) {  // unprefixed in the answer
        json v = std::move(*it);
        std::string name = local;
        it = obj.erase(it);
        obj[name] = std::move(v);
        continue;
      }
      ++it;
    }
    for (const lysc_node *c : ch.absent) {
      if (obj.contains(c->name)) continue;
      Where here{&at, nullptr, c, nullptr};
      if ((c->flags & LYS_MAND_TRUE) && (c->nodetype & (LYS_LEAF | LYS_ANYDATA)))
        throw invalid("Mandatory node \"" + std::string(c->name) + "\" instance does not exist.", here.text(),
                      "missing-element");
      if (c->nodetype == LYS_LIST)
        throw invalid("Too few \"" + std::string(c->name) + "\" instances.", here.text(), "missing-element");
      if (c->nodetype == LYS_CONTAINER) {
        json inner = json::object();
        object(c, inner, here, false);
        if (!inner.empty()) obj[c->name] = std::move(inner);
      } else if (kind_ == Kind::kInput && c->nodetype == LYS_LEAF) {
        const auto *leaf = reinterpret_cast<const lysc_node_leaf *>(c);
        obj[c->name] = json_default(c, lyd_value_get_canonical(c->module->ctx, leaf->dflt));
      }
    }
  }

 private:
  void member_value(const lysc_node *schema, json &v, const Where &at) {
    switch (schema->nodetype) {
      case LYS_LEAF:
        check_value(ctx_, schema, type_of(schema), v, at);
        return;
      case LYS_LEAFLIST: {
        if (!v.is_array()) throw invalid("leaf-list \"" + std::string(schema->name) + "\" must be a JSON array", at.text());
        const auto *ll = reinterpret_cast<const lysc_node_leaflist *>(schema);
        for (const auto &e : v) check_value(ctx_, schema, ll->type, e, at);
        if (v.size() > ll->max) throw invalid("Too many \"" + std::string(schema->name) + "\" instances.", at.text());
        return;
      }
      case LYS_CONTAINER:
        if (!v.is_object()) throw invalid("container \"" + std::string(schema->name) + "\" must be a JSON object", at.text());
        object(schema, v, at, false);
        return;
      case LYS_LIST: {
        if (!v.is_array()) throw invalid("list \"" + std::string(schema->name) + "\" must be a JSON array", at.text());
        const auto *l = reinterpret_cast<const lysc_node_list *>(schema);
        std::vector<const lysc_node *> keys;
        for (const lysc_node *k = lysc_node_child(schema); k && lysc_is_key(k); k = k->next) keys.push_back(k);
        // One integer key (the common case: ids, positions) is checked for
        // duplicates as a number, others as text.
        std::unordered_set<int64_t> ints;
        std::unordered_set<std::string> texts;
        for (auto &e : v) {
          if (!e.is_object())
            throw invalid("an entry of list \"" + std::string(schema->name) + "\" must be a JSON object", at.text());
          Where entry{&at, nullptr, schema, &e};
          bool dup = false;
          if (keys.size() == 1 && e.contains(keys[0]->name) && e[keys[0]->name].is_number_integer()) {
            dup = !ints.insert(e[keys[0]->name].get<int64_t>()).second;
          } else if (!(schema->flags & LYS_KEYLESS)) {
            std::string k;
            for (const lysc_node *key : keys) {
              if (!e.contains(key->name))
                throw invalid("List instance is missing its key \"" + std::string(key->name) + "\".", at.text());
              k += scalar_text(e[key->name]) + '\0';
            }
            dup = !texts.insert(k).second;
          }
          if (dup)
            throw DataError(ErrorCode::kExists, "Duplicate instance of \"" + std::string(schema->name) + "\" at " + entry.text(),
                            entry.text(), "data-exists");
          object(schema, e, entry, false);
        }
        if (v.size() > l->max) throw invalid("Too many \"" + std::string(schema->name) + "\" instances.", at.text());
        if (v.size() < l->min) throw invalid("Too few \"" + std::string(schema->name) + "\" instances.", at.text(), "missing-element");
        return;
      }
      default:
        throw invalid("\"" + std::string(schema->name) + "\" cannot be written", at.text());
    }
  }

  const Children &children(const lysc_node *parent) {
    auto it = cache_.find(parent);
    if (it != cache_.end()) return it->second;
    Children c;
    for_each_child(parent, [&](const lysc_node *n) {
      c.all.push_back(n);
      if (kind_ == Kind::kData && (n->flags & LYS_CONFIG_R)) return;
      bool absent = ((n->flags & LYS_MAND_TRUE) && (n->nodetype & (LYS_LEAF | LYS_ANYDATA))) ||
                    (n->nodetype == LYS_LIST && reinterpret_cast<const lysc_node_list *>(n)->min > 0) ||
                    (kind_ == Kind::kInput && n->nodetype == LYS_LEAF && reinterpret_cast<const lysc_node_leaf *>(n)->dflt) ||
                    (n->nodetype == LYS_CONTAINER && !(n->flags & LYS_PRESENCE) && !children(n).absent.empty());
      if (absent) c.absent.push_back(n);
    });
    return cache_.emplace(parent, std::move(c)).first->second;
  }

  const ly_ctx *ctx_;
  Kind kind_;
  std::unordered_map<const lysc_node *, Children> cache_;
};

std::string where_text(const Where &w) { return w.text(); }

bool simple_node(const lysc_node *n) {
  if (lysc_node_musts(n) || lysc_node_when(n)) return false;
  if (n->nodetype & (LYS_CHOICE | LYS_CASE | LYS_ANYDATA | LYS_ANYXML)) return false;
  if (n->nodetype & (LYS_LEAF | LYS_LEAFLIST)) {
    LY_DATA_TYPE t = type_of(n)->basetype;
    if (t == LY_TYPE_LEAFREF || t == LY_TYPE_INST || t == LY_TYPE_UNION || t == LY_TYPE_IDENT) return false;
  }
  if (n->nodetype == LYS_LIST && LY_ARRAY_COUNT(reinterpret_cast<const lysc_node_list *>(n)->uniques)) return false;
  for (const lysc_node *c = lysc_node_child(n); c; c = c->next)
    if (!simple_node(c)) return false;
  return true;
}

void print_value(std::string &out, const json &v, const lysc_node *schema);

void print_object(std::string &out, const json &obj, const lysc_node *schema) {
  out += '{';
  bool first = true;
  size_t matched = 0;
  std::vector<const std::string *> done;
  auto emit = [&](const std::string &member, const json &value, const lysc_node *s) {
    if (!first) out += ',';
    first = false;
    out += json(member).dump();
    out += ':';
    print_value(out, value, s);
  };
  if (schema) {
    for_each_child(schema, [&](const lysc_node *c) {
      if (matched == obj.size()) return;
      auto it = obj.find(c->name);
      if (it == obj.end()) it = obj.find(std::string(c->module->name) + ":" + c->name);
      if (it == obj.end()) return;
      matched++;
      done.push_back(&it.key());
      emit(it.key(), it.value(), c);
    });
  }
  if (matched < obj.size())
    for (const auto &item : obj.items()) {
      const std::string &member = item.key();  // not a structured binding: clang 14 (fuzz build) cannot capture one
      if (std::none_of(done.begin(), done.end(), [&](const std::string *d) { return *d == member; }))
        emit(member, item.value(), schema ? child_named(schema, member) : nullptr);
    }
  out += '}';
}

void print_value(std::string &out, const json &v, const lysc_node *schema) {
  if (v.is_object()) {
    print_object(out, v, schema);
  } else if (v.is_array() && schema && (schema->nodetype & LYS_LIST)) {
    out += '[';
    for (size_t i = 0; i < v.size(); i++) {
      if (i) out += ',';
      print_value(out, v[i], schema);
    }
    out += ']';
  } else {
    out += v.dump();
  }
}

}  // namespace

const lysc_node *child_named(const lysc_node *parent, const std::string &member) {
  std::string mod, name = member;
  if (auto c = member.find(':'); c != std::string::npos) {
    mod = member.substr(0, c);
    name = member.substr(c + 1);
  }
  const lysc_node *found = nullptr;
  for_each_child(parent, [&](const lysc_node *c) {
    if (!found && name == c->name && (mod.empty() ? c->module == parent->module : mod == c->module->name)) found = c;
  });
  return found;
}

bool simple(const lysc_node *parent) {
  for (const lysc_node *c = lysc_node_child(parent); c; c = c->next)
    if (!simple_node(c)) return false;
  return true;
}

void check_in_place(const ly_ctx *ctx, const lysc_node *parent, json &object, Kind kind, const std::string &where,
                    bool skip_keys) {
  if (!object.is_object()) throw invalid("expected a JSON object", where);
  Checker checker(ctx, kind);
  Where at{nullptr, &where, nullptr, nullptr};
  checker.object(parent, object, at, skip_keys);
}

json check(const ly_ctx *ctx, const lysc_node *parent, const json &object, Kind kind, const std::string &where,
           bool skip_keys) {
  json out = object;
  check_in_place(ctx, parent, out, kind, where, skip_keys);
  return out;
}

std::string print_ordered(const json &doc, const lysc_node *node) {
  std::string out;
  out.reserve(256);
  out += '{';
  bool first = true;
  for (const auto &[member, value] : doc.items()) {
    if (!first) out += ',';
    first = false;
    out += json(member).dump();
    out += ':';
    print_value(out, value, node);
  }
  out += '}';
  return out;
}

void jit_patterns(const lys_module *module) {
  if (!module || !module->compiled) return;
  auto jit_type = [](const lysc_type *t) {
    if (t->basetype != LY_TYPE_STRING) return;
    const auto *s = reinterpret_cast<const lysc_type_str *>(t);
    LY_ARRAY_COUNT_TYPE u;
    LY_ARRAY_FOR(s->patterns, u) {
      if (s->patterns[u]->code) pcre2_jit_compile(s->patterns[u]->code, PCRE2_JIT_COMPLETE);
    }
  };
  std::function<void(const lysc_node *)> walk = [&](const lysc_node *n) {
    for (; n; n = n->next) {
      if (n->nodetype & (LYS_LEAF | LYS_LEAFLIST)) jit_type(type_of(n));
      if (n->nodetype & (LYS_RPC | LYS_ACTION)) {
        const auto *a = reinterpret_cast<const lysc_node_action *>(n);
        walk(a->input.child);
        walk(a->output.child);
      }
      walk(lysc_node_child(n));
      for (const lysc_node_action *a = lysc_node_actions(n); a; a = reinterpret_cast<const lysc_node_action *>(a->next)) {
        walk(a->input.child);
        walk(a->output.child);
      }
    }
  };
  walk(module->compiled->data);
  for (const lysc_node_action *r = module->compiled->rpcs; r; r = reinterpret_cast<const lysc_node_action *>(r->next)) {
    walk(r->input.child);
    walk(r->output.child);
  }
}

}  // namespace polycube::daemon::schema_json
