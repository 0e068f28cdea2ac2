// YANG module -> OpenAPI 3.0 paths and schemas for its RESTCONF resources
// (the URLs of DESIGN.md): the cube list instance, every container and list
// below it, and every action. Schemas carry the YANG constraints a client
// can check: lengths, patterns, ranges, enums, read-only.
#include <libyang/libyang.h>

#include <functional>

#include "yanggen/yanggen.h"

namespace yanggen {

namespace {

using nlohmann::json;

void for_each_child(const lysc_node *first, const std::function<void(const lysc_node *)> &f) {
  for (const lysc_node *c = first; c; c = c->next) {
    if (c->nodetype & (LYS_CHOICE | LYS_CASE)) for_each_child(lysc_node_child(c), f);
    else f(c);
  }
}

json range_limits(const lysc_range *r, bool is_signed, const char *lo, const char *hi, json &s) {
  if (!r || !r->parts) return s;
  LY_ARRAY_COUNT_TYPE n = LY_ARRAY_COUNT(r->parts);
  if (is_signed) {
    s[lo] = r->parts[0].min_64;
    s[hi] = r->parts[n - 1].max_64;
  } else {
    s[lo] = r->parts[0].min_u64;
    s[hi] = r->parts[n - 1].max_u64;
  }
  return s;
}

json type_schema(const lysc_type *t) {
  json s;
  switch (t->basetype) {
    case LY_TYPE_STRING: {
      auto *st = reinterpret_cast<const lysc_type_str *>(t);
      s = {{"type", "string"}};
      range_limits(st->length, false, "minLength", "maxLength", s);
      if (st->patterns && LY_ARRAY_COUNT(st->patterns) > 0 && !st->patterns[0]->inverted)
        s["pattern"] = "^(" + std::string(st->patterns[0]->expr) + ")$";  // YANG patterns are anchored
      return s;
    }
    case LY_TYPE_BOOL: return {{"type", "boolean"}};
    case LY_TYPE_EMPTY: return {{"type", "array"}, {"items", {{"nullable", true}}}, {"maxItems", 1}};
    case LY_TYPE_ENUM: {
      auto *e = reinterpret_cast<const lysc_type_enum *>(t);
      json names = json::array();
      LY_ARRAY_COUNT_TYPE i;
      LY_ARRAY_FOR(e->enums, i) names.push_back(e->enums[i].name);
      return {{"type", "string"}, {"enum", names}};
    }
    case LY_TYPE_INT8:
    case LY_TYPE_INT16:
    case LY_TYPE_INT32:
      s = {{"type", "integer"}, {"format", "int32"}};
      return range_limits(reinterpret_cast<const lysc_type_num *>(t)->range, true, "minimum", "maximum", s);
    case LY_TYPE_UINT8:
    case LY_TYPE_UINT16:
    case LY_TYPE_UINT32:
      s = {{"type", "integer"}, {"format", "int64"}, {"minimum", 0}};
      return range_limits(reinterpret_cast<const lysc_type_num *>(t)->range, false, "minimum", "maximum", s);
    case LY_TYPE_INT64:
    case LY_TYPE_UINT64:
      // RFC 7951: 64-bit numbers travel as strings.
      return {{"type", "string"}, {"pattern", t->basetype == LY_TYPE_UINT64 ? "^[0-9]+$" : "^-?[0-9]+$"}};
    case LY_TYPE_DEC64: return {{"type", "string"}, {"pattern", "^-?[0-9]+(\\.[0-9]+)?$"}};
    case LY_TYPE_LEAFREF: return type_schema(reinterpret_cast<const lysc_type_leafref *>(t)->realtype);
    default: return json::object();  // union, identityref, ...: any
  }
}

class Builder {
 public:
  explicit Builder(const lys_module *mod) : mod_(mod) {}

