// pcn: the command-line client of polycubed, in the grammar of polycubectl:
//
//   pcn [path...] [add|del|show|set] [keys...] [k=v ...] [-json|-yaml]
//
// Nothing here is service-specific: the words are resolved against the
// service's YANG module, fetched from the daemon, and values are typed by
// libyang from that schema (so `aging-time=abc` is refused here with the
// schema's own words, before any request).
#include <libyang/libyang.h>

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include "body.h"
#include "cli_error.h"
#include "command.h"
#include "control_commands.h"
#include "http_client.h"
#include "polycube/strict_json.h"  // the one JSON parser, shared with the daemon
#include "options.h"
#include "schema.h"
#include "versions_cmd.h"

using nlohmann::json;
using namespace pcn;

namespace {

const char *kUsage =
    "usage: pcn [--url URL] [--token T] [--cacert F] [--cert F --key F] [path...] [add|del|show|set|<action>] [keys...] [key=value ...]\n"
    "           [-json|-yaml]\n"
    "\n"
    "  pcn <service> add <name> [k=v ...]     create a cube        pcn simplebridge add br1\n"
    "  pcn <service> del <name>               delete a cube        pcn simplebridge del br1\n"
    "  pcn <cube> <list> add <key> [k=v ...]  add a list entry     pcn br1 ports add p1 peer=veth1\n"
    "  pcn <cube> [path...] show              show (default verb)  pcn br1 show -json\n"
    "  pcn <cube> [path...] set k=v ...       change leaves        pcn br1 fdb set aging-time=60\n"
    "  pcn <cube> <list> del <key>            remove a list entry  pcn br1 ports del p1\n"    "  pcn <cube> [path...] <action> [k=v]    run a YANG action    pcn fw1 chain INGRESS append src=10.0.0.1 action=DROP\n"
    "  (a list with several keys takes one word per key: pcn r1 route add 10.3.0.0/24 10.2.0.254;\n"
    "   a leaf-list takes a comma list: allowed=10,20)\n"
    "  pcn connect <cube:port> <cube:port>    pcn disconnect <cube:port> <cube:port>\n"
    "  pcn attach <tcube> <cube:port|netdev> [position=first|last|before:<c>|after:<c>]\n"
    "  pcn detach <tcube> <cube:port|netdev>\n"
    "  pcn <cube> dump [format=pcap|pcapng] > file   a capture cube's packets (pcn pc1 dump > cap.pcap)\n"
    "  pcn cubes | services | netdevs | topology\n"
    "  pcn versions | diff V1 [V2] | rollback V | confirm | cancel-commit\n"
    "  pcn export > topo.yaml                 pcn apply -f topo.yaml [--dry-run]\n"
    "  --message TEXT (why, kept with the version a write makes), --confirm SECONDS (reverted\n"
    "  unless `pcn confirm` comes in time) go before the words of any write.\n"
    "  pcn audit [--since 2026-12-03T10:00:00Z|10m|2h|7d] [--user U]   who changed what (admin)\n"
    "  pcn completion bash                    print the bash completion script\n"
    "\n"
    "  add and set also take a JSON or YAML body on stdin (a file or a pipe), relative\n"
    "  to the node addressed:   pcn simplebridge add br1 < br1.yaml\n"
    "                           echo '{\"fdb\":{\"aging-time\":60}}' | pcn br1 set\n"
    "  ? or --help at any depth lists what can follow, from the schema.\n"
    "  The daemon is at $PCN_URL or --url (default http://127.0.0.1:9000; also https://host:port\n"
    "  and unix:/path/to/socket). --token (or $PCN_TOKEN) is sent as a bearer token; --cacert (or\n"
    "  $PCN_CACERT) names the CA certificates that vouch for an https daemon; --cert and --key give\n"
    "  a TLS client certificate, whose subject is the user.\n";

// ---- talking to the daemon ----

std::string g_url;
const Options *g_options = nullptr;  // --confirm and --message, for writes

// The answer's JSON, or the daemon's RFC 8040 error-message as an exception.
json answer_of(const pcn::HttpResponse &r) {
  json doc = r.body.empty() ? json() : polycube::parse_json(r.body).value;  // null if it is not JSON
  if (r.status >= 400) {
    std::string msg = "request failed with status " + std::to_string(r.status);
    if (doc.is_object() && doc.contains("ietf-restconf:errors"))
      msg = doc["ietf-restconf:errors"]["error"][0].value("error-message", msg);
    if (r.status == 401) msg += " (pcn --token or PCN_TOKEN)";
    throw std::runtime_error(msg);
  }
  return doc;
}

json call(const std::string &method, const std::string &path, const std::string &body = "") {
  if (method == "GET" || !g_options) return answer_of(pcn::http_request(g_url, method, path, body));
  return answer_of(pcn::http_request(g_url, method, write_target(path, *g_options), body, write_headers(*g_options)));
}

// ---- output ----

// A cell: strings bare, leaf-lists comma-joined (allowed: 10,20).
std::string scalar(const json &v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_array()) {
    std::string s;
    for (const auto &x : v) s += (s.empty() ? "" : ",") + (x.is_string() ? x.get<std::string>() : x.dump());
    return s;
  }
  return v.dump();
}

