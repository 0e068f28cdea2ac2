#include "printers.h"

#include <algorithm>
#include <cctype>

#include "command.h"  // strip_prefix

using nlohmann::json;

namespace pcn {

std::string scalar(const json &v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_array()) {
    std::string s;
    for (const auto &x : v) s += (s.empty() ? "" : ",") + (x.is_string() ? x.get<std::string>() : x.dump());
    return s;
  }
  return v.dump();
}

namespace {

bool flat_object(const json &v) {
  if (!v.is_object()) return false;
  for (auto &[k, x] : v.items())
    if (x.is_object() || (x.is_array() && std::any_of(x.begin(), x.end(), [](const json &y) { return y.is_structured(); })))
      return false;
  return true;
}

}  // namespace

std::string render_table(const json &rows, int indent, std::vector<std::string> cols, const std::string &list,
                         const ColumnOrder &order) {
  if (auto known = order.find(strip_prefix(list)); cols.empty() && known != order.end())
    for (const auto &c : known->second)
      if (std::any_of(rows.begin(), rows.end(), [&](const json &r) { return r.contains(c); })) cols.push_back(c);
  for (const auto &r : rows)
    for (auto &[k, x] : r.items())
      if (std::find(cols.begin(), cols.end(), k) == cols.end()) cols.push_back(k);
  std::map<std::string, size_t> width;
  for (const auto &c : cols) width[c] = strip_prefix(c).size();
  for (const auto &r : rows)
    for (const auto &c : cols)
      if (r.contains(c)) width[c] = std::max(width[c], scalar(r[c]).size());
  std::string pad(indent, ' ');
  std::string out, line = pad;
  for (const auto &c : cols) {
    std::string h = strip_prefix(c);
    for (auto &ch : h) ch = static_cast<char>(std::toupper(ch));
    line += h + std::string(width[c] - h.size() + 2, ' ');
  }
  out += line + "\n";
  for (const auto &r : rows) {
    line = pad;
    for (const auto &c : cols) {
      std::string cell = r.contains(c) ? scalar(r[c]) : "";
      line += cell + std::string(width[c] - cell.size() + 2, ' ');
    }
    out += line + "\n";
  }
  return out;
}

std::string render_human(const json &v, int indent, const ColumnOrder &order) {
  std::string pad(indent, ' ');
  std::string out;
  if (v.is_object()) {
    for (auto &[k, x] : v.items()) {
      if (x.is_array() && !x.empty() && std::all_of(x.begin(), x.end(), flat_object)) {
        out += pad + strip_prefix(k) + ":\n";
        out += render_table(x, indent + 2, {}, k, order);
      } else if (x.is_structured()) {
        out += pad + strip_prefix(k) + ":\n";
        out += render_human(x, indent + 2, order);
      } else {
        out += pad + strip_prefix(k) + ": " + scalar(x) + "\n";
      }
    }
  } else if (v.is_array()) {
    for (const auto &x : v) {
      if (x.is_structured()) {
        out += pad + "-\n";
        out += render_human(x, indent + 2, order);
      } else {
        out += pad + "- " + scalar(x) + "\n";
      }
    }
  } else if (!v.is_null()) {
    out += pad + scalar(v) + "\n";
  }
  return out;
}

std::string render_yaml(const json &v, int indent) {
  std::string pad(indent, ' ');
  std::string out;
  if (v.is_object()) {
    for (auto &[k, x] : v.items()) {
      if (x.is_structured()) {
        out += pad + k + ":\n";
        out += render_yaml(x, indent + 2);
      } else {
        out += pad + k + ": " + x.dump() + "\n";
      }
    }
  } else if (v.is_array()) {
    for (const auto &x : v) {
      if (x.is_object() && !x.empty()) {
        bool first = true;
        for (auto &[k, y] : x.items()) {
          std::string lead = first ? pad + "- " : pad + "  ";
          first = false;
          if (y.is_structured()) {
            out += lead + k + ":\n";
            out += render_yaml(y, indent + 4);
          } else {
            out += lead + k + ": " + y.dump() + "\n";
          }
        }
      } else {
        out += pad + "- " + x.dump() + "\n";
      }
    }
  }
  return out;
}

std::string render(const json &v, const std::string &format, const ColumnOrder &order) {
  if (format == "json") return v.dump(2) + "\n";
  if (format == "yaml") return render_yaml(v, 0);
  return render_human(v, 0, order);
}