  json run() {
    paths_ = json::object();
    schemas_ = json::object();
    for (const lysc_node *n = mod_->compiled ? mod_->compiled->data : nullptr; n; n = n->next) {
      if (!(n->nodetype & (LYS_LIST | LYS_CONTAINER))) continue;
      std::string q = std::string(mod_->name) + ":" + n->name;
      walk(n, "/restconf/data/" + q, camel(mod_->name) + camel(n->name == std::string(mod_->name) ? "" : n->name),
           json::array(), q, true);
    }
    // Top-level RPCs: POST /restconf/operations/<module>:<rpc>.
    const lysc_node_action *rpc = mod_->compiled ? mod_->compiled->rpcs : nullptr;
    for (; rpc; rpc = reinterpret_cast<const lysc_node_action *>(rpc->next)) {
      json in = json::object();
      json required = json::array();
      for_each_child(rpc->input.child, [&](const lysc_node *c) {
        if (c->nodetype != LYS_LEAF) return;
        in[c->name] = type_schema(reinterpret_cast<const lysc_node_leaf *>(c)->type);
        if (c->flags & LYS_MAND_TRUE) required.push_back(c->name);
      });
      json input = {{"type", "object"}, {"properties", in}};
      if (!required.empty()) input["required"] = required;
      paths_["/restconf/operations/" + std::string(mod_->name) + ":" + rpc->name]["post"] = {
          {"summary", rpc->dsc ? rpc->dsc : std::string("RPC ") + rpc->name},
          {"requestBody",
           {{"required", true},
            {"content",
             {{"application/yang-data+json",
               {{"schema", {{"type", "object"}, {"properties", {{std::string(mod_->name) + ":input", input}}}}}}}}}}},
          {"responses", responses(204)}};
    }
    return {{"paths", paths_}, {"components", {{"schemas", schemas_}}}};
  }

 private:
  // The object schema of a container/list entry; registers it and returns a $ref.
  json object_schema(const lysc_node *node, const std::string &name) {
    json props = json::object(), required = json::array();
    for_each_child(lysc_node_child(node), [&](const lysc_node *c) {
      json s;
      if (c->nodetype == LYS_LEAF) {
        s = type_schema(reinterpret_cast<const lysc_node_leaf *>(c)->type);
        if (c->flags & (LYS_KEY | LYS_MAND_TRUE)) required.push_back(c->name);
        auto *leaf = reinterpret_cast<const lysc_node_leaf *>(c);
        if (leaf->dflt) s["default"] = lyd_value_get_canonical(mod_->ctx, leaf->dflt);
      } else if (c->nodetype == LYS_LEAFLIST) {
        s = {{"type", "array"}, {"items", type_schema(reinterpret_cast<const lysc_node_leaflist *>(c)->type)}};
      } else if (c->nodetype == LYS_CONTAINER) {
        s = object_schema(c, name + camel(c->name));
      } else if (c->nodetype == LYS_LIST) {
        s = {{"type", "array"}, {"items", object_schema(c, name + camel(c->name))}};
      } else {
        return;
      }
      if (c->dsc) s["description"] = c->dsc;
      if (c->flags & LYS_CONFIG_R) s["readOnly"] = true;
      if (s.contains("$ref") && (s.contains("description") || s.contains("readOnly")))
        s = {{"allOf", {{{"$ref", s["$ref"]}}}}, {"description", s.value("description", "")},
             {"readOnly", s.value("readOnly", false)}};
      props[c->name] = s;
    });
    json obj = {{"type", "object"}, {"properties", props}};
    if (!required.empty()) obj["required"] = required;
    if (node->dsc) obj["description"] = node->dsc;
    schemas_[name] = obj;
    return {{"$ref", "#/components/schemas/" + name}};
  }

  static json errors_response() {
    return {{"description", "RFC 8040 error"},
            {"content",
             {{"application/yang-data+json",
               {{"schema", {{"$ref", "#/components/schemas/RestconfErrors"}}}}}}}};
  }

  json responses(int ok, const json &schema = nullptr) {
    json r = {{std::to_string(ok), {{"description", ok == 204 ? "done" : ok == 201 ? "created" : "the data"}}},
              {"400", errors_response()},
              {"404", errors_response()},
              {"409", errors_response()}};
    if (!schema.is_null())
      r[std::to_string(ok)]["content"] = {{"application/yang-data+json", {{"schema", schema}}}};
    return r;
  }