bool flat_object(const json &v) {
  if (!v.is_object()) return false;
  for (auto &[k, x] : v.items())
    if (x.is_object() || (x.is_array() && std::any_of(x.begin(), x.end(), [](const json &y) { return y.is_structured(); })))
      return false;
  return true;
}

// Table columns in schema order (keys first), per list name; filled from the
// addressed schema node before printing. JSON objects come back sorted by
// name, which would put `action` before `id` in a rule table.
std::map<std::string, std::vector<std::string>> g_columns;

void print_human(const json &v, int indent);

// A list of flat objects as a table; anything else as indented key: value.
void print_table(const json &rows, int indent, std::vector<std::string> cols = {}, const std::string &list = "") {
  if (cols.empty() && g_columns.count(strip_prefix(list)))
    for (const auto &c : g_columns[strip_prefix(list)])
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
  std::string line = pad;
  for (const auto &c : cols) {
    std::string h = strip_prefix(c);
    for (auto &ch : h) ch = static_cast<char>(std::toupper(ch));
    line += h + std::string(width[c] - h.size() + 2, ' ');
  }
  std::puts(line.c_str());
  for (const auto &r : rows) {
    line = pad;
    for (const auto &c : cols) {
      std::string cell = r.contains(c) ? scalar(r[c]) : "";
      line += cell + std::string(width[c] - cell.size() + 2, ' ');
    }
    std::puts(line.c_str());
  }
}

void print_human(const json &v, int indent) {
  std::string pad(indent, ' ');
  if (v.is_object()) {
    for (auto &[k, x] : v.items()) {
      if (x.is_array() && !x.empty() && std::all_of(x.begin(), x.end(), flat_object)) {
        std::printf("%s%s:\n", pad.c_str(), strip_prefix(k).c_str());
        print_table(x, indent + 2, {}, k);
      } else if (x.is_structured()) {
        std::printf("%s%s:\n", pad.c_str(), strip_prefix(k).c_str());
        print_human(x, indent + 2);
      } else {
        std::printf("%s%s: %s\n", pad.c_str(), strip_prefix(k).c_str(), scalar(x).c_str());
      }
    }
  } else if (v.is_array()) {
    for (const auto &x : v) {
      if (x.is_structured()) {
        std::printf("%s-\n", pad.c_str());
        print_human(x, indent + 2);
      } else {
        std::printf("%s- %s\n", pad.c_str(), scalar(x).c_str());
      }
    }
  } else if (!v.is_null()) {
    std::printf("%s%s\n", pad.c_str(), scalar(v).c_str());
  }
}