std::string render_list(const json &entries, const std::string &list, const ColumnOrder &order) {
  json rows = json::array();
  for (const auto &e : entries) {
    if (!e.is_object()) return render_human(entries, 0, order);
    json row = json::object();
    for (auto &[k, v] : e.items()) {
      if (v.is_object()) continue;
      if (v.is_array() && std::any_of(v.begin(), v.end(), [](const json &x) { return x.is_structured(); })) {
        auto known = order.find(strip_prefix(k));
        std::string names;
        for (const auto &x : v) {
          if (!x.is_object() || x.empty()) continue;
          std::string key = known != order.end() && !known->second.empty() && x.contains(known->second[0])
                                ? known->second[0]
                                : x.begin().key();
          names += (names.empty() ? "" : ",") + scalar(x[key]);
        }
        row[k] = names;
      } else {
        row[k] = v;
      }
    }
    rows.push_back(row);
  }
  return render_table(rows, 0, {}, list, order);
}

std::string render_answer(const json &answer, bool whole_list, const ColumnOrder &order) {
  if (!answer.is_object() || answer.size() != 1) return render_human(answer, 0, order);
  const std::string &name = answer.begin().key();
  const json *member = &answer.begin().value();
  std::string list = name;
  if (member->is_object() && member->size() == 1 && member->begin().value().is_array()) {
    // A framework container of one list ({"netdev": [...]}): the list.
    list = member->begin().key();
    member = &member->begin().value();
    whole_list = true;
  }
  const json &v = *member;
  if (!v.is_array()) return render_human(v, 0, order);
  if (v.empty()) return "no " + strip_prefix(list) + "\n";
  if (!whole_list && v.size() == 1 && v[0].is_object()) return render_human(v[0], 0, order);
  return render_list(v, list, order);
}

json service_rows(const json &services_answer, const json &cubes_answer) {
  json services = services_answer.value("polycube:services", json::object()).value("service", json::array());
  json cubes = cubes_answer.value("polycube:cubes", json::object()).value("cube", json::array());
  json rows = json::array();
  for (const auto &s : services) {
    std::string name = s.value("name", ""), of_service;
    for (const auto &c : cubes)
      if (c.value("service", "") == name) of_service += (of_service.empty() ? "" : ",") + c.value("name", "");
    rows.push_back({{"name", name}, {"cubes", of_service}});
  }
  return rows;
}

json cube_rows(const json &answer) {
  json rows = json::array();
  json cubes = answer.value("polycube:cubes", json::object()).value("cube", json::array());
  for (const auto &c : cubes) {
    std::string ports, blocks;
    for (const auto &p : c.value("ports", json::array())) {
      std::string one = p["name"].get<std::string>() + (p.contains("peer") ? "->" + p["peer"].get<std::string>() : "");
      std::string stack;
      for (const auto &t : p.value("transparent-cubes", json::array())) stack += (stack.empty() ? "" : ",") + t.get<std::string>();
      ports += (ports.empty() ? "" : " ") + one + (stack.empty() ? "" : "[" + stack + "]");
    }
    if (c.contains("attached-to")) ports = "@" + c["attached-to"].get<std::string>();
    for (const auto &b : c["blocks"])
      blocks += (blocks.empty() ? "" : " ") + b["name"].get<std::string>() + "#" + std::to_string(b["prog-id"].get<uint32_t>());
    rows.push_back({{"name", c["name"]}, {"service", c["service"]}, {"type", c["type"]}, {"ports", ports}, {"blocks", blocks}});
  }
  return rows;
}

namespace {

// The transparent cubes attached to `where`, outermost first.
json attached_to(const json &attachments, const std::string &where) {
  std::vector<json> at;
  for (const auto &a : attachments)
    if (a.value("to", "") == where) at.push_back(a);
  std::stable_sort(at.begin(), at.end(), [](const json &a, const json &b) {
    return a.value("position", 0u) < b.value("position", 0u);
  });
  json names = json::array();
  for (const auto &a : at) names.push_back(a["cube"]);
  return names;
}

}  // namespace

json netdev_chain(const json &answer, const std::string &netdev) {
  json topology = answer.value("polycube:topology", json::object());
  json attachments = topology.value("attachment", json::array());
  json chain = attached_to(attachments, netdev);
  for (const auto &l : topology.value("link", json::array())) {
    if (l.value("kind", "") != "netdev" || l.value("to", "") != netdev) continue;
    std::string port = l.value("from", "");
    for (const auto &c : attached_to(attachments, port)) chain.push_back(c);
    chain.push_back(port);
  }
  return chain;
}

}  // namespace pcn
