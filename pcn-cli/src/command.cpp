#include "command.h"

#include <libyang/libyang.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <map>
#include <sstream>

#include "body.h"
#include "polycube/strict_json.h"
#include "cli_error.h"
#include "leaf_value.h"
#include "suggest.h"

using nlohmann::json;

namespace pcn {

const std::set<std::string> kVerbs = {"add", "del", "show", "set"};

std::string strip_prefix(const std::string &k) {
  auto c = k.find(':');
  return c == std::string::npos ? k : k.substr(c + 1);
}

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

namespace {

std::string xpath_key(const std::string &v) { return v.find('\'') == std::string::npos ? "'" + v + "'" : "\"" + v + "\""; }

// Puts `body` (relative to schema node `node` at `xpath`) into the request
// through libyang, leaf by leaf from their text, so JSON and YAML values are
// typed by the schema alike and errors name the place.
void apply_body(Schema &schema, const lysc_node *node, const std::string &xpath, const json &body,
                const std::string &where) {
  for (auto &[k, v] : body.items()) {
    std::string name = strip_prefix(k);
    const lysc_node *c = schema.child(node, name);
    if (!c) throw UsageError("unknown '" + name + "' in the body at " + where + did_you_mean(schema_suggestions(node, name, false)));
    if (!(c->flags & LYS_CONFIG_W)) throw UsageError("read-only '" + name + "' in the body at " + where);
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
          if (kv.is_structured())
            throw UsageError("the key '" + std::string(key->name) + "' of an entry of '" + name + "' must be a single value");
          e += "[" + std::string(key->name) + "=" + xpath_key(kv.is_string() ? kv.get<std::string>() : kv.dump()) + "]";
          rest.erase(key->name);
        }
        schema.set(e, nullptr, name);
        apply_body(schema, c, e, rest, where + " " + name);
      }
    } else if (c->nodetype == LYS_LEAFLIST) {
      for (const auto &item : v.is_array() ? v : json::array({v})) {
        std::string text = canonical_value(c, name, item.is_string() ? item.get<std::string>() : item.dump());
        schema.set(at + "[.=" + xpath_key(text) + "]", nullptr, name + "=" + text);
      }
    } else if (c->nodetype == LYS_LEAF) {
      if (v.is_structured()) throw UsageError("'" + name + "' in the body must be a single value");
      std::string text = canonical_value(c, name, v.is_string() ? v.get<std::string>() : v.dump());
      schema.set(at, text.c_str(), name + "=" + text);
    }
  }
}

bool is_leaf_input(const lysc_node_action *action, const std::string &name) {
  for (const lysc_node *c = action->input.child; c; c = c->next)
    if (name == c->name) return c->nodetype & (LYS_LEAF | LYS_LEAFLIST);
  return false;
}