void print_yaml(const json &v, int indent) {
  std::string pad(indent, ' ');
  if (v.is_object()) {
    for (auto &[k, x] : v.items()) {
      if (x.is_structured()) {
        std::printf("%s%s:\n", pad.c_str(), k.c_str());
        print_yaml(x, indent + 2);
      } else {
        std::printf("%s%s: %s\n", pad.c_str(), k.c_str(), x.dump().c_str());
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
            std::printf("%s%s:\n", lead.c_str(), k.c_str());
            print_yaml(y, indent + 4);
          } else {
            std::printf("%s%s: %s\n", lead.c_str(), k.c_str(), y.dump().c_str());
          }
        }
      } else {
        std::printf("%s- %s\n", pad.c_str(), x.dump().c_str());
      }
    }
  }
}

void print(const json &v, const Options &o) {
  if (o.format == "json") std::puts(v.dump(2).c_str());
  else if (o.format == "yaml") print_yaml(v, 0);
  else print_human(v, 0);
}

// ---- schema ----

// Modules come from the daemon, which serves every one it loaded.
ModuleSource daemon_modules() {
  return [](const std::string &name) -> std::optional<std::string> {
    pcn::HttpResponse r = pcn::http_request(g_url, "GET", "/restconf/yang/" + name);
    if (r.status != 200) return std::nullopt;
    return r.body;
  };
}

// Records the column order of every list at or below `node`.
void learn_columns(const lysc_node *node) {
  for (const lysc_node *c = node; c; c = c->next) {
    if (c->nodetype == LYS_LIST) {
      auto &cols = g_columns[c->name];
      if (cols.empty())
        for (const lysc_node *x = lysc_node_child(c); x; x = x->next)
          if (x->nodetype & (LYS_LEAF | LYS_LEAFLIST)) cols.push_back(x->name);
    }
    if (c->nodetype & (LYS_LIST | LYS_CONTAINER)) learn_columns(lysc_node_child(c));
  }
}

void print_help(const lysc_node *node, const std::string &where, bool list_unselected) {
  std::printf("%s\n", where.c_str());
  if (list_unselected)
    std::printf("  verbs: add %s [k=v ...] | del %s | show | %s ...\n", keys_usage(node).c_str(),
                keys_usage(node).c_str(), keys_usage(node).c_str());
  else
    std::printf("  verbs: show | set k=v ...%s\n", where.find(' ') == std::string::npos ? "" : " | del");
  std::printf("  what can follow:\n");
  for (const lysc_node *c = lysc_node_child(node); c; c = c->next) {
    if (lysc_is_key(c)) continue;
    std::printf("    %-16s %-30s %s\n", c->name, type_name(c).c_str(), c->dsc ? c->dsc : "");
  }
  for (const lysc_node_action *a = lysc_node_actions(node); a; a = reinterpret_cast<const lysc_node_action *>(a->next))
    std::printf("    %-16s %-30s %s\n", a->name, "action", a->dsc ? a->dsc : "");
}

// ---- completion ----

const char *kBashCompletion =
    "# bash completion for pcn, generated by `pcn completion bash`; the words\n"
    "# come from the daemon's schemas and data at completion time.\n"
    "# Words come from COMP_LINE, not COMP_WORDS: bash splits COMP_WORDS at '='\n"
    "# and ':' (COMP_WORDBREAKS), which would cut peer=br1:p1 into pieces.\n"
    "_pcn() {\n"
    "  local IFS=$'\\n' line=${COMP_LINE:0:COMP_POINT} cur strip\n"
    "  local -a words\n"
    "  IFS=$' \\t' read -ra words <<< \"$line\"\n"
    "  [[ $line =~ [[:space:]]$ || ${#words[@]} -eq 0 ]] && words+=(\"\")\n"
    "  cur=${words[${#words[@]}-1]}\n"
    "  COMPREPLY=($(pcn __complete \"${words[@]:1}\" 2>/dev/null))\n"
    "  [[ ${#COMPREPLY[@]} -eq 1 && ${COMPREPLY[0]} == *= ]] && compopt -o nospace 2>/dev/null\n"
    "  # bash replaces only the part of the word after the last break character.\n"
    "  strip=${cur%\"${cur##*[=:]}\"}\n"
    "  [[ -n $strip ]] && COMPREPLY=(\"${COMPREPLY[@]#\"$strip\"}\")\n"
    "  return 0\n"
    "}\n"
    "complete -F _pcn pcn\n";

