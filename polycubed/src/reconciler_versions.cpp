// The reconciler's versions (versions.h): rollback, confirmed commit, diff
// between versions and declarative apply. Each change goes through apply()
// like any write: validation, references, reconcile with kernel rollback,
// one journal record with its version.
#include <spdlog/spdlog.h>

#include <set>

#include "config_diff.h"
#include "reconciler.h"

namespace polycube::daemon {

using nlohmann::json;

namespace {

// RFC 8040: 409 data-missing, the state the request needs is not there.
DataError no_pending() {
  return DataError(ErrorCode::kInUse, "no confirmed commit is waiting for confirmation", "", "data-missing");
}

DataError bad(const std::string &message, const std::string &tag = "invalid-value") {
  return DataError(ErrorCode::kInvalid, message, "", tag);
}

const char *op_name(CubeChange::Op op) {
  switch (op) {
    case CubeChange::kCreate: return "create";
    case CubeChange::kDelete: return "delete";
    default: return "update";
  }
}

}  // namespace

json Reconciler::versions() const {
  std::shared_lock<std::shared_mutex> lock(mu_);
  return history_.to_json();
}

Transaction Reconciler::stage_back_to(uint64_t v) const {
  if (v > history_.current())
    throw DataError(ErrorCode::kNotFound,
                    "no version " + std::to_string(v) + ": the current version is " + std::to_string(history_.current()), "",
                    "invalid-value");
  if (v < history_.oldest())
    throw DataError(ErrorCode::kNotFound,
                    "version " + std::to_string(v) + " is no longer kept: the oldest kept is " +
                        std::to_string(history_.oldest()) + " (polycubed --versions-kept)",
                    "", "invalid-value");
  std::vector<json> records;
  for (const std::string *undo : history_.undo_since(v)) records.push_back(json::parse(*undo));
  return ds_.stage_records(records);
}

json Reconciler::changed_cubes(const Transaction &txn) const {
  json out = json::array();
  for (const auto &c : txn.changes()) out.push_back({{"name", c.name}, {"service", c.module}, {"op", op_name(c.op)}});
  return out;
}

std::optional<PendingConfirm> Reconciler::pending_after(const Commit &commit, uint64_t version) const {
  const auto &now = history_.pending();
  if (commit.ends_pending) return std::nullopt;
  if (commit.ctx.confirm_timeout == 0) return now;
  PendingConfirm p;
  p.version = version;
  // A follow-up confirmed write keeps the first one's revert point.
  p.revert_to = now ? now->revert_to : version - 1;
  p.deadline_ms = now_ms() + static_cast<int64_t>(commit.ctx.confirm_timeout) * 1000;
  p.user = commit.ctx.user;
  return p;
}

uint64_t Reconciler::record_unchanged(const Commit &commit) {
  // A confirmed write that changes nothing has nothing to revert, unless
  // it follows a pending one (whose deadline it extends).
  if (commit.ctx.confirm_timeout && !history_.pending()) return 0;
  std::optional<PendingConfirm> after = pending_after(commit, history_.current());
  if (after == history_.pending()) return 0;
  uint64_t seq = 0;
  if (journal_) {
    ensure_journal_loaded();
    json meta = {{"pending", after ? after->to_json() : json()}};
    seq = journal_->append(VersionHistory::record_payload(meta, "", ""));
  }
  history_.set_pending(after);
  if (after) timer_->arm(after->deadline_ms);
  else timer_->disarm();
  return seq;
}

json Reconciler::rollback_to(uint64_t v, const WriteContext &ctx) {
  json result;
  uint64_t seq = 0;
  {
    std::unique_lock<std::shared_mutex> lock(mu_);
    if (v == history_.current())
      throw bad("version " + std::to_string(v) + " is the current configuration: there is nothing to roll back");
    Transaction txn = stage_back_to(v);
    json cubes = changed_cubes(txn);
    Commit commit{ctx, ctx.message.empty() ? "rollback to version " + std::to_string(v) : ""};
    seq = apply(std::move(txn), &commit);
    result = {{"version", history_.current()}, {"cube", std::move(cubes)}};
  }
  if (seq) journal_->wait_durable(seq);
  return result;
}

void Reconciler::confirm(const WriteContext &ctx) {
  uint64_t seq = 0;
  {
    std::unique_lock<std::shared_mutex> lock(mu_);
    const auto &p = history_.pending();
    if (!p) throw no_pending();
    json meta = {{"pending", nullptr}, {"confirmed", p->version}};
    if (!ctx.user.empty()) meta["user"] = ctx.user;
    if (journal_) {
      ensure_journal_loaded();
      seq = journal_->append(VersionHistory::record_payload(meta, "", ""));
    }
    spdlog::info("confirmed commit {} confirmed{}", p->version, ctx.user.empty() ? "" : " by " + ctx.user);
    history_.set_pending(std::nullopt);
    timer_->disarm();
  }
  if (seq) journal_->wait_durable(seq);
}

uint64_t Reconciler::revert_pending(const std::string &message, const WriteContext &ctx, json *result) {
  PendingConfirm p = *history_.pending();
  Transaction txn = stage_back_to(p.revert_to);
  json cubes = changed_cubes(txn);
  Commit commit{ctx, message, true};
  uint64_t seq = apply(std::move(txn), &commit);
  if (result) *result = {{"version", history_.current()}, {"cube", std::move(cubes)}};
  return seq;
}

json Reconciler::cancel_commit(const WriteContext &ctx) {
  json result;
  uint64_t seq = 0;
  {
    std::unique_lock<std::shared_mutex> lock(mu_);
    const auto &p = history_.pending();
    if (!p) throw no_pending();
    std::string message = "confirmed commit " + std::to_string(p->version) + " cancelled: back to version " +
                          std::to_string(p->revert_to);
    seq = revert_pending(ctx.message.empty() ? message : ctx.message, ctx, &result);
  }
  if (seq) journal_->wait_durable(seq);
  return result;
}

void Reconciler::on_confirm_deadline() {
  uint64_t seq = 0;
  {
    std::unique_lock<std::shared_mutex> lock(mu_);
    const auto &p = history_.pending();
    if (!p) return;
    if (p->deadline_ms > now_ms()) {  // extended meanwhile
      timer_->arm(p->deadline_ms);
      return;
    }
    uint64_t v = p->version, to = p->revert_to;
    try {
      seq = revert_pending("confirmed commit " + std::to_string(v) + " not confirmed in time: reverted to version " +
                               std::to_string(to),
                           WriteContext{}, nullptr);
      spdlog::warn("confirmed commit {} not confirmed in time: reverted to version {} (now version {})", v, to,
                   history_.current());
    } catch (const std::exception &e) {
      spdlog::error("reverting confirmed commit {} failed: {}; trying again in 10 s", v, e.what());
      timer_->arm(now_ms() + 10000);
      return;
    }
  }
  if (seq) journal_->wait_durable(seq);
}

void Reconciler::restore_versions_state() {
  const auto &p = history_.pending();
  if (!p) return;
  if (p->deadline_ms > now_ms()) {
    spdlog::info("confirmed commit {} waits for confirmation for {} s more", p->version,
                 (p->deadline_ms - now_ms() + 999) / 1000);
    timer_->arm(p->deadline_ms);
    return;
  }
  // Its deadline passed while the daemon was down.
  uint64_t v = p->version, to = p->revert_to;
  try {
    uint64_t seq = revert_pending("confirmed commit " + std::to_string(v) +
                                      " not confirmed before its deadline (daemon restarted): reverted to version " +
                                      std::to_string(to),
                                  WriteContext{}, nullptr);
    if (seq) journal_->wait_durable(seq);
    spdlog::warn("confirmed commit {} expired while the daemon was down: reverted to version {}", v, to);
  } catch (const std::exception &e) {
    spdlog::error("reverting confirmed commit {} failed: {}; trying again in 10 s", v, e.what());
    timer_->arm(now_ms() + 10000);
  }
}

json Reconciler::diff(uint64_t from, std::optional<uint64_t> to_version) const {
  std::shared_lock<std::shared_mutex> lock(mu_);
  uint64_t to = to_version.value_or(history_.current());
  Transaction at_from = stage_back_to(from), at_to = stage_back_to(to);
  json cubes = json::array();
  auto one = [&](const std::string &name, const std::string &module, const json &before, const json &after) {
    if (before == after) return;
    const char *op = before.is_null() ? "create" : after.is_null() ? "delete" : "update";
    cubes.push_back({{"name", name},
                     {"service", module},
                     {"op", op},
                     {"change", to_json(diff_config(before, after, ds_.list_shapes(module)))}});
  };
  if (from != to)
    for (const auto &name : history_.cubes_between(std::min(from, to), std::max(from, to))) {
      auto [m1, c1] = ds_.staged_cube(at_from, name);
      auto [m2, c2] = ds_.staged_cube(at_to, name);
      if (!c1.is_null() && !c2.is_null() && m1 != m2) {  // the name moved to another service
        one(name, m1, c1, nullptr);
        one(name, m2, nullptr, c2);
      } else {
        one(name, c1.is_null() ? m2 : m1, c1, c2);
      }
    }
  return {{"from", from}, {"to", to}, {"cube", std::move(cubes)}};
}

json Reconciler::apply_config(json desired, bool dry_run, const WriteContext &ctx) {
  if (!desired.is_object())
    throw bad("the configuration must be an object {\"<service>:<service>\": [cubes...]}", "malformed-message");
  json parts = json::array();
  std::set<std::string> names;
  for (auto &[qname, list] : desired.items()) {
    auto colon = qname.find(':');
    std::string module = qname.substr(0, colon);
    if (colon == std::string::npos || qname != module + ":" + module || !services_.count(module))
      throw bad("'" + qname + "' names no service (expected <service>:<service> of a loaded service)", "unknown-element");
    if (!list.is_array()) throw bad("'" + qname + "' must be a list of cubes");
    for (auto &inst : list) {
      if (!inst.is_object() || !inst.contains("name") || !inst["name"].is_string())
        throw bad("every cube of '" + qname + "' needs a name", "missing-element");
      std::string name = inst["name"];
      if (!names.insert(name).second) throw bad("cube " + name + " is named twice");
      parts.push_back({{"module", module}, {"name", name}, {"replace", std::move(inst)}});
    }
  }
  auto plan_and_apply = [&](bool write) {
    // Cubes not in the file go.
    for (const auto &[module, name] : ds_.addressed(""))
      if (!names.count(name)) parts.push_back({{"module", module}, {"name", name}, {"delete", true}});
    Transaction txn = ds_.stage_records({json{{"cubes", std::move(parts)}}});
    json plan = json::array();
    for (const auto &c : txn.changes()) {
      json before = c.op == CubeChange::kCreate ? json() : ds_.cube(c.module, c.name);
      json after = c.op == CubeChange::kDelete ? json() : ds_.staged_cube(txn, c.name).second;
      plan.push_back({{"name", c.name},
                      {"service", c.module},
                      {"op", op_name(c.op)},
                      {"change", to_json(diff_config(before, after, ds_.list_shapes(c.module)))}});
    }
    json out = {{"dry-run", !write}, {"cube", std::move(plan)}};
    uint64_t seq = 0;
    if (write) {
      Commit commit{ctx, ctx.message.empty() ? "apply" : ""};
      seq = apply(std::move(txn), &commit);
    } else {
      refs_.check(txn.changes());  // what would be refused is refused
    }
    out["version"] = history_.current();
    return std::make_pair(std::move(out), seq);
  };
  std::pair<json, uint64_t> done;
  if (dry_run) {
    std::shared_lock<std::shared_mutex> lock(mu_);
    done = plan_and_apply(false);
  } else {
    std::unique_lock<std::shared_mutex> lock(mu_);
    done = plan_and_apply(true);
  }
  if (done.second) journal_->wait_durable(done.second);
  return std::move(done.first);
}

}  // namespace polycube::daemon