// A leaf's value from its text, as RFC 7951 writes that leaf's type.
json leaf_json(const lysc_node *c, const std::string &leaf, const std::string &given) {
  std::string text = canonical_value(c, leaf, given);
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

// A body's value (YAML reads every scalar as text) typed by the schema
// below `children`: leaves as leaf_json types them; what the schema does
// not name is left for the daemon to refuse.
json typed_by_schema(const lysc_node *children, const json &value) {
  if (value.is_array()) {
    json out = json::array();
    for (const auto &e : value) out.push_back(typed_by_schema(children, e));
    return out;
  }
  if (!value.is_object()) return value;
  json out = json::object();
  for (const auto &[key, member] : value.items()) {
    const lysc_node *c = children;
    while (c && key != c->name) c = c->next;
    if (!c) {
      out[key] = member;
    } else if (c->nodetype & (LYS_LEAF | LYS_LEAFLIST)) {
      auto one = [&](const json &v) { return v.is_string() ? leaf_json(c, key, v.get<std::string>()) : v; };
      if (member.is_array() && c->nodetype == LYS_LEAFLIST) {
        out[key] = json::array();
        for (const auto &v : member) out[key].push_back(one(v));
      } else {
        out[key] = one(member);
      }
    } else {
      out[key] = typed_by_schema(lysc_node_child(c), member);
    }
  }
  return out;
}

// An action input value from its text, typed by the input leaf's schema.
json action_value(const lysc_node_action *action, const std::string &leaf, const std::string &given) {
  for (const lysc_node *c = action->input.child; c; c = c->next) {
    if (leaf != c->name) continue;
    if (!(c->nodetype & (LYS_LEAF | LYS_LEAFLIST))) return given;
    return leaf_json(c, leaf, given);
  }
  std::vector<std::string> inputs;
  for (const lysc_node *c = action->input.child; c; c = c->next) inputs.push_back(c->name);
  throw UsageError("action " + std::string(action->name) + " has no input '" + leaf + "'" + did_you_mean(closest(leaf, inputs)));
}

// k=v arguments onto `base` (an XPath of schema node `node`, which the
// words `where` named), typed by the schema. A leaf-list takes
// comma-separated values (allowed=10,20). A key that is no leaf of `node`
// is refused with where it probably belongs: `pcn br1 set aging-time=5`
// suggests `fdb aging-time`.
void apply_args(Schema &schema, const lysc_node *node, const std::string &base, const std::vector<std::string> &args,
                const std::string &where) {
  for (const auto &a : args) {
    auto eq = a.find('=');
    if (eq == std::string::npos || eq == 0) throw UsageError("expected key=value, got '" + a + "'");
    std::string key = a.substr(0, eq), value = a.substr(eq + 1);
    const lysc_node *leaf = node ? schema.child(node, key) : nullptr;
    if (node && (!leaf || !(leaf->nodetype & (LYS_LEAF | LYS_LEAFLIST))))
      throw UsageError("'" + key + "' is not a leaf of '" + where + "'" + did_you_mean(schema_suggestions(node, key, true)));
    if (leaf && leaf->nodetype == LYS_LEAFLIST) {
      std::stringstream items(value);
      for (std::string item; std::getline(items, item, ',');) {
        item = canonical_value(leaf, key, item);
        schema.set(base + "/" + key + "[.=" + xpath_key(item) + "]", nullptr, key + "=" + item);
      }
      continue;
    }
    value = canonical_value(leaf, key, value);
    schema.set(base + "/" + key, value.c_str(), key + "=" + value);
  }
}

}  // namespace

std::pair<std::string, std::string> entry_keys(const lysc_node *list, const std::vector<std::string> &values) {
  std::string xp, rest;
  size_t k = 0;
  for (const lysc_node *key = lysc_node_child(list); key && lysc_is_key(key) && k < values.size(); key = key->next, k++) {
    std::string v = canonical_value(key, key->name, values[k]);  // `chain ingress` names chain INGRESS
    xp += "[" + std::string(key->name) + "=" + xpath_key(v) + "]";
    rest += (k ? "," : "=") + percent_encode(v);
  }
  return {xp, rest};
}

Command service_command(Schema &schema, const std::vector<std::string> &w, bool help,
                        const std::function<std::string()> &stdin_body) {
  const lysc_node *list = schema.top();
  const std::string &svc = schema.service();
  std::string top = svc + ":" + svc;
  Command cmd;
  cmd.node = list;
  if (help || w.size() == 1) {
    cmd.kind = Command::kHelp;
    cmd.where = "pcn " + svc;
    cmd.selected = false;
    return cmd;
  }
  const std::string &verb = w[1];
  if (verb == "show") {
    cmd.kind = Command::kShow;
    cmd.path = "/restconf/data/" + top + (w.size() > 2 ? "=" + percent_encode(w[2]) : "");
    return cmd;
  }
  if (w.size() < 3) throw UsageError("pcn " + svc + " " + verb + " needs a cube name");
  const std::string &name = w[2];
  cmd.kind = Command::kRequest;
  if (verb == "add") {
    std::string base = "/" + top + "[name=" + xpath_key(name) + "]";
    schema.set(base, nullptr, name);
    if (std::string text = stdin_body(); !text.empty())
      apply_body(schema, list, base, parse_body(text), "pcn " + svc + " add " + name);
    apply_args(schema, list, base, {w.begin() + 3, w.end()}, "pcn " + svc);
    cmd.method = "POST";
    cmd.path = "/restconf/data";
    cmd.body = schema.body();
    return cmd;
  }
  if (verb == "del") {
    if (w.size() > 3) throw UsageError("unexpected '" + w[3] + "' after the cube name");
    cmd.method = "DELETE";
    cmd.path = "/restconf/data/" + top + "=" + percent_encode(name);
    return cmd;
  }
  throw UsageError("'" + verb + "' is neither a verb of service " + svc + " (add, del, show) nor one of its cubes" +
                   did_you_mean(closest(verb, {"add", "del", "show"})));
}