// `pcn __complete <words...> <partial>`: one candidate per line, from the
// daemon (services, cubes, ports) and the schema (children, verbs, leaves,
// enum values, actions).
int complete(std::vector<std::string> w) {
  std::string partial = w.empty() ? "" : w.back();
  if (!w.empty()) w.pop_back();
  std::set<std::string> out;
  auto emit = [&](const std::string &c) {
    if (c.rfind(partial, 0) == 0) out.insert(c);
  };
  auto all_ports = [&](bool netdevs) {
    // (Copies: a range-for over a member of a temporary would dangle.)
    json list = call("GET", "/restconf/data/polycube:cubes")["polycube:cubes"]["cube"];
    for (const auto &c : list)
      for (const auto &p : c.value("ports", json::array())) emit(c["name"].get<std::string>() + ":" + p["name"].get<std::string>());
    if (netdevs) {
      json devs = call("GET", "/restconf/data/polycube:netdevs")["polycube:netdevs"]["netdev"];
      for (const auto &n : devs) emit(n["name"]);
    }
  };
  json services = call("GET", "/restconf/data/polycube:services")["polycube:services"]["service"];
  json cubes = call("GET", "/restconf/data/polycube:cubes")["polycube:cubes"]["cube"];
  if (w.empty()) {
    for (const char *f : {"connect", "disconnect", "attach", "detach", "cubes", "services", "netdevs", "topology",
                          "completion", "versions", "diff", "rollback", "confirm", "cancel-commit", "export", "apply",
                          "audit"})
      emit(f);
    for (const auto &x : services) emit(x["name"]);
    for (const auto &c : cubes) emit(c["name"]);
  } else if (w[0] == "connect" || w[0] == "disconnect") {
    if (w.size() <= 2) all_ports(false);
  } else if (w[0] == "attach" || w[0] == "detach") {
    if (w.size() == 1) {
      for (const auto &c : cubes)
        if (!c.contains("ports")) emit(c["name"]);  // transparent cubes have no ports
    } else if (w.size() == 2) {
      all_ports(true);
    } else if (w.size() == 3 && w[0] == "attach") {
      for (const char *p : {"position=first", "position=last"}) emit(p);
      for (const auto &c : cubes) {
        emit("position=before:" + c["name"].get<std::string>());
        emit("position=after:" + c["name"].get<std::string>());
      }
    }
  } else if (w[0] == "completion") {
    if (w.size() == 1) emit("bash");
  } else {
    bool is_service = false;
    for (const auto &x : services) is_service |= x["name"] == w[0];
    std::string service;
    for (const auto &c : cubes)
      if (c["name"] == w[0]) service = c["service"];
    if (is_service) {
      if (w.size() == 1) {
        for (const char *v : {"add", "del", "show"}) emit(v);
      } else if (w.size() == 2 && (w[1] == "del" || w[1] == "show")) {
        for (const auto &c : cubes)
          if (c["service"] == w[0]) emit(c["name"]);
      } else if (w.size() >= 3 && w[1] == "add") {
        Schema schema(w[0], daemon_modules());
        service = w[0];
        const lysc_node *top = schema.top();
        for (const lysc_node *c = lysc_node_child(top); c; c = c->next)
          if ((c->nodetype & LYS_LEAF) && (c->flags & LYS_CONFIG_W) && !lysc_is_key(c)) emit(std::string(c->name) + "=");
      }
    } else if (!service.empty()) {
      Schema schema(service, daemon_modules());
      const lysc_node *node = schema.top();
      bool selected = true, verb_seen = false;
      std::string rpath = service + ":" + service + "=" + percent_encode(w[0]);
      for (size_t i = 1; i < w.size(); i++) {
        if (kVerbs.count(w[i])) {
          verb_seen = true;
          continue;
        }
        if (verb_seen || w[i].find('=') != std::string::npos) continue;
        if (!selected) {  // one word per key of a multi-key list
          size_t nkeys = keys_of(node).size();
          std::vector<std::string> values(w.begin() + static_cast<long>(i),
                                          w.begin() + static_cast<long>(std::min(w.size(), i + nkeys)));
          if (values.size() < nkeys) return 0;  // still typing the keys
          rpath += entry_keys(node, values).second;
          i += nkeys - 1;
          selected = true;
          continue;
        }
        const lysc_node *c = schema.child(node, w[i]);
        if (!c || c->nodetype == LYS_ACTION) return 0;
        node = c;
        rpath += "/" + std::string(c->name);
        selected = c->nodetype != LYS_LIST;
      }
      auto leaves = [&](const lysc_node *n) {
        for (const lysc_node *c = lysc_node_child(n); c; c = c->next)
          if ((c->nodetype & LYS_LEAF) && (c->flags & LYS_CONFIG_W) && !lysc_is_key(c)) emit(std::string(c->name) + "=");
      };
      auto eq = partial.find('=');
      if (eq != std::string::npos) {  // value of a leaf: enum names, booleans
        const lysc_node *leaf = schema.child(node, partial.substr(0, eq));
        if (leaf && (leaf->nodetype & LYS_LEAF)) {
          const lysc_type *t = reinterpret_cast<const lysc_node_leaf *>(leaf)->type;
          std::string k = partial.substr(0, eq + 1);
          if (t->basetype == LY_TYPE_ENUM) {
            auto *e = reinterpret_cast<const lysc_type_enum *>(t);
            LY_ARRAY_COUNT_TYPE j;
            LY_ARRAY_FOR(e->enums, j) emit(k + e->enums[j].name);
          } else if (t->basetype == LY_TYPE_BOOL) {
            emit(k + "true");
            emit(k + "false");
          }
        }
      } else if (verb_seen) {
        leaves(node);
      } else if (!selected) {  // entries of the list, and its verbs
        for (const char *v : {"add", "del", "show"}) emit(v);
        try {
          json data = call("GET", "/restconf/data/" + rpath + "?content=config");
          for (auto &[k, list] : data.items())
            for (const auto &e : list)
              if (e.is_object()) {
                auto keys = keys_of(node);
                if (!keys.empty() && e.contains(keys[0])) emit(scalar(e[keys[0]]));
              }
        } catch (const std::exception &) {  // an empty list is 404
        }
      } else {
        for (const char *v : {"show", "set"}) emit(v);
        if (w.size() > 1) emit("del");
        for (const lysc_node *c = lysc_node_child(node); c; c = c->next)
          if (!lysc_is_key(c) && (c->nodetype & (LYS_CONTAINER | LYS_LIST))) emit(c->name);
        for (const lysc_node_action *a = lysc_node_actions(node); a;
             a = reinterpret_cast<const lysc_node_action *>(a->next))
          emit(a->name);
      }
    }
  }
  for (const auto &c : out) std::puts(c.c_str());
  return 0;
}

