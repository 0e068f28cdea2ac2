#include "config_diff.h"

#include "restconf_path.h"

namespace polycube::daemon {

using nlohmann::json;

namespace {

using Shapes = std::map<std::string, Datastore::ListShape>;

std::string text_of(const json &v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_array() && std::none_of(v.begin(), v.end(), [](const json &x) { return x.is_structured(); })) {
    std::string s;  // a leaf-list, as pcn shows it
    for (const auto &x : v) s += (s.empty() ? "" : ",") + (x.is_string() ? x.get<std::string>() : x.dump());
    return s;
  }
  return v.dump();
}

std::string strip_module(const std::string &n) {
  auto c = n.find(':');
  return c == std::string::npos ? n : n.substr(c + 1);
}

std::string join(const std::string &a, const std::string &b) { return a.empty() ? b : a + "/" + b; }

class Differ {
 public:
  Differ(const Shapes &lists, std::vector<LeafChange> &out) : lists_(lists), out_(out) {}

  // Members of two objects (either may be null: all of the other's leaves).
  void object(const json *a, const json *b, const std::string &path, const std::string &schema, bool top = false) {
    std::vector<std::string> names;
    for (const json *o : {a, b})
      if (o && o->is_object())
        for (auto it = o->begin(); it != o->end(); ++it)
          if (std::find(names.begin(), names.end(), it.key()) == names.end()) names.push_back(it.key());
    for (const auto &k : names) {
      if (top && k == "name") continue;  // the cube's key
      const json *x = a && a->contains(k) ? &(*a)[k] : nullptr;
      const json *y = b && b->contains(k) ? &(*b)[k] : nullptr;
      node(x, y, join(path, k), join(schema, strip_module(k)));
    }
  }

 private:
  void node(const json *a, const json *b, const std::string &path, const std::string &schema) {
    auto shape = lists_.find(schema);
    if (shape != lists_.end() && (!a || a->is_array()) && (!b || b->is_array())) {
      if (shape->second.positional) positional(a, b, path, schema, shape->second);
      else keyed(a, b, path, schema, shape->second);
      return;
    }
    if ((!a || a->is_object()) && (!b || b->is_object()) && (a || b)) {
      object(a, b, path, schema);
      return;
    }
    if (a && b && *a == *b) return;
    out_.push_back({path, a ? std::optional(text_of(*a)) : std::nullopt, b ? std::optional(text_of(*b)) : std::nullopt});
  }

  // The RESTCONF segment of an entry: "ports=p1", "route=10.0.0.0%2F24,10.1.1.1".
  static std::string entry_segment(const std::string &path, const json &e, const std::vector<std::string> &keys) {
    std::string s = path + "=";
    for (size_t i = 0; i < keys.size(); i++)
      s += (i ? "," : "") + percent_encode(e.is_object() && e.contains(keys[i]) ? text_of(e[keys[i]]) : "");
    return s;
  }

  static json without(const json &e, const std::vector<std::string> &keys) {
    json out = e;
    if (out.is_object())
      for (const auto &k : keys) out.erase(k);
    return out;
  }

  void entry(const json *a, const json *b, const std::string &path, const std::string &schema,
             const std::vector<std::string> &keys) {
    if (a && b) {
      json x = without(*a, keys), y = without(*b, keys);
      object(&x, &y, path, schema);
      return;
    }
    // A whole entry comes or goes: one line with its content.
    const json &e = a ? *a : *b;
    out_.push_back({path, a ? std::optional(without(e, keys).dump()) : std::nullopt,
                    b ? std::optional(without(e, keys).dump()) : std::nullopt});
  }

  void keyed(const json *a, const json *b, const std::string &path, const std::string &schema,
             const Datastore::ListShape &shape) {
    std::vector<std::string> order;
    std::map<std::string, std::pair<const json *, const json *>> by_key;
    for (int side = 0; side < 2; side++) {
      const json *list = side ? b : a;
      if (!list) continue;
      for (const auto &e : *list) {
        std::string seg = entry_segment(path, e, shape.keys);
        auto [it, fresh] = by_key.emplace(seg, std::pair<const json *, const json *>{nullptr, nullptr});
        if (fresh) order.push_back(seg);
        (side ? it->second.second : it->second.first) = &e;
      }
    }
    for (const auto &seg : order) entry(by_key[seg].first, by_key[seg].second, seg, schema, shape.keys);
  }

  void positional(const json *a, const json *b, const std::string &path, const std::string &schema,
                  const Datastore::ListShape &shape) {
    static const json kEmpty = json::array();
    const json &x = a ? *a : kEmpty, &y = b ? *b : kEmpty;
    auto same = [&](size_t i, size_t j) { return without(x[i], shape.keys) == without(y[j], shape.keys); };
    size_t head = 0;
    while (head < x.size() && head < y.size() && same(head, head)) head++;
    size_t tail = 0;
    while (tail < x.size() - head && tail < y.size() - head && same(x.size() - 1 - tail, y.size() - 1 - tail)) tail++;
    size_t nx = x.size() - head - tail, ny = y.size() - head - tail;
    auto at = [&](size_t pos) { return path + "=" + std::to_string(pos); };
    if (nx == ny) {  // entries edited in place
      for (size_t i = 0; i < nx; i++) entry(&x[head + i], &y[head + i], at(head + i), schema, shape.keys);
      return;
    }
    for (size_t i = 0; i < nx; i++) entry(&x[head + i], nullptr, at(head + i), schema, shape.keys);
    for (size_t j = 0; j < ny; j++) entry(nullptr, &y[head + j], at(head + j), schema, shape.keys);
  }

  const Shapes &lists_;
  std::vector<LeafChange> &out_;
};

}  // namespace

std::vector<LeafChange> diff_config(const json &before, const json &after, const Shapes &lists) {
  std::vector<LeafChange> out;
  Differ d(lists, out);
  d.object(before.is_null() ? nullptr : &before, after.is_null() ? nullptr : &after, "", "", true);
  return out;
}

json to_json(const std::vector<LeafChange> &changes) {
  json out = json::array();
  for (const auto &c : changes) {
    json j = {{"path", c.path}};
    if (c.before) j["old"] = *c.before;
    if (c.after) j["new"] = *c.after;
    out.push_back(std::move(j));
  }
  return out;
}

}  // namespace polycube::daemon
