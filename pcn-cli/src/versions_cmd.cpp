#include "versions_cmd.h"

#include <cstdio>
#include <set>

#include "cli_error.h"
#include "config_file.h"
#include "polycube/utf8.h"

using nlohmann::json;

namespace pcn {

namespace {

const std::string kOps = "/restconf/operations/polycube:";
constexpr size_t kShownChanges = 20;  // per cube, in the human output

uint64_t version_word(const std::string &w, const std::string &what) {
  if (w.empty() || w.size() > 10 || w.find_first_not_of("0123456789") != std::string::npos || std::stoull(w) > 0xffffffffull)
    throw UsageError(what + " must be a version number (pcn versions lists them), not '" + w + "'");
  return std::stoull(w);
}

std::string input(const json &in) { return json{{"polycube:input", in}}.dump(); }

// One line per cube (op, service, name), then its changes: "path: old -> new",
// "+ path: new", "- path: old".
void print_cubes(const json &cubes, bool all) {
  for (const auto &c : cubes) {
    std::printf("%-7s %s %s\n", c.value("op", "").c_str(), c.value("service", "").c_str(), c.value("name", "").c_str());
    const json changes = c.value("change", json::array());
    size_t shown = 0;
    for (const auto &ch : changes) {
      if (!all && shown == kShownChanges) {
        std::printf("          ... %zu more (-json shows them all)\n", changes.size() - shown);
        break;
      }
      shown++;
      std::string path = ch.value("path", "");
      if (ch.contains("old") && ch.contains("new"))
        std::printf("          %s: %s -> %s\n", path.c_str(), ch["old"].get<std::string>().c_str(),
                    ch["new"].get<std::string>().c_str());
      else if (ch.contains("new"))
        std::printf("        + %s: %s\n", path.c_str(), ch["new"].get<std::string>().c_str());
      else
        std::printf("        - %s: %s\n", path.c_str(), ch.value("old", "").c_str());
    }
  }
}

int versions(const Options &o, const CliIo &io) {
  if (o.words.size() > 1) throw UsageError("'versions' takes no more words");
  json doc = io.call("GET", "/restconf/data/polycube:versions", "");
  if (o.format != "human") {
    io.print(doc);
    return 0;
  }
  const json &v = doc["polycube:versions"];
  uint64_t current = v["current"];
  json rows = json::array();
  for (const auto &e : v["version"]) {
    std::string cubes;
    for (const auto &c : e.value("cubes", json::array())) cubes += (cubes.empty() ? "" : ",") + c.get<std::string>();
    if (cubes.size() > 40) cubes = cubes.substr(0, 37) + "...";
    uint64_t n = e["number"];
    rows.push_back({{"version", (n == current ? "*" : " ") + std::to_string(n)},
                    {"time", e["time"]},
                    {"user", e.value("user", "-")},
                    {"cubes", cubes.empty() ? "-" : cubes},
                    {"message", e.value("message", "")}});
  }
  io.table(rows, {"version", "time", "user", "cubes", "message"});
  if (v.contains("pending-confirm")) {
    const json &p = v["pending-confirm"];
    std::printf("\nconfirmed commit %s goes back to version %s in %s s unless confirmed: pcn confirm (pcn cancel-commit reverts now)\n",
                p["version"].dump().c_str(), p["revert-to"].dump().c_str(), p["seconds-left"].dump().c_str());
  }
  return 0;
}

int diff(const Options &o, const CliIo &io) {
  const auto &w = o.words;
  if (w.size() < 2 || w.size() > 3) throw UsageError("usage: pcn diff V1 [V2] (V2: the current version)");
  json in = {{"from", version_word(w[1], "V1")}};
  if (w.size() == 3) in["to"] = version_word(w[2], "V2");
  json out = io.call("POST", kOps + "diff", input(in));
  if (o.format != "human") {
    io.print(out);
    return 0;
  }
  const json &d = out["polycube:output"];
  if (d["cube"].empty()) std::printf("no difference between versions %s and %s\n", d["from"].dump().c_str(), d["to"].dump().c_str());
  print_cubes(d["cube"], true);
  return 0;
}

// rollback and cancel-commit answer the same: the version made and the
// cubes changed.
void print_revert(const json &out, const std::string &done) {
  const json &r = out["polycube:output"];
  if (r["cube"].empty()) {
    std::printf("nothing to change: the configuration already is that of version %s\n", r["version"].dump().c_str());
    return;
  }
  std::printf("%s: now version %s\n", done.c_str(), r["version"].dump().c_str());
  print_cubes(r["cube"], true);
}

int apply(const Options &o, const CliIo &io) {
  std::string file;
  bool dry_run = false;
  for (size_t i = 1; i < o.words.size(); i++) {
    const std::string &a = o.words[i];
    if (a == "--dry-run") dry_run = true;
    else if (a == "-f" && i + 1 < o.words.size()) file = o.words[++i];
    else throw UsageError("unexpected '" + a + "': usage: pcn apply -f FILE [--dry-run] (FILE - reads stdin)");
  }
  if (file.empty()) throw UsageError("usage: pcn apply -f FILE [--dry-run] (FILE - reads stdin)");
  json doc = typed_config(read_config_file(file), io.modules);
  json out = io.call("POST", kOps + "apply", input({{"configuration", std::move(doc)}, {"dry-run", dry_run}}));
  if (o.format != "human") {
    io.print(out);
    return 0;
  }
  const json &r = out["polycube:output"];
  print_cubes(r["cube"], false);
  if (r["cube"].empty()) std::printf("nothing to change: the configuration already is %s's (version %s)\n", file.c_str(),
                                     r["version"].dump().c_str());
  else if (dry_run) std::printf("dry run: nothing changed (version %s)\n", r["version"].dump().c_str());
  else std::printf("applied: now version %s\n", r["version"].dump().c_str());
  return 0;
}

int export_config(const Options &o, const CliIo &io) {
  if (o.words.size() > 1) throw UsageError("'export' takes no more words (pcn export > topo.yaml)");
  json doc = io.call("GET", "/restconf/data?content=config", "");
  if (o.format == "json") {
    std::puts(doc.dump(2).c_str());
    return 0;
  }
  std::fputs("# polycube configuration (pcn export): pcn apply -f FILE makes a daemon's equal to it\n", stdout);
  std::fputs(to_yaml(doc).c_str(), stdout);
  return 0;
}

}  // namespace

bool is_versions_command(const std::string &word) {
  static const std::set<std::string> words = {"versions", "diff", "rollback", "confirm", "cancel-commit", "export", "apply"};
  return words.count(word) > 0;
}

int run_versions_command(const Options &o, const CliIo &io) {
  const auto &w = o.words;
  const std::string &cmd = w[0];
  if (cmd == "versions") return versions(o, io);
  if (cmd == "diff") return diff(o, io);
  if (cmd == "export") return export_config(o, io);
  if (cmd == "apply") return apply(o, io);
  if (cmd == "rollback") {
    if (w.size() != 2) throw UsageError("usage: pcn rollback V (pcn versions lists them)");
    uint64_t v = version_word(w[1], "V");
    json out = io.call("POST", kOps + "rollback", input({{"version", v}}));
    if (o.format != "human") io.print(out);
    else print_revert(out, "rolled back to version " + std::to_string(v));
    return 0;
  }
  if (w.size() != 1) throw UsageError("'" + cmd + "' takes no more words");
  if (cmd == "confirm") {
    io.call("POST", kOps + "confirm", "");
    return 0;
  }
  json out = io.call("POST", kOps + "cancel-commit", "");  // cancel-commit
  if (o.format != "human") io.print(out);
  else print_revert(out, "confirmed commit cancelled");
  return 0;
}

std::string write_target(const std::string &path, const Options &o) {
  if (o.confirm.empty()) return path;
  const std::string &s = o.confirm;
  if (s.empty() || s.size() > 6 || s.find_first_not_of("0123456789") != std::string::npos || std::stoul(s) == 0 || std::stoul(s) > 86400)
    throw UsageError("--confirm takes 1..86400 seconds, not '" + s + "'");
  return path + (path.find('?') == std::string::npos ? "?" : "&") + "confirm-timeout=" + s;
}

std::vector<std::pair<std::string, std::string>> write_headers(const Options &o) {
  if (o.message.empty()) return {};
  if (!polycube::valid_utf8(o.message)) throw UsageError("--message is not UTF-8 text");
  for (unsigned char c : o.message)
    if (c < 0x20 || c == 0x7f) throw UsageError("--message holds a control character (a newline?)");
  if (o.message.size() > 1024) throw UsageError("--message is longer than 1024 bytes");
  return {{"X-Pcn-Message", o.message}};
}

}  // namespace pcn
