#include "restconf_path.h"

#include <cctype>
#include <cstdint>

#include <libyang/libyang.h>

#include <vector>

#include "datastore.h"
#include "polycube/utf8.h"

namespace polycube::daemon {

namespace {

DataError bad(const std::string &msg, const std::string &path) {
  return DataError(ErrorCode::kInvalid, msg, path, "invalid-value");
}

int hex(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::vector<std::string> split(const std::string &s, char sep) {
  std::vector<std::string> out;
  size_t start = 0;
  while (true) {
    size_t end = s.find(sep, start);
    out.push_back(s.substr(start, end - start));
    if (end == std::string::npos) return out;
    start = end + 1;
  }
}

// `s` with every byte that `keep` refuses written %XX.
template <class Keep>
std::string encode_bytes(const std::string &s, Keep keep) {
  static const char *hexdigits = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (keep(c)) {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += hexdigits[c >> 4];
      out += hexdigits[c & 15];
    }
  }
  return out;
}

// `s` for an error message: bytes outside printable ASCII percent-encoded,
// so the message is valid UTF-8 whatever the client sent.
std::string printable(const std::string &s) {
  return encode_bytes(s, [](unsigned char c) { return c >= 0x20 && c < 0x7F; });
}

bool is_identifier(const std::string &s) {
  if (s.empty() || !(std::isalpha(static_cast<unsigned char>(s[0])) || s[0] == '_')) return false;
  for (unsigned char c : s)
    if (!(std::isalnum(c) || c == '_' || c == '-' || c == '.')) return false;
  return true;
}

}  // namespace

bool is_api_identifier(const std::string &name) {
  auto colon = name.find(':');
  if (colon == std::string::npos) return is_identifier(name);
  return is_identifier(name.substr(0, colon)) && is_identifier(name.substr(colon + 1));
}

std::string xpath_quoted(const std::string &v) {
  if (v.find('\'') == std::string::npos) return "'" + v + "'";
  if (v.find('"') == std::string::npos) return "\"" + v + "\"";
  throw bad("key value with both quote kinds is not supported: " + v, v);
}

std::vector<PathStep> parse_xpath(const std::string &xpath) {
  std::vector<PathStep> steps;
  size_t i = 0, n = xpath.size();
  auto fail = [&]() -> DataError { return bad("unsupported path '" + xpath + "'", xpath); };
  while (i < n) {
    if (xpath[i] != '/') throw fail();
    i++;
    PathStep step;
    size_t start = i;
    while (i < n && xpath[i] != '/' && xpath[i] != '[') i++;
    std::string name = xpath.substr(start, i - start);
    if (auto colon = name.find(':'); colon != std::string::npos) {
      step.module = name.substr(0, colon);
      name = name.substr(colon + 1);
    }
    if (name.empty()) throw fail();
    step.name = name;
    while (i < n && xpath[i] == '[') {
      size_t eq = xpath.find('=', i);
      if (eq == std::string::npos || eq + 1 >= n) throw fail();
      std::string key = xpath.substr(i + 1, eq - i - 1);
      char q = xpath[eq + 1];
      if (q != '\'' && q != '"') throw fail();
      size_t close = xpath.find(q, eq + 2);
      if (close == std::string::npos || close + 1 >= n || xpath[close + 1] != ']') throw fail();
      step.keys.emplace_back(key, xpath.substr(eq + 2, close - eq - 2));
      i = close + 2;
    }
    steps.push_back(std::move(step));
  }
  return steps;
}

std::string xpath_of(const std::vector<PathStep> &steps) {
  std::string out;
  for (const auto &s : steps) {
    out += "/" + (s.module.empty() ? "" : s.module + ":") + s.name;
    for (const auto &[k, v] : s.keys) out += "[" + k + "=" + xpath_quoted(v) + "]";
  }
  return out;
}

std::string percent_decode(const std::string &s) {
  std::string out;
  for (size_t i = 0; i < s.size(); i++) {
    if (s[i] != '%') {
      out += s[i];
      continue;
    }
    if (i + 2 >= s.size() || hex(s[i + 1]) < 0 || hex(s[i + 2]) < 0)
      throw bad("bad percent-encoding in '" + printable(s) + "'", printable(s));
    out += static_cast<char>(hex(s[i + 1]) * 16 + hex(s[i + 2]));
    i += 2;
  }
  // YANG strings are Unicode; a key that is not would reach libyang and then
  // the JSON of our answers, which cannot carry it.
  if (!polycube::valid_utf8(out)) throw bad("'" + printable(s) + "' is not UTF-8 text once decoded", printable(s));
  return out;
}

std::string percent_encode(const std::string &s) {
  return encode_bytes(s, [](unsigned char c) { return std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~'; });
}

std::string restconf_to_xpath(const ly_ctx *ctx, const std::string &path) {
  std::string xpath;
  const lysc_node *parent = nullptr;
  std::string module;
  for (const std::string &segment : split(path, '/')) {
    if (segment.empty()) throw bad("empty segment in '" + printable(path) + "'", printable(path));
    auto eq = segment.find('=');
    std::string name = segment.substr(0, eq);  // not decoded: names are plain identifiers
    if (!is_api_identifier(name))
      throw DataError(ErrorCode::kInvalid, "'" + printable(name) + "' is not a node name", printable(path),
                      "unknown-element");
    auto colon = name.find(':');
    std::string mod = colon == std::string::npos ? module : name.substr(0, colon);
    std::string node = colon == std::string::npos ? name : name.substr(colon + 1);
    if (mod.empty()) throw bad("the first segment needs a module prefix: '" + printable(segment) + "'", printable(path));
    const lys_module *m = ly_ctx_get_module_implemented(ctx, mod.c_str());
    if (!m) throw DataError(ErrorCode::kInvalid, "unknown module '" + mod + "'", printable(path), "unknown-element");
    const lysc_node *sn = lys_find_child(parent, m, node.c_str(), 0, 0, 0);
    if (!sn) throw DataError(ErrorCode::kInvalid, "unknown node '" + name + "'", printable(path), "unknown-element");
    xpath += "/" + (mod != module ? mod + ":" : std::string()) + node;
    if (eq != std::string::npos && sn->nodetype == LYS_LEAFLIST) {  // RFC 8040 3.5.3: allowed=20
      xpath += "[.=" + xpath_quoted(percent_decode(segment.substr(eq + 1))) + "]";
    } else if (eq != std::string::npos) {
      if (sn->nodetype != LYS_LIST) throw bad("'" + node + "' is not a list: it takes no key", printable(path));
      std::vector<std::string> keys = split(segment.substr(eq + 1), ',');
      size_t i = 0;
      for (const lysc_node *k = lysc_node_child(sn); k && lysc_is_key(k); k = k->next, i++) {
        if (i >= keys.size()) throw bad("list '" + node + "' needs more keys", printable(path));
        xpath += "[" + std::string(k->name) + "=" + xpath_quoted(percent_decode(keys[i])) + "]";
      }
      if (i != keys.size()) throw bad("list '" + node + "' has " + std::to_string(i) + " key(s)", printable(path));
    }
    parent = sn;
    module = mod;
  }
  return xpath;
}

}  // namespace polycube::daemon
