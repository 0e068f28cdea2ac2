// pcn: the command-line client of polycubed, in the grammar of polycubectl:
//
//   pcn [path...] [add|del|show|set] [keys...] [k=v ...] [-json|-yaml]
//
// Nothing here is service-specific: the words are resolved against the
// service's YANG module, fetched from the daemon, and values are typed by
// libyang from that schema (so `aging-time=abc` is refused here with the
// schema's own words, before any request).
//
// This file dispatches the words; the parts live beside it: daemon_api
// (HTTP), command (words to a request), schema_help (schema walk for help
// and table columns), printers (output), body (stdin bodies), completion,
// versions_cmd and control_commands (runtime-control words).
#include <libyang/libyang.h>

#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <cstdio>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <map>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include "answer_numbers.h"
#include "body.h"
#include "cli_error.h"
#include "command.h"
#include "completion.h"
#include "control_commands.h"
#include "daemon_api.h"
#include "http_client.h"
#include "link_commands.h"
#include "options.h"
#include "printers.h"
#include "schema.h"
#include "schema_help.h"
#include "suggest.h"
#include "versions_cmd.h"
#include "word_order.h"

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
    "  pcn <cube> <list> del <key>            remove a list entry  pcn br1 ports del p1\n"
    "  pcn <cube> [path...] <action> [k=v]    run a YANG action    pcn fw1 chain INGRESS append src=10.0.0.1 action=DROP\n"
    "  (a list with several keys takes one word per key: pcn r1 route add 10.3.0.0/24 10.2.0.254;\n"
    "   a leaf-list takes a comma list: allowed=10,20; enumerations in any case: action=forward;\n"
    "   booleans also as ON|OFF; one leaf shows as its bare value: pcn br1 ports p1 peer show)\n"
    "  polycubectl's orders work too:  pcn <service> <cube> [path...] ...   pcn del <service> <cube>\n"
    "   pcn del <cube>   pcn <cube> del   pcn <cube> del <list> <key>   pcn <cube> [path...] show <path...>\n"
    "  pcn connect <cube:port> <cube:port|netdev>    pcn disconnect <cube:port> <cube:port|netdev>\n"
    "  pcn attach <tcube> <cube:port|netdev> [position=first|last|before:<c>|after:<c> | after=<c> | before=<c>]\n"
    "  pcn detach <tcube> <cube:port|netdev>\n"
    "  pcn <cube> dump [format=pcap|pcapng] > file   a capture cube's packets (pcn pc1 dump > cap.pcap)\n"
    "  pcn cubes | services | netdevs | topology [show]   pcn topology show <netdev>  (its chain of cubes)\n"
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
    "  an action takes its input from stdin too, or one input's value with an empty\n"
    "  key=:                    pcn fw1 chain INGRESS batch rules= < rules.yaml\n"
    "  ? or --help at any depth lists what can follow, from the schema.\n"
    "  The daemon is at $PCN_URL or --url (default http://127.0.0.1:9000; also https://host:port\n"
    "  and unix:/path/to/socket). --token (or $PCN_TOKEN) is sent as a bearer token; --cacert (or\n"
    "  $PCN_CACERT) names the CA certificates that vouch for an https daemon; --cert and --key give\n"
    "  a TLS client certificate, whose subject is the user.\n";

// pcn <cube> dump [format=pcap|pcapng]: the cube as a capture file on
// stdout (GET of the cube with the file's media type in Accept).
int dump(const DaemonApi &daemon, const std::vector<std::string> &w, const std::string &service) {
  std::string format = "pcap";
  if (w.size() > 3 || (w.size() == 3 && w[2].rfind("format=", 0) != 0))
    throw UsageError("usage: pcn <cube> dump [format=pcap|pcapng] > file");
  if (w.size() == 3) format = w[2].substr(7);
  std::string type = format == "pcap"     ? "application/vnd.tcpdump.pcap"
                     : format == "pcapng" ? "application/x-pcapng"
                                          : "";
  if (type.empty()) throw UsageError("unknown format '" + format + "' (expected pcap or pcapng)");
  if (isatty(STDOUT_FILENO)) throw UsageError("dump writes a binary file: redirect it (pcn " + w[0] + " dump > cap." + format + ")");
  HttpResponse r = daemon.get("/restconf/data/" + service + ":" + service + "=" + percent_encode(w[0]), {{"Accept", type}});
  if (r.status == 406) throw std::runtime_error("cube " + w[0] + " (service " + service + ") has no " + format + " dump");
  if (r.status != 200) answer_of(r);  // throws the daemon's message
  if (std::fwrite(r.body.data(), 1, r.body.size(), stdout) != r.body.size() || std::fflush(stdout) != 0)
    throw std::runtime_error(std::string("cannot write the capture: ") + std::strerror(errno));
  return 0;
}