Command cube_command(Schema &schema, const std::vector<std::string> &w, bool help,
                     const std::function<std::string()> &stdin_body) {
  const std::string &service = schema.service();
  const lysc_node *node = schema.top();
  std::string top = service + ":" + service;
  std::string xpath = "/" + top + "[name=" + xpath_key(w[0]) + "]";
  std::string rpath = top + "=" + percent_encode(w[0]);
  std::string where = "pcn " + w[0];
  bool selected = true;  // is `node` a single instance (not a whole list)?
  Command cmd;
  // A verb may come before the rest of the path, as polycubectl took it:
  // `pcn hw0 del ports p1`, `pcn r1 ports p1 show peer`, `pcn fw1 chain
  // INGRESS rule show 2`. It is read as if it came after the path.
  std::string early_verb;
  auto continues_path = [&](size_t j, const std::string &verb) {
    if (j >= w.size() || kVerbs.count(w[j]) || w[j].find('=') != std::string::npos) return false;
    if (!selected) return verb == "show";  // the entry's keys (del and add take them after the verb anyway)
    const lysc_node *c = schema.child(node, w[j]);
    if (!c || c->nodetype == LYS_ACTION) return false;
    // A leaf after show or del is the node shown or deleted; after set or
    // add it is a k=v without its value (`pcn br1 fdb set aging-time`).
    return !(c->nodetype & (LYS_LEAF | LYS_LEAFLIST)) || verb == "show" || verb == "del";
  };
  size_t i = 1;
  for (; i < w.size(); i++) {
    if (w[i].find('=') != std::string::npos) break;
    if (kVerbs.count(w[i])) {
      if (!early_verb.empty()) throw UsageError("two verbs: '" + early_verb + "' and '" + w[i] + "'");
      if (!continues_path(i + 1, w[i])) break;
      early_verb = w[i];
      continue;
    }
    if (!selected) {  // the key(s) of the list we just entered
      if (early_verb == "add") break;  // `pcn hw0 add ports p1`: the words after the list name the new entry
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
      throw UsageError("unknown word '" + w[i] + "' after '" + where + "'" + did_you_mean(schema_suggestions(node, w[i], false)) +
                       " (expected a verb or one of: " + options + ")");
    }
    if (c->nodetype == LYS_ACTION) {  // pcn br1 fdb flush [k=v ...]
      if (!early_verb.empty()) throw UsageError("unexpected action '" + w[i] + "' after " + early_verb);
      if (!selected) throw UsageError("name an entry of '" + where + "' before action " + w[i]);
      auto *action = reinterpret_cast<const lysc_node_action *>(c);
      cmd.node = c;
      cmd.where = where;
      if (help) {  // `pcn br1 fdb flush ?` explains, never runs
        cmd.kind = Command::kActionHelp;
        return cmd;
      }
      // A body on stdin is the input too, as polycubectl took it:
      // `pcn fw1 chain INGRESS batch rules= < rules.yaml` makes the body
      // the value of `rules`; without an empty `key=`, the body is an
      // object of inputs and the words given override its members.
      std::string text = stdin_body();
      json from_stdin = text.empty() ? json() : parse_body_value(text);
      bool stdin_used = from_stdin.is_null();
      json input = json::object();
      for (size_t j = i + 1; j < w.size(); j++) {
        auto eq = w[j].find('=');
        if (eq == std::string::npos) throw UsageError("expected key=value after action " + w[i] + ", got '" + w[j] + "'");
        std::string key = w[j].substr(0, eq), value = w[j].substr(eq + 1);
        if (value.empty() && !stdin_used) {
          action_value(action, key, "");  // names an input of the action (throws otherwise)
          input[key] = typed_by_schema(action->input.child, json{{key, from_stdin}})[key];
          stdin_used = true;
          continue;
        }
        json typed = action_value(action, key, value);
        if (value.empty() && typed.is_string() && !is_leaf_input(action, key))
          throw UsageError(w[i] + " " + key + "= takes its value from a body on stdin (JSON or YAML); none was given");
        input[key] = typed;
      }
      if (!stdin_used) {
        if (!from_stdin.is_object())
          throw UsageError("the body on stdin of action " + w[i] +
                           " is the object of its inputs; for one input's value say which: " + w[i] + " <input>=");
        for (auto &[key, value] : from_stdin.items()) {
          if (key.find(':') != std::string::npos) throw UsageError("input '" + key + "' on stdin: name inputs without a module prefix");
          if (!input.contains(key)) input[key] = typed_by_schema(action->input.child, json{{key, value}})[key];
        }
      }
      cmd.kind = Command::kRequest;
      cmd.method = "POST";
      cmd.path = "/restconf/data/" + rpath + "/" + w[i];
      cmd.body = json{{service + ":input", input}}.dump();
      cmd.print_answer = true;
      return cmd;
    }
    node = c;
    xpath += "/" + std::string(c->name);
    rpath += "/" + std::string(c->name);
    where += " " + w[i];
    selected = c->nodetype != LYS_LIST;
  }
  cmd.node = node;
  cmd.where = where;
  cmd.selected = selected;
  if (help) {
    cmd.kind = Command::kHelp;
    return cmd;
  }
  std::string verb = !early_verb.empty()                     ? early_verb
                     : i < w.size() && kVerbs.count(w[i]) ? w[i++]
                                                          : "show";
  std::vector<std::string> rest(w.begin() + static_cast<long>(i), w.end());
  std::string cube_path = "/restconf/data/" + top + "=" + percent_encode(w[0]);
  cmd.kind = Command::kRequest;

  // A word after the verb that continues no path: `pcn hw0 ports p1 show colour`.
  auto unknown_after = [&](const std::string &word) {
    return UsageError("unknown word '" + word + "' after '" + where + " " + verb + "'" +
                      (selected ? did_you_mean(schema_suggestions(node, word, false)) : ""));
  };
  if (verb == "show") {
    if (!rest.empty()) throw unknown_after(rest[0]);
    cmd.kind = Command::kShow;
    cmd.path = "/restconf/data/" + rpath;
  } else if (verb == "set") {
    if (!selected) throw UsageError("'" + where + "' is a list: name an entry first");
    std::string text = stdin_body();
    if (rest.empty() && text.empty()) throw UsageError("set needs key=value arguments (or a body on stdin)");
    schema.set(xpath, nullptr, where);
    if (!text.empty()) apply_body(schema, node, xpath, parse_body(text), where);
    apply_args(schema, node, xpath, rest, where);
    cmd.method = "PATCH";
    cmd.path = cube_path;
    cmd.body = schema.body();
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
    apply_args(schema, node, entry, {rest.begin() + static_cast<long>(nkeys), rest.end()}, named);
    cmd.method = "PATCH";
    cmd.path = cube_path;
    cmd.body = schema.body();
  } else if (verb == "del") {
    if (node == schema.top()) {  // pcn <cube> del
      if (!rest.empty()) throw unknown_after(rest[0]);
      cmd.method = "DELETE";
      cmd.path = cube_path;
      return cmd;
    }
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
      cmd.method = "DELETE";
      cmd.path = "/restconf/data/" + target + entry_keys(list, values).second;
      return cmd;
    }
    if (!selected) {
      if (rest.size() != keys_of(node).size()) throw UsageError("del needs " + keys_usage(node) + " of the entry");
      target += entry_keys(node, rest).second;
    } else if (!rest.empty()) {
      throw UsageError("unexpected '" + rest[0] + "' after del");
    }
    cmd.method = "DELETE";
    cmd.path = "/restconf/data/" + target;
  }
  return cmd;
}

}  // namespace pcn
