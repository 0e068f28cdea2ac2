#include "schema.h"

#include <libyang/libyang.h>

#include <cstdlib>
#include <cstring>
#include <map>
#include <stdexcept>

#include "cli_error.h"

namespace pcn {

Schema::Schema(const std::string &service, ModuleSource source) : service_(service), source_(std::move(source)) {
  if (ly_ctx_new(nullptr, LY_CTX_NO_YANGLIBRARY, &ctx_) != LY_SUCCESS) throw std::runtime_error("libyang");
  ly_log_options(LY_LOSTORE_LAST);
  // Imports (polycube-base) come from the same source.
  ly_ctx_set_module_imp_clb(
      ctx_,
      [](const char *name, const char *, const char *, const char *, void *user, LYS_INFORMAT *format,
         const char **data, ly_module_imp_data_free_clb *free_clb) -> LY_ERR {
        auto text = (*static_cast<ModuleSource *>(user))(name);
        if (!text) return LY_ENOTFOUND;
        *format = LYS_IN_YANG;
        *data = strdup(text->c_str());
        *free_clb = [](void *d, void *) { free(d); };
        return LY_SUCCESS;
      },
      &source_);
  auto text = source_(service);
  if (!text) {
    ly_ctx_destroy(ctx_);
    throw std::runtime_error("the daemon has no module for service '" + service + "'");
  }
  if (lys_parse_mem(ctx_, text->c_str(), LYS_IN_YANG, &mod_) != LY_SUCCESS) {
    std::string msg = "cannot parse module " + service + ": " + ly_errmsg(ctx_);
    ly_ctx_destroy(ctx_);
    throw std::runtime_error(msg);
  }
}

Schema::~Schema() {
  lyd_free_all(data_);
  ly_ctx_destroy(ctx_);
}

const lysc_node *Schema::top() const { return lys_find_child(nullptr, mod_, service_.c_str(), 0, 0, 0); }

const lysc_node *Schema::child(const lysc_node *parent, const std::string &name) const {
  return lys_find_child(parent, mod_, name.c_str(), 0, 0, 0);
}

void Schema::set(const std::string &xpath, const char *value, const std::string &word) {
  lyd_node *created = nullptr;
  if (lyd_new_path(data_, ctx_, xpath.c_str(), value, LYD_NEW_PATH_UPDATE, &created) != LY_SUCCESS)
    throw UsageError("bad value for '" + word + "': " + ly_errmsg(ctx_));
  if (!data_ && created) {
    data_ = created;
    while (lyd_parent(data_)) data_ = lyd_parent(data_);
  }
}

std::string Schema::body() const {
  char *out = nullptr;
  lyd_print_mem(&out, data_, LYD_JSON, LYD_PRINT_WITHSIBLINGS | LYD_PRINT_SHRINK);
  std::string s = out ? out : "{}";
  std::free(out);
  return s;
}

void Schema::clear() {
  lyd_free_all(data_);
  data_ = nullptr;
}

std::vector<std::string> keys_of(const lysc_node *list) {
  std::vector<std::string> out;
  for (const lysc_node *k = lysc_node_child(list); k && lysc_is_key(k); k = k->next) out.push_back(k->name);
  return out;
}

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

}  // namespace pcn
