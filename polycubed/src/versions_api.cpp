#include "versions_api.h"

#include <limits>

#include "polycube/strict_json.h"
#include "polycube/utf8.h"

namespace polycube::daemon {

using nlohmann::json;

namespace {

constexpr size_t kMaxMessage = 1024;
constexpr uint32_t kMaxConfirmTimeout = 86400;  // a day

DataError bad(const std::string &message, const std::string &tag = "invalid-value") {
  return DataError(ErrorCode::kInvalid, message, "", tag);
}

// The operation's input object, every member named in `allowed`; {} for an
// empty body.
json input_of(const std::string &body, const std::string &op, std::initializer_list<const char *> allowed) {
  if (body.find_first_not_of(" \t\r\n") == std::string::npos) return json::object();
  StrictJson doc = parse_json(body);
  if (!doc.ok()) throw bad("the body is not valid JSON: " + doc.error, "malformed-message");
  json &d = doc.value;
  if (!d.is_object() || d.size() != 1 || !d.contains("polycube:input") || !d["polycube:input"].is_object())
    throw bad("expected {\"polycube:input\":{...}}");
  json in = std::move(d["polycube:input"]);
  for (const auto &item : in.items()) {
    const std::string &k = item.key();  // not a structured binding: clang 14 (the fuzz build) cannot capture one
    if (std::none_of(allowed.begin(), allowed.end(), [&](const char *a) { return k == a; }))
      throw bad("polycube:" + op + " has no input '" + k + "'", "unknown-element");
  }
  return in;
}

// A version number (YANG uint32): a JSON number, or its decimal text.
std::optional<uint64_t> version_arg(const json &in, const char *name, bool mandatory) {
  if (!in.contains(name)) {
    if (mandatory) throw bad(std::string("missing input '") + name + "' (a version number)", "missing-element");
    return std::nullopt;
  }
  const json &v = in[name];
  uint64_t n = 0;
  if (v.is_number_unsigned()) {
    n = v.get<uint64_t>();
  } else if (v.is_string() && !v.get<std::string>().empty() && v.get<std::string>().size() <= 10 &&
             v.get<std::string>().find_first_not_of("0123456789") == std::string::npos) {
    n = std::stoull(v.get<std::string>());
  } else {
    throw bad(std::string("'") + name + "' must be a version number, not " + v.dump());
  }
  if (n > std::numeric_limits<uint32_t>::max()) throw bad(std::string("'") + name + "' is out of range: " + v.dump());
  return n;
}

HttpReply output(json out) { return {200, json{{"polycube:output", std::move(out)}}.dump()}; }

}  // namespace

HttpReply versions_get(Reconciler &rc, const std::string &what) {
  json v = rc.versions();
  if (what == "versions") return {200, json{{"polycube:versions", std::move(v)}}.dump()};
  const std::string one = "versions/version=";
  if (what.rfind(one, 0) == 0) {
    std::string n = what.substr(one.size());
    for (const auto &e : v["version"])
      if (std::to_string(e["number"].get<uint64_t>()) == n) return {200, json{{"polycube:version", {e}}}.dump()};
    return restconf_error(404, "invalid-value", "no version " + n + " (versions " + std::to_string(v["oldest"].get<uint64_t>()) +
                                                   ".." + std::to_string(v["current"].get<uint64_t>()) + " are kept)");
  }
  return restconf_error(404, "invalid-value", "no resource polycube:" + what);
}

bool is_versions_operation(const std::string &op) {
  return op == "rollback" || op == "confirm" || op == "cancel-commit" || op == "diff" || op == "apply";
}

HttpReply versions_operation(Reconciler &rc, const std::string &op, const std::string &body, const WriteContext &ctx) {
  auto not_a_write = [&](const std::string &why) {
    if (ctx.confirm_timeout) throw bad("confirm-timeout applies to writes; " + why);
  };
  if (op == "rollback") {
    json in = input_of(body, op, {"version"});
    return output(rc.rollback_to(*version_arg(in, "version", true), ctx));
  }
  if (op == "confirm") {
    not_a_write("polycube:confirm confirms the pending commit");
    input_of(body, op, {});
    rc.confirm(ctx);
    return {204, ""};
  }
  if (op == "cancel-commit") {
    not_a_write("polycube:cancel-commit reverts the pending commit now");
    input_of(body, op, {});
    return output(rc.cancel_commit(ctx));
  }
  if (op == "diff") {
    not_a_write("polycube:diff changes nothing");
    json in = input_of(body, op, {"from", "to"});
    return output(rc.diff(*version_arg(in, "from", true), version_arg(in, "to", false)));
  }
  if (op == "apply") {
    json in = input_of(body, op, {"configuration", "dry-run"});
    if (!in.contains("configuration"))
      throw bad("missing input 'configuration' (the whole configuration, as GET /restconf/data?content=config gives it)",
                "missing-element");
    bool dry_run = false;
    if (in.contains("dry-run")) {
      if (!in["dry-run"].is_boolean()) throw bad("'dry-run' must be true or false, not " + in["dry-run"].dump());
      dry_run = in["dry-run"].get<bool>();
    }
    if (dry_run) not_a_write("a dry run changes nothing");
    return output(rc.apply_config(std::move(in["configuration"]), dry_run, ctx));
  }
  return restconf_error(404, "invalid-value", "no operation polycube:" + op);
}

WriteContext write_context(const RestconfRequest &req, std::string &query) {
  WriteContext ctx;
  ctx.user = req.user;
  if (!req.message.empty()) {
    if (req.message.size() > kMaxMessage)
      throw bad("X-Pcn-Message is longer than " + std::to_string(kMaxMessage) + " bytes");
    if (!valid_utf8(req.message)) throw bad("X-Pcn-Message is not UTF-8 text");
    for (unsigned char c : req.message)
      if (c < 0x20 || c == 0x7f) throw bad("X-Pcn-Message holds a control character");
    ctx.message = req.message;
  }
  std::string rest;
  bool seen = false;
  for (size_t start = 0; start <= query.size() && !query.empty();) {
    size_t amp = query.find('&', start);
    std::string part = query.substr(start, amp == std::string::npos ? std::string::npos : amp - start);
    start = amp == std::string::npos ? query.size() + 1 : amp + 1;
    if (part.rfind("confirm-timeout", 0) != 0 || (part.size() > 15 && part[15] != '=')) {
      rest += (rest.empty() ? "" : "&") + part;
      continue;
    }
    if (seen) throw bad("query parameter 'confirm-timeout' given twice");
    seen = true;
    std::string v = part.size() > 16 ? part.substr(16) : "";
    if (v.empty() || v.size() > 6 || v.find_first_not_of("0123456789") != std::string::npos || std::stoul(v) == 0 ||
        std::stoul(v) > kMaxConfirmTimeout)
      throw bad("confirm-timeout must be 1.." + std::to_string(kMaxConfirmTimeout) + " seconds, not '" + v + "'");
    ctx.confirm_timeout = static_cast<uint32_t>(std::stoul(v));
  }
  query = rest;
  return ctx;
}

}  // namespace polycube::daemon
