#include "config_file.h"

#include <fcntl.h>
#include <libyang/libyang.h>
#include <unistd.h>
#include <yaml-cpp/yaml.h>

#include <cerrno>
#include <cstring>
#include <map>
#include <memory>

#include "body.h"
#include "cli_error.h"
#include "command.h"  // strip_prefix
#include "polycube/strict_json.h"

using nlohmann::json;

namespace pcn {

json read_config_file(const std::string &path) {
  int fd = path == "-" ? STDIN_FILENO : ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw UsageError("cannot read " + path + ": " + std::strerror(errno));
  std::string text;
  char buf[65536];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int err = errno;
      if (fd != STDIN_FILENO) ::close(fd);
      throw UsageError("cannot read " + path + ": " + std::strerror(err));
    }
    if (n == 0) break;
    text.append(buf, static_cast<size_t>(n));
    if (text.size() > kMaxBodyBytes) {
      if (fd != STDIN_FILENO) ::close(fd);
      throw UsageError(path + " is larger than " + std::to_string(kMaxBodyBytes >> 20) + " MiB, more than the daemon accepts");
    }
  }
  if (fd != STDIN_FILENO) ::close(fd);
  if (text.find_first_not_of(" \t\r\n") == std::string::npos) return json::object();  // no cubes at all
  return parse_body(text, path == "-" ? "the configuration on stdin" : path);
}

namespace {

bool is_integer_text(const std::string &s, bool is_signed) {
  size_t start = is_signed && !s.empty() && s[0] == '-' ? 1 : 0;
  return s.size() > start && s.size() - start <= 10 && s.find_first_not_of("0123456789", start) == std::string::npos;
}

bool small_integer(LY_DATA_TYPE t) {
  return t == LY_TYPE_INT8 || t == LY_TYPE_INT16 || t == LY_TYPE_INT32 || t == LY_TYPE_UINT8 || t == LY_TYPE_UINT16 ||
         t == LY_TYPE_UINT32;
}

json typed_scalar(const json &v, const lysc_type *t) {
  if (v.is_structured() && t->basetype != LY_TYPE_EMPTY) return v;  // the daemon names it
  switch (t->basetype) {
    case LY_TYPE_LEAFREF: return typed_scalar(v, reinterpret_cast<const lysc_type_leafref *>(t)->realtype);
    case LY_TYPE_INT8: case LY_TYPE_INT16: case LY_TYPE_INT32:
    case LY_TYPE_UINT8: case LY_TYPE_UINT16: case LY_TYPE_UINT32:
      if (v.is_string() && is_integer_text(v.get<std::string>(), t->basetype <= LY_TYPE_INT32 && t->basetype >= LY_TYPE_INT8))
        return polycube::parse_json(v.get<std::string>()).value;
      return v;
    case LY_TYPE_INT64: case LY_TYPE_UINT64: case LY_TYPE_DEC64:
      return v.is_number() ? json(v.dump()) : v;  // RFC 7951: as strings
    case LY_TYPE_BOOL:
      if (v == "true") return true;
      if (v == "false") return false;
      return v;
    case LY_TYPE_EMPTY: return json::array({nullptr});
    case LY_TYPE_UNION: {
      // The first member type the text reads as: numbers and booleans take
      // their JSON type, anything else stays text.
      const auto *u = reinterpret_cast<const lysc_type_union *>(t);
      if (!v.is_string()) return v;
      const std::string s = v.get<std::string>();
      LY_ARRAY_COUNT_TYPE i;
      LY_ARRAY_FOR(u->types, i) {
        LY_DATA_TYPE m = u->types[i]->basetype;
        if (small_integer(m) && is_integer_text(s, true)) return polycube::parse_json(s).value;
        if (m == LY_TYPE_BOOL && (s == "true" || s == "false")) return s == "true";
        if (!small_integer(m) && m != LY_TYPE_BOOL) return v;
      }
      return v;
    }
    default: return v.is_string() || v.is_null() ? v : json(v.dump());
  }
}

void type_members(json &object, const lysc_node *parent, const Schema &schema) {
  if (!object.is_object()) return;
  for (auto it = object.begin(); it != object.end(); ++it) {
    const lysc_node *c = schema.child(parent, strip_prefix(it.key()));
    if (!c) continue;
    json &v = it.value();
    if (c->nodetype == LYS_CONTAINER) {
      type_members(v, c, schema);
    } else if (c->nodetype == LYS_LIST) {
      if (v.is_array())
        for (auto &e : v) type_members(e, c, schema);
    } else if (c->nodetype == LYS_LEAFLIST) {
      const lysc_type *t = reinterpret_cast<const lysc_node_leaflist *>(c)->type;
      json items = v.is_array() ? v : json::array({v});
      for (auto &x : items) x = typed_scalar(x, t);
      v = std::move(items);
    } else if (c->nodetype == LYS_LEAF) {
      v = typed_scalar(v, reinterpret_cast<const lysc_node_leaf *>(c)->type);
    }
  }
}

void emit(YAML::Emitter &out, const json &v) {
  if (v.is_object()) {
    if (v.empty()) {
      out << YAML::Flow << YAML::BeginMap << YAML::EndMap;
      return;
    }
    out << YAML::BeginMap;
    for (auto it = v.begin(); it != v.end(); ++it) {
      out << YAML::Key << it.key() << YAML::Value;
      emit(out, it.value());
    }
    out << YAML::EndMap;
  } else if (v.is_array()) {
    if (v.empty()) {
      out << YAML::Flow << YAML::BeginSeq << YAML::EndSeq;
      return;
    }
    out << YAML::BeginSeq;
    for (const auto &x : v) emit(out, x);
    out << YAML::EndSeq;
  } else if (v.is_string()) {
    out << v.get<std::string>();
  } else if (v.is_null()) {
    out << YAML::Null;
  } else {
    out << v.dump();  // numbers and booleans, as JSON writes them
  }
}

}  // namespace

json typed_config(const json &doc, const ModuleSource &modules) {
  json out = doc;
  for (auto it = out.begin(); it != out.end(); ++it) {
    const std::string &qname = it.key();
    std::string module = qname.substr(0, qname.find(':'));
    if (qname != module + ":" + module) continue;  // not a list of cubes: the daemon says so
    std::unique_ptr<Schema> schema;
    try {
      schema = std::make_unique<Schema>(module, modules);
    } catch (const std::runtime_error &) {
      throw UsageError("'" + qname + "' names no service the daemon has");
    }
    if (it.value().is_array())
      for (auto &cube : it.value()) type_members(cube, schema->top(), *schema);
  }
  return out;
}

std::string to_yaml(const json &doc) {
  YAML::Emitter out;
  out.SetIndent(2);
  emit(out, doc);
  return std::string(out.c_str()) + "\n";
}

}  // namespace pcn