// pcn <cube> dump [format=pcap|pcapng]: the cube as a capture file on
// stdout (GET of the cube with the file's media type in Accept).
int dump(const std::vector<std::string> &w, const std::string &service) {
  std::string format = "pcap";
  if (w.size() > 3 || (w.size() == 3 && w[2].rfind("format=", 0) != 0))
    throw UsageError("usage: pcn <cube> dump [format=pcap|pcapng] > file");
  if (w.size() == 3) format = w[2].substr(7);
  std::string type = format == "pcap"     ? "application/vnd.tcpdump.pcap"
                     : format == "pcapng" ? "application/x-pcapng"
                                          : "";
  if (type.empty()) throw UsageError("unknown format '" + format + "' (expected pcap or pcapng)");
  if (isatty(STDOUT_FILENO)) throw UsageError("dump writes a binary file: redirect it (pcn " + w[0] + " dump > cap." + format + ")");
  pcn::HttpResponse r = pcn::http_request(g_url, "GET", "/restconf/data/" + service + ":" + service + "=" + percent_encode(w[0]), "", {{"Accept", type}});
  if (r.status == 406) throw std::runtime_error("cube " + w[0] + " (service " + service + ") has no " + format + " dump");
  if (r.status != 200) answer_of(r);  // throws the daemon's message
  if (std::fwrite(r.body.data(), 1, r.body.size(), stdout) != r.body.size() || std::fflush(stdout) != 0)
    throw std::runtime_error(std::string("cannot write the capture: ") + std::strerror(errno));
  return 0;
}