  void walk(const lysc_node *node, const std::string &base, const std::string &name, json params,
            const std::string &qname, bool top) {
    json entry = object_schema(node, name);
    std::string path = base;
    json wrapped;
    if (node->nodetype == LYS_LIST) {
      std::string keys;
      for (const lysc_node *k = lysc_node_child(node); k && (k->flags & LYS_KEY); k = k->next) {
        std::string p = std::string(node->name) + "-" + k->name;
        keys += (keys.empty() ? "" : ",") + std::string("{") + p + "}";
        params.push_back({{"name", p}, {"in", "path"}, {"required", true}, {"schema", {{"type", "string"}}}});
      }
      path += "=" + keys;
      wrapped = {{"type", "object"}, {"properties", {{qname, {{"type", "array"}, {"items", entry}}}}}};
    } else {
      wrapped = {{"type", "object"}, {"properties", {{qname, entry}}}};
    }
    json body = {{"required", true}, {"content", {{"application/yang-data+json", {{"schema", wrapped}}}}}};
    json ops = {{"get", {{"summary", std::string("Read ") + node->name}, {"responses", responses(200, wrapped)}}},
                {"delete", {{"summary", std::string("Delete ") + node->name}, {"responses", responses(204)}}}};
    if (node->flags & LYS_CONFIG_W) {
      ops["patch"] = {{"summary", std::string("Merge into ") + node->name}, {"requestBody", body},
                      {"responses", responses(204)}};
      if (top)
        ops["put"] = {{"summary", std::string("Create or replace ") + node->name}, {"requestBody", body},
                      {"responses", responses(201)}};
    } else {
      ops.erase("delete");
    }
    if (!params.empty()) ops["parameters"] = params;
    paths_[path] = ops;
    if (top && node->nodetype == LYS_LIST)
      paths_["/restconf/data"]["post"] = {{"summary", "Create cubes"},
                                          {"requestBody", body},
                                          {"responses", responses(201)}};
    for (const lysc_node_action *a = lysc_node_actions(node); a;
         a = reinterpret_cast<const lysc_node_action *>(a->next)) {
      json in = json::object();
      for_each_child(a->input.child, [&](const lysc_node *c) {
        if (c->nodetype == LYS_LEAF) in[c->name] = type_schema(reinterpret_cast<const lysc_node_leaf *>(c)->type);
        else in[c->name] = json::object();
      });
      json op = {{"summary", a->dsc ? a->dsc : std::string("Action ") + a->name},
                 {"requestBody",
                  {{"content",
                    {{"application/yang-data+json",
                      {{"schema",
                        {{"type", "object"},
                         {"properties",
                          {{std::string(mod_->name) + ":input", {{"type", "object"}, {"properties", in}}}}}}}}}}}}},
                 {"responses", responses(204)}};
      op["responses"]["200"] = {{"description", "the action's output"}};
      if (!params.empty()) op["parameters"] = params;
      paths_[path + "/" + a->name]["post"] = op;
    }
    for_each_child(lysc_node_child(node), [&](const lysc_node *c) {
      if (c->nodetype & (LYS_CONTAINER | LYS_LIST))
        walk(c, path + "/" + c->name, name + camel(c->name), params, std::string(mod_->name) + ":" + c->name, false);
    });
  }

  const lys_module *mod_;
  json paths_, schemas_;
};

}  // namespace

json openapi_fragment(const lys_module *mod) { return Builder(mod).run(); }

json openapi_document(const std::vector<const lys_module *> &mods) {
  json doc = {{"openapi", "3.0.3"},
              {"info",
               {{"title", "polycubed RESTCONF API"},
                {"version", "1"},
                {"description", "Generated from the YANG modules the daemon loaded (RFC 8040, RFC 7951 JSON)."}}},
              {"paths", json::object()},
              {"components", {{"schemas", json::object()}}}};
  doc["components"]["schemas"]["RestconfErrors"] = {
      {"type", "object"},
      {"properties",
       {{"ietf-restconf:errors",
         {{"type", "object"},
          {"properties",
           {{"error",
             {{"type", "array"},
              {"items",
               {{"type", "object"},
                {"properties",
                 {{"error-type", {{"type", "string"}}},
                  {"error-tag", {{"type", "string"}}},
                  {"error-path", {{"type", "string"}}},
                  {"error-message", {{"type", "string"}}}}}}}}}}}}}}}};
  for (const lys_module *m : mods) {
    json f = openapi_fragment(m);
    for (auto &[p, ops] : f["paths"].items())
      for (auto &[verb, op] : ops.items()) doc["paths"][p][verb] = op;
    for (auto &[n, s] : f["components"]["schemas"].items()) doc["components"]["schemas"][n] = s;
  }
  return doc;
}

}  // namespace yanggen