void print(const json &v, const Options &o, const ColumnOrder &order = {}) { std::fputs(render(v, o.format, order).c_str(), stdout); }

void print_table(const json &rows, const std::vector<std::string> &cols) { std::fputs(render_table(rows, 0, cols).c_str(), stdout); }

int run(const DaemonApi &daemon, const Options &o) {
  std::vector<std::string> w = o.words;
  auto call = [&](const std::string &method, const std::string &path, const std::string &body = "") {
    return daemon.call(method, path, body);
  };
  if (w.empty()) {
    std::fputs(kUsage, stdout);
    return o.help ? 0 : 2;
  }
  if (w[0] == "completion") {
    if (w.size() != 2 || w[1] != "bash") throw UsageError("usage: pcn completion bash");
    std::fputs(kBashCompletion, stdout);
    return 0;
  }
  if (w[0] == "__complete") {
    for (const auto &c : completions(daemon, {w.begin() + 1, w.end()})) std::puts(c.c_str());
    return 0;
  }
  if (is_versions_command(w[0]))
    return run_versions_command(o, {call, [&](const json &v) { print(v, o); }, print_table, daemon.modules()});
  if (w[0] == "cubes" || w[0] == "services" || w[0] == "netdevs" || w[0] == "topology") {
    // polycubectl's `pcn cubes show`, and `pcn topology show <netdev>`: the
    // chain of cubes a packet arriving on that netdev meets.
    size_t most = w[0] == "topology" ? 3 : 2;
    if (w.size() > most || (w.size() > 1 && w[1] != "show"))
      throw UsageError("'" + w[0] + "' takes " + (w[0] == "topology" ? "at most: show <netdev>" : "no more words but show"));
    json data = call("GET", "/restconf/data/polycube:" + w[0]);
    if (w.size() == 3) {
      json chain = netdev_chain(data, w[2]);
      if (o.format != "human") print(json{{"netdev", w[2]}, {"chain", chain}}, o);
      else if (chain.empty()) std::printf("nothing is attached to %s\n", w[2].c_str());
      else {
        std::string line = w[2];
        for (const auto &c : chain) line += " -> " + c.get<std::string>();
        std::puts(line.c_str());
      }
      return 0;
    }
    if (w[0] == "cubes" && o.format == "human") {
      json rows = cube_rows(data);
      if (rows.empty()) std::puts("no cubes");
      else print_table(rows, {"name", "service", "type", "ports", "blocks"});
      return 0;
    }
    if (w[0] == "services" && o.format == "human") {
      json rows = service_rows(data, call("GET", "/restconf/data/polycube:cubes"));
      if (rows.empty()) std::puts("no services");
      else print_table(rows, {"name", "cubes"});
      return 0;
    }
    if (w[0] == "netdevs" && o.format == "human") {
      print_table(data["polycube:netdevs"]["netdev"], {"name", "ifindex"});
      return 0;
    }
    if (o.format == "human") std::fputs(render_answer(data, true).c_str(), stdout);
    else print(data, o);
    return 0;
  }
  if (w[0] == "audit") {
    long long now = std::chrono::duration_cast<std::chrono::milliseconds>(
                        std::chrono::system_clock::now().time_since_epoch()).count();
    json data = call("GET", audit_target({w.begin() + 1, w.end()}, now));
    if (o.format != "human") print(data, o);
    else if (json rows = audit_rows(data); rows.empty()) std::puts("no audit entries");
    else print_table(rows, kAuditColumns);
    return 0;
  }
  if (is_link_command(w[0])) {
    run_link_command(daemon, w);
    return 0;
  }

  json services = call("GET", "/restconf/data/polycube:services")["polycube:services"]["service"];
  std::set<std::string> names;
  for (const auto &s : services) names.insert(s["name"].get<std::string>());
  std::optional<json> cubes;
  auto cube_list = [&]() -> const json & {
    if (!cubes) cubes = call("GET", "/restconf/data/polycube:cubes")["polycube:cubes"]["cube"];
    return *cubes;
  };
  if (words_need_cubes(o.words, names)) {  // polycubectl's orders: pcn helloworld hw0 ..., pcn del hw0
    std::map<std::string, std::string> cube_service;
    for (const auto &c : cube_list()) cube_service[c["name"]] = c["service"];
    w = pcn_word_order(o.words, names, cube_service);
  }

  Command cmd;
  std::optional<Schema> schema;
  if (names.count(w[0])) {  // pcn <service> add|del|show <name>
    schema.emplace(w[0], daemon.modules());
    cmd = service_command(*schema, w, o.help, read_stdin_body);
  } else {  // pcn <cube> [path...] [verb] [keys...] [k=v...]
    std::string service;
    for (const auto &c : cube_list())
      if (c["name"] == w[0]) service = c["service"];
    if (service.empty()) {
      std::vector<std::string> known(names.begin(), names.end());
      for (const auto &c : cube_list()) known.push_back(c["name"]);
      known.insert(known.end(), kFrameworkWords.begin(), kFrameworkWords.end());
      throw std::runtime_error("unknown cube or service '" + w[0] + "'" + did_you_mean(closest(w[0], known)));
    }
    if (w.size() >= 2 && w[1] == "dump") return dump(daemon, w, service);
    schema.emplace(service, daemon.modules());
    cmd = cube_command(*schema, w, o.help, read_stdin_body);
  }
  switch (cmd.kind) {
    case Command::kHelp:
      std::fputs(help_text(cmd.node, cmd.where, !cmd.selected).c_str(), stdout);
      return 0;
    case Command::kActionHelp:
      std::fputs(action_help_text(cmd.node, cmd.where).c_str(), stdout);
      return 0;
    case Command::kShow: {
      ColumnOrder columns;
      learn_columns(schema->top(), columns);
      HttpResponse r = daemon.get(cmd.path);
      if (r.status == 404 && !cmd.selected) {
        // RESTCONF answers 404 for an empty list; the entry holding it exists
        // if its own GET works (else this call names what is missing).
        call("GET", cmd.path.substr(0, cmd.path.rfind('/')) + "?depth=1");
        if (o.format == "json") std::puts("{}");
        else if (o.format == "human") std::printf("no %s\n", cmd.node->name);
        return 0;
      }
      const bool leaf = cmd.node && (cmd.node->nodetype & (LYS_LEAF | LYS_LEAFLIST));
      if (r.status == 404 && leaf) {
        // An unset leaf: nothing to print, if the node holding it exists
        // (else this call names what is missing).
        call("GET", cmd.path.substr(0, cmd.path.rfind('/')) + "?depth=1");
        if (o.format == "json") std::puts("{}");
        return 0;
      }
      json answer = answer_of(r);
      if (leaf && o.format == "human" && answer.is_object() && answer.size() == 1) {
        // One leaf prints its bare value (a leaf-list a value a line), as
        // polycubectl does, so `$(pcn r1 ports p1 show peer)` is the peer.
        const json &v = answer.begin().value();
        for (const auto &x : v.is_array() ? v : json::array({v})) std::puts(scalar(x).c_str());
        return 0;
      }
      if (o.format == "yaml") integers_as_numbers(*schema, cmd.node, answer);
      bool whole_list = !cmd.selected || (names.count(w[0]) && w.size() <= 2);  // pcn <service> show
      if (o.format == "human") std::fputs(render_answer(answer, whole_list, columns).c_str(), stdout);
      else print(answer, o);
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
  set_client_credentials({o.token, o.cacert, o.cert, o.key});
  try {
    return run(DaemonApi(o.url, &o), o);
  } catch (const UsageError &e) {
    std::fprintf(stderr, "pcn: %s\n", e.what());
    return 2;
  } catch (const std::exception &e) {
    std::fprintf(stderr, "pcn: %s\n", e.what());
    return 1;
  }
}