int run(const Options &o) {
  const auto &w = o.words;
  if (w.empty()) {
    std::fputs(kUsage, stdout);
    return o.help ? 0 : 2;
  }
  if (w[0] == "completion") {
    if (w.size() != 2 || w[1] != "bash") throw UsageError("usage: pcn completion bash");
    std::fputs(kBashCompletion, stdout);
    return 0;
  }
  if (w[0] == "__complete") return complete({w.begin() + 1, w.end()});
  if (is_versions_command(w[0]))
    return run_versions_command(o, {call, [&](const json &v) { print(v, o); },
                                    [](const json &rows, const std::vector<std::string> &cols) { print_table(rows, 0, cols); },
                                    daemon_modules()});
  if (w[0] == "cubes" || w[0] == "services" || w[0] == "netdevs" || w[0] == "topology") {
    if (w.size() > 1) throw UsageError("'" + w[0] + "' takes no more words");
    json data = call("GET", "/restconf/data/polycube:" + w[0]);
    if (w[0] == "cubes" && o.format == "human") {
      // One row a cube, like `kubectl get`: ports with their peers and
      // stacks, micro-blocks with their kernel program ids.
      json rows = json::array();
      for (const auto &c : data["polycube:cubes"]["cube"]) {
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
      if (rows.empty()) std::puts("no cubes");
      else print_table(rows, 0, {"name", "service", "type", "ports", "blocks"});
      return 0;
    }
    print(data, o);
    return 0;
  }
  if (w[0] == "audit") {
    long long now = std::chrono::duration_cast<std::chrono::milliseconds>(
                        std::chrono::system_clock::now().time_since_epoch()).count();
    json data = call("GET", audit_target({w.begin() + 1, w.end()}, now));
    if (o.format != "human") print(data, o);
    else if (json rows = audit_rows(data); rows.empty()) std::puts("no audit entries");
    else print_table(rows, 0, kAuditColumns);
    return 0;
  }
  if (w[0] == "connect" || w[0] == "disconnect") {
    if (w.size() != 3) throw UsageError(w[0] + " needs two ports: pcn " + w[0] + " <cube:port> <cube:port>");
    call("POST", "/restconf/operations/polycube:" + w[0], json{{"polycube:input", {{"peer1", w[1]}, {"peer2", w[2]}}}}.dump());
    return 0;
  }
  if (w[0] == "attach" || w[0] == "detach") {
    std::string usage = w[0] == "attach" ? "pcn attach <cube> <cube:port|netdev> [position=first|last|before:<c>|after:<c>]"
                                         : "pcn detach <cube> <cube:port|netdev>";
    if (w.size() < 3 || w.size() > (w[0] == "attach" ? 4u : 3u)) throw UsageError(w[0] + " needs: " + usage);
    json in = {{"cube", w[1]}, {"port", w[2]}};
    if (w.size() == 4) {
      if (w[3].rfind("position=", 0) != 0) throw UsageError("unexpected '" + w[3] + "' (expected position=...)");
      in["position"] = w[3].substr(9);
    }
    call("POST", "/restconf/operations/polycube:" + w[0], json{{"polycube:input", in}}.dump());
    return 0;
  }

  json services = call("GET", "/restconf/data/polycube:services")["polycube:services"]["service"];
  std::set<std::string> names;
  for (const auto &s : services) names.insert(s["name"].get<std::string>());

  Command cmd;
  std::optional<Schema> schema;
  if (names.count(w[0])) {  // pcn <service> add|del|show <name>
    schema.emplace(w[0], daemon_modules());
    cmd = service_command(*schema, w, o.help, read_stdin_body);
  } else {  // pcn <cube> [path...] [verb] [keys...] [k=v...]
    json cubes = call("GET", "/restconf/data/polycube:cubes")["polycube:cubes"]["cube"];
    std::string service;
    for (const auto &c : cubes)
      if (c["name"] == w[0]) service = c["service"];
    if (service.empty()) throw std::runtime_error("unknown cube or service '" + w[0] + "'");
    if (w.size() >= 2 && w[1] == "dump") return dump(w, service);
    schema.emplace(service, daemon_modules());
    cmd = cube_command(*schema, w, o.help, read_stdin_body);
  }
  switch (cmd.kind) {
    case Command::kHelp:
      print_help(cmd.node, cmd.where, !cmd.selected);
      return 0;
    case Command::kActionHelp: {
      auto *action = reinterpret_cast<const lysc_node_action *>(cmd.node);
      std::printf("%s %s: %s\n  input:%s\n", cmd.where.c_str(), action->name, action->dsc ? action->dsc : "YANG action",
                  action->input.child ? "" : " none");
      for (const lysc_node *in = action->input.child; in; in = in->next)
        std::printf("    %-16s %-30s %s\n", in->name, type_name(in).c_str(), in->dsc ? in->dsc : "");
      return 0;
    }
    case Command::kShow: {
      learn_columns(schema->top());
      pcn::HttpResponse r = pcn::http_request(g_url, "GET", cmd.path);
      if (r.status == 404 && !cmd.selected) {
        // RESTCONF answers 404 for an empty list; the entry holding it exists
        // if its own GET works (else this call names what is missing).
        call("GET", cmd.path.substr(0, cmd.path.rfind('/')) + "?depth=1");
        if (o.format == "json") std::puts("{}");
        else if (o.format == "human") std::printf("no %s\n", cmd.node->name);
        return 0;
      }
      print(answer_of(r), o);
      return 0;
    }
    case Command::kRequest: {
      json out = call(cmd.method, cmd.path, cmd.body);
      if (cmd.print_answer && !out.is_null()) print(out, o);
      return 0;
    }
  }
  return 0;
}

}  // namespace

int main(int argc, char **argv) {
  Options o;
  try {
    o = parse_options({argv + 1, argv + argc}, std::getenv("PCN_URL"), std::getenv("PCN_TOKEN"),
                      std::getenv("PCN_CACERT"));
  } catch (const UsageError &e) {
    std::fprintf(stderr, "pcn: %s\n", e.what());
    return 2;
  }
  g_url = o.url;
  g_options = &o;
  set_client_credentials({o.token, o.cacert, o.cert, o.key});
  try {
    return run(o);
  } catch (const UsageError &e) {
    std::fprintf(stderr, "pcn: %s\n", e.what());
    return 2;
  } catch (const std::exception &e) {
    std::fprintf(stderr, "pcn: %s\n", e.what());
    return 1;
  }
}
