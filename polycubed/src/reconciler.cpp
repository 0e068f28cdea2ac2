#include "reconciler.h"

#include <malloc.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "polycube/base_yang.h"

const std::string &polycube_framework_yang();

namespace polycube::daemon {

namespace fs = std::filesystem;

namespace {

// `{"mod:mod":[{...}]}` (one printed list instance) -> `{...}`.
nlohmann::json instance_of(const std::string &printed) {
  auto doc = nlohmann::json::parse(printed);
  return doc.begin()->at(0);
}

bool is_cube_port(const std::string &ref) { return ref.find(':') != std::string::npos; }

}  // namespace

Reconciler::Reconciler(Runtime &rt, std::vector<ServiceModel> services, std::string state, size_t versions_kept)
    : rt_(rt), history_(versions_kept) {
  ds_.load_module(polycube_framework_yang());  // served by framework_api, not by a service
  for (auto &s : services) {
    std::string module = ds_.load_module(s.yang);
    if (module != s.name)
      throw Error(ErrorCode::kInvalid, "service " + s.name + " ships module " + module);
    transparent_[module] = ds_.has_leaf(module, "attached-to");
    services_[module] = std::move(s);
  }
  if (!state.empty()) {
    journal_ = std::make_unique<Journal>(state);
    legacy_file_ = state + ".json";
  }
  history_.start("empty configuration");  // restore() replaces it with the saved history
  timer_ = std::make_unique<CommitTimer>([this] { on_confirm_deadline(); });
}

Reconciler::~Reconciler() { timer_.reset(); }

std::vector<std::string> Reconciler::services() const {
  std::vector<std::string> out;
  for (const auto &[name, _] : services_) out.push_back(name);
  return out;
}

std::vector<std::string> Reconciler::exports(const std::string &module) const {
  auto it = services_.find(module);
  return it == services_.end() || !it->second.export_as ? std::vector<std::string>{} : it->second.exports;
}

std::string Reconciler::export_as(const std::string &module, const std::string &name, const std::string &media_type) {
  // Shared: an export reads the cube, it does not change the configuration.
  std::shared_lock<std::shared_mutex> lock(mu_);
  auto it = services_.find(module);
  if (it == services_.end() || !it->second.export_as) throw Error(ErrorCode::kNotFound, "service " + module + " exports nothing");
  if (ds_.module_of(name) != module) throw Error(ErrorCode::kNotFound, "no cube " + name);
  return it->second.export_as(rt_, name, media_type);
}

std::string Reconciler::yang(const std::string &module) const {
  if (module == "polycube-base") return polycube_base_yang();
  if (module == "polycube") return polycube_framework_yang();
  auto it = services_.find(module);
  return it == services_.end() ? "" : it->second.yang;
}

bool Reconciler::transparent(const std::string &module) const {
  auto it = transparent_.find(module);
  return it != transparent_.end() && it->second;
}

bool Reconciler::takes_splices(const std::string &module) const {
  auto it = services_.find(module);
  return it != services_.end() && it->second.splice;
}

std::string Reconciler::get(const std::string &xpath, Content content) const {
  std::shared_lock<std::shared_mutex> lock(mu_);
  // State only of the cubes addressed (a service may report values of
  // configuration leaves too, e.g. a derived MAC); one that can narrow it
  // to the path is asked for that part alone.
  nlohmann::json state = nlohmann::json::object();
  if (content != Content::kConfig) {
    std::string below = ds_.path_below_cube(xpath);
    for (const auto &[module, name] : ds_.addressed(xpath)) {
      auto svc = services_.find(module);
      if (svc == services_.end() || !svc->second.state) continue;
      nlohmann::json s = svc->second.state_at && !below.empty() ? svc->second.state_at(rt_, name, below)
                                                                 : svc->second.state(rt_, name);
      if (s.is_null()) continue;
      s["name"] = name;
      state[module + ":" + module].push_back(std::move(s));
    }
  }
  return ds_.get(xpath, &state, content == Content::kNonconfig);
}

nlohmann::json Reconciler::action(const std::string &module, const std::string &name, const std::string &path,
                                  const nlohmann::json &input, const WriteContext &ctx) {
  uint64_t seq = 0;
  nlohmann::json output;
  {
    std::unique_lock<std::shared_mutex> lock(mu_);
    auto svc = services_.find(module);
    if (svc == services_.end() || (!svc->second.action && !svc->second.config_action))
      throw Error(ErrorCode::kNotFound, "service " + module + " has no actions");
    if (ds_.module_of(name) != module) throw Error(ErrorCode::kNotFound, "no cube " + name);
    // Typed, checked and with defaults, from the action's YANG input.
    nlohmann::json checked = ds_.parse_action_input(module, name, path, input);
    std::optional<ServiceModel::ConfigEdit> edit;
    if (svc->second.config_action)
      edit = svc->second.config_action(
          ds_.cube(module, name, takes_splices(module) ? Datastore::Lists::kSizes : Datastore::Lists::kEntries), path, checked);
    if (edit) {
      // An action that edits configuration: committed like any write
      // (validate what changed, reconcile, journal).
      const nlohmann::json *config = edit->config.is_null() ? nullptr : &edit->config;
      Commit commit{ctx};
      seq = apply(ds_.edit(module, name, config, edit->splices), &commit);
      output = std::move(edit->output);
    } else {
      if (!svc->second.action) throw Error(ErrorCode::kNotFound, "no action " + path);
      output = svc->second.action(rt_, name, path, checked);
    }
  }
  if (seq) journal_->wait_durable(seq);
  return output;
}

bool Reconciler::exists(const std::string &module, const std::string &name) const {
  std::shared_lock<std::shared_mutex> lock(mu_);
  return ds_.module_of(name) == module;
}

bool Reconciler::exists_at(const std::string &xpath) const {
  std::shared_lock<std::shared_mutex> lock(mu_);
  return ds_.exists(xpath);
}

template <class MakeTxn>
void Reconciler::write(const WriteContext &ctx, MakeTxn &&make) {
  uint64_t seq;
  {
    std::unique_lock<std::shared_mutex> lock(mu_);
    Commit commit{ctx};
    seq = apply(make(), &commit);
  }
  // Outside the lock: the next writer reconciles while this one's record
  // is flushed, and one flush serves both.
  if (seq) journal_->wait_durable(seq);
}

void Reconciler::merge(const std::string &json, const WriteContext &ctx) {
  write(ctx, [&] { return ds_.merge(json); });
}

bool Reconciler::replace(const std::string &xpath, const std::string &json, const WriteContext &ctx) {
  bool existed = true;
  write(ctx, [&] {
    existed = ds_.exists(xpath);
    return ds_.replace(xpath, json);
  });
  return !existed;
}

void Reconciler::remove(const std::vector<std::string> &xpaths, const WriteContext &ctx) {
  write(ctx, [&] {
    Transaction txn = ds_.remove(xpaths);
    // Removing a cube or a port detaches the transparent cubes on it (they
    // stay, with the rest of their configuration): the same write clears
    // their attachment, so the configuration never names what is gone.
    std::vector<std::string> all;
    auto inst = [](const std::string &module, const std::string &name) {
      return "/" + module + ":" + module + "[name='" + name + "']";
    };
    for (const auto &[module, name] : refs_.attached_to_removed(txn.changes())) {
      all.push_back(inst(module, name) + "/attached-to");
      all.push_back(inst(module, name) + "/position");
    }
    // And what the service says goes with what is deleted (a route through
    // a deleted address).
    for (const auto &c : txn.changes()) {
      if (c.op != CubeChange::kUpdate) continue;
      auto svc = services_.find(c.module);
      if (svc == services_.end() || !svc->second.removes_with) continue;
      nlohmann::json after = c.splices.empty() || takes_splices(c.module) ? instance_of(c.json) : ds_.full_config(txn, c);
      for (const auto &p : svc->second.removes_with(after)) all.push_back(inst(c.module, c.name) + "/" + p);
    }
    if (all.empty()) return txn;
    all.insert(all.end(), xpaths.begin(), xpaths.end());
    return ds_.remove(all);
  });
}

nlohmann::json Reconciler::without_new_links(const std::string &name, const nlohmann::json &desired) const {
  nlohmann::json d = desired;
  auto cube = find_cube(rt_, name);
  if (d.contains("ports"))
    for (auto &p : d["ports"]) {
      std::string peer = p.value("peer", ""), now;
      if (!is_cube_port(peer)) continue;
      if (cube) try {
          now = cube->port(p.value("name", "")).peer.to_string();
        } catch (const Error &) {
        }
      if (now != peer) p.erase("peer");
    }
  if (d.contains("attached-to") && (!cube || cube->attached_to() != d["attached-to"].get<std::string>()))
    d.erase("attached-to");
  return d;
}

void Reconciler::run(const std::vector<Step> &steps, std::vector<Undo> *undo) {
  auto undo_of = [&](const Step &s) -> Undo & {
    for (auto &u : *undo)
      if (u.name == s.name && u.module == s.module) return u;
    undo->push_back({s.module, s.name,
                     ds_.cube(s.module, s.name, takes_splices(s.module) ? Datastore::Lists::kOmitted : Datastore::Lists::kEntries),
                     s.transparent, false, {}});
    return undo->back();
  };
  auto reconcile = [&](const Step &s, const nlohmann::json *desired) {
    Undo &u = undo_of(s);
    if (!desired) u.deleted = true;
    services_.at(s.module).reconcile(rt_, s.name, desired);
  };
  auto splice = [&](const Step &s) {
    if (s.splices.empty()) return;
    Undo &u = undo_of(s);
    // One call with every splice of the cube; a refusal changes nothing
    // of them, so undo needs only what earlier calls applied.
    services_.at(s.module).splice(rt_, s.name, s.splices);
    // One splice (an action, a batch): its inverse needs the committed
    // entries and the count inserted, not the entries, which stay unread.
    // Several: a later one may remove what an earlier one inserted, so the
    // inverse puts those back and they are kept.
    for (const auto &sp : s.splices) {
      ListSplice shape{sp.list, sp.pos, sp.remove, {}};
      if (s.splices.size() == 1) shape.insert.resize(sp.insert.size());
      else shape.insert = sp.insert;
      u.applied.push_back(std::move(shape));
    }
  };
  // 1. Deletions, transparent cubes first (they sit on the others' ports).
  for (bool transparent : {true, false})
    for (const auto &s : steps)
      if (s.desired.is_null() && s.transparent == transparent) reconcile(s, nullptr);
  // 2. Creations and updates, without the links to ports that do not exist
  //    yet (or will change), then their positional lists; 3. then those
  //    links, once every cube is there.
  std::vector<const Step *> relink;
  for (bool transparent : {false, true})
    for (const auto &s : steps) {
      if (s.desired.is_null() || s.transparent != transparent) continue;
      if (s.reconcile) {
        nlohmann::json first = without_new_links(s.name, s.desired);
        reconcile(s, &first);
        if (first != s.desired) relink.push_back(&s);
      }
      splice(s);
    }
  for (const Step *s : relink) reconcile(*s, &s->desired);
}

void Reconciler::rollback(std::vector<Undo> &undo) {
  // Back to the committed configuration of every cube touched; the
  // datastore is not committed, so it still holds it. Best effort: a
  // failure here is logged, the others still go back.
  auto guarded = [&](const Undo &u, const char *what, const std::function<void()> &f) {
    try {
      f();
    } catch (const std::exception &e) {
      spdlog::error("rollback of {} {} ({}) failed: {}", u.module, u.name, what, e.what());
    }
  };
  std::vector<Step> restore;
  for (auto &u : undo) {
    const ServiceModel &svc = services_.at(u.module);
    if (u.before.is_null()) {
      guarded(u, "delete", [&] { svc.reconcile(rt_, u.name, nullptr); });
      continue;
    }
    if (svc.splice && !u.deleted && !u.applied.empty()) {
      // Inverse splices, last first, from the committed entries.
      std::map<std::string, std::vector<ListEntry>> lists;
      std::vector<ListSplice> inverse;
      for (const auto &s : u.applied) {
        auto it = lists.find(s.list);
        if (it == lists.end()) it = lists.emplace(s.list, ds_.list_entries(u.module, u.name, s.list)).first;
        auto &v = it->second;
        ListSplice inv{s.list, s.pos, static_cast<uint32_t>(s.insert.size()), {}};
        for (uint32_t i = 0; i < s.remove && s.pos + i < v.size(); i++) inv.insert.push_back(nlohmann::json::parse(*v[s.pos + i]));
        inverse.insert(inverse.begin(), std::move(inv));
        std::vector<ListEntry> added;
        for (const auto &e : s.insert) added.push_back(e.is_null() ? nullptr : std::make_shared<const std::string>(e.dump()));
        v.erase(v.begin() + s.pos, v.begin() + std::min<size_t>(v.size(), s.pos + s.remove));
        v.insert(v.begin() + s.pos, added.begin(), added.end());
      }
      guarded(u, "splices", [&] { svc.splice(rt_, u.name, inverse); });
    }
    Step s{u.module, u.name, u.before, u.transparent, true, {}};
    if (svc.splice && u.deleted) {  // recreated: its whole lists again
      for (const auto &[list, entries] : ds_.lists_of(u.module, u.name)) {
        ListSplice all{list, 0, 0, {}};
        for (const auto &e : entries) all.insert.push_back(nlohmann::json::parse(*e));
        s.splices.push_back(std::move(all));
      }
    }
    restore.push_back(std::move(s));
  }
  // Re-apply the old configurations in dependency order (links last).
  std::vector<Undo> ignored;
  for (bool transparent : {false, true})
    for (const auto &s : restore) {
      if (s.transparent != transparent) continue;
      const ServiceModel &svc = services_.at(s.module);
      Undo u{s.module, s.name, {}, s.transparent};
      guarded(u, "reconcile", [&] {
        nlohmann::json first = without_new_links(s.name, s.desired);
        svc.reconcile(rt_, s.name, &first);
      });
      if (!s.splices.empty()) guarded(u, "splices", [&] { svc.splice(rt_, s.name, s.splices); });
    }
  for (const auto &s : restore) {
    Undo u{s.module, s.name, {}, s.transparent};
    guarded(u, "links", [&] { services_.at(s.module).reconcile(rt_, s.name, &s.desired); });
  }
}

uint64_t Reconciler::apply(Transaction &&txn, const Commit *commit) {
  std::vector<CubeChange> &changes = txn.changes_;
  if (changes.empty()) {
    ds_.commit(std::move(txn));
    return commit ? record_unchanged(*commit) : 0;
  }
  for (const auto &c : changes)
    if (!services_.count(c.module))
      throw Error(ErrorCode::kInvalid, "module " + c.module + " has no configuration to write here");
  refs_.check(changes);
  // The version this write makes: what it takes to go back is computed
  // from the committed configuration, before the commit.
  VersionEntry version;
  std::optional<PendingConfirm> pending;
  nlohmann::json meta;
  if (commit) {
    version.number = history_.next();
    version.time_ms = now_ms();
    version.user = commit->ctx.user;
    version.message = commit->message.empty() ? commit->ctx.message : commit->message;
    for (const auto &c : changes) version.cubes.push_back(c.name);
    version.undo = ds_.undo_record(txn);
    pending = pending_after(*commit, version.number);
    meta = version.meta();
    if (pending != history_.pending()) meta["pending"] = pending ? pending->to_json() : nlohmann::json();
  }
  std::vector<Step> steps;
  for (const auto &c : changes) {
    Step s{c.module, c.name, nullptr, transparent(c.module), true, {}};
    if (c.op != CubeChange::kDelete) {
      if (takes_splices(c.module)) {
        s.desired = instance_of(c.json);
        s.reconcile = c.op == CubeChange::kCreate || c.config_changed;
        s.splices = std::move(c.splices);  // entries move to the service, not copied
      } else {
        s.desired = c.splices.empty() ? instance_of(c.json) : ds_.full_config(txn, c);
      }
    }
    steps.push_back(std::move(s));
  }
  std::vector<Undo> undo;
  uint64_t seq = 0;
  bool large = false;
  try {
    run(steps, &undo);
    // Journaled before it is committed: a write that cannot be saved is
    // undone like one the kernel refused. The version travels in the same
    // record, so it exists exactly when the change does.
    if (journal_ && commit) {
      ensure_journal_loaded();
      std::string rec = VersionHistory::record_payload(meta, version.undo, ds_.journal_record(txn));
      large = rec.size() > (1u << 20);
      seq = journal_->append(rec);
    }
  } catch (const std::exception &) {
    rollback(undo);
    throw;
  }
  ds_.commit(std::move(txn));
  refs_.update(changes);  // the changes stay in `txn` after commit
  if (commit) {
    history_.set_pending(pending);
    history_.push(std::move(version));
    if (pending) timer_->arm(pending->deadline_ms);
    else timer_->disarm();
  }
  if (journal_ && commit && journal_->wants_compaction()) journal_->compact(snapshot_payload());
  // A large write (a batch of rules) leaves tens of MB of freed JSON in
  // malloc's arenas: give them back, so that RSS shows what is kept.
  if (large) {
    steps.clear();
    malloc_trim(0);
  }
  return seq;
}

void Reconciler::ensure_journal_loaded() {
  if (journal_->loaded()) return;
  // Written to without a restore first: what is saved is replaced by the
  // configuration as it is now (as a whole-file save did).
  journal_->load();
  journal_->rewrite(snapshot_payload());
}

void Reconciler::restore() {
  std::unique_lock<std::shared_mutex> lock(mu_);
  if (!journal_) return;
  try {
    Journal::Loaded saved = journal_->load();
    bool imported = false;
    std::string base;
    if (saved.has_snapshot) {
      // The snapshot carries the history it folded in (versions.h).
      VersionHistory::Split snap = VersionHistory::split_snapshot(saved.snapshot.payload);
      history_.load_snapshot(snap);
      base = std::string(snap.body);
    } else if (std::ifstream in(legacy_file_); in) {
      std::stringstream ss;
      ss << in.rdbuf();
      base = ss.str();
      imported = !base.empty();
    }
    if (base.empty() && saved.records.empty()) {
      // First start: the history's first version is saved now, so that
      // the next start finds it as it was (its time, its number).
      journal_->rewrite(snapshot_payload());
      return;
    }
    // The saved configuration, replayed into the store alone (each record
    // validated again), then applied to the kernel as one write.
    if (!base.empty() && base != "{}") ds_.commit(ds_.merge(base));
    for (const auto &r : saved.records) {
      VersionHistory::Split rec = VersionHistory::split_record(r.payload);
      if (!rec.body.empty()) ds_.replay(std::string(rec.body));
      history_.load_record(rec);
    }
    if (history_.empty()) history_.start("configuration saved without versions");
    std::string config = ds_.dump();
    ds_.clear();
    refs_.clear();
    if (config != "{}") apply(ds_.merge(config), nullptr);
    // One snapshot of it (with the history), and an empty journal.
    journal_->rewrite(snapshot_payload());
    if (imported) fs::remove(legacy_file_);
    spdlog::info("restored the configuration, version {} ({} journal records after the snapshot{})", history_.current(),
                 saved.records.size(), saved.dropped_bytes ? ", a torn record dropped" : "");
  } catch (...) {
    ds_.clear();
    refs_.clear();
    history_.clear();
    history_.start("empty configuration (the saved one was rejected)");
    journal_->set_aside(".rejected");
    throw;
  }
  restore_versions_state();
}

}  // namespace polycube::daemon
