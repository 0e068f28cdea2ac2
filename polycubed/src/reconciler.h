// Applies configuration writes to the kernel: validate in the datastore,
// check the references of the cubes the write changes, reconcile each of
// them, journal the edit, and commit; if any cube fails, reconcile the ones
// already touched (and the failing one) back to their previous configuration
// and keep the old one. The same reconcile calls rebuild a configuration at
// start.
//
// Cost: a write touches the cubes it names (their copy, validation, diff,
// references, kernel, one journal record); a read touches the cubes it
// addresses and asks only their services for state. Reads share the lock;
// writes take it alone, then wait for their journal record to be flushed
// outside it, so concurrent writers share one fsync (group commit).
//
// Every committed write is a version (versions.h): its number, time, user,
// message and undo record go into the same journal record as the edit.
// rollback_to(), the confirmed commit's revert and apply_config() build one
// transaction from those records and commit it like any write.
#pragma once

#include <map>
#include <memory>
#include <shared_mutex>
#include <string>
#include <vector>

#include "datastore.h"
#include "journal.h"
#include "polycube/runtime.h"
#include "polycube/service_model.h"
#include "references.h"
#include "versions.h"

namespace polycube::daemon {

class Reconciler {
 public:
  // `state` (optional): path prefix of the saved configuration
  // (<state>.snapshot and <state>.journal, see journal.h); every committed
  // write is journaled there before it is answered, and restore() rebuilds
  // it. A configuration saved by an older polycubed as <state>.json is
  // imported.
  // `versions_kept`: how many versions the history keeps (see versions.h).
  Reconciler(Runtime &rt, std::vector<ServiceModel> services, std::string state = "", size_t versions_kept = 100);
  ~Reconciler();

  // Applies the saved configuration, if there is one. Throws if it cannot
  // be applied: nothing is then configured and the saved files are set
  // aside as *.rejected for a human to look at.
  void restore();

  // PATCH / POST: merge RFC 7951 JSON into the configuration.
  void merge(const std::string &json, const WriteContext &ctx = {});
  // PUT: replace the configuration at `xpath` by `json` (an edit from the
  // root); returns whether it created it.
  bool replace(const std::string &xpath, const std::string &json, const WriteContext &ctx = {});
  // Is there configuration at `xpath`?
  bool exists_at(const std::string &xpath) const;
  // A RESTCONF body as an edit from the root (see Datastore::wrap).
  nlohmann::json wrap(const std::string &restconf_path, const std::string &body, bool child,
                      std::string *created = nullptr) const {
    std::shared_lock<std::shared_mutex> lock(mu_);
    return ds_.wrap(restconf_path, body, child, created);
  }
  bool is_action(const std::string &restconf_path) const {
    std::shared_lock<std::shared_mutex> lock(mu_);
    return ds_.is_action(restconf_path);
  }
  // DELETE of one node, e.g. "/helloworld:helloworld[name='hw1']".
  void remove(const std::string &xpath, const WriteContext &ctx = {}) { remove(std::vector<std::string>{xpath}, ctx); }
  // Several nodes in one write (e.g. both peer leaves of a link).
  void remove(const std::vector<std::string> &xpaths, const WriteContext &ctx = {});
  // Configuration, and the services' read-only data unless `content` is
  // kConfig.
  enum class Content { kAll, kConfig, kNonconfig };  // RFC 8040 content=
  std::string get(const std::string &xpath = "", Content content = Content::kAll) const;
  // Runs the YANG action `path` (e.g. "fdb/flush") of cube `name`.
  nlohmann::json action(const std::string &module, const std::string &name, const std::string &path,
                        const nlohmann::json &input, const WriteContext &ctx = {});
  // Validated input of an RPC (see Datastore::parse_input).
  nlohmann::json parse_input(const std::string &op_json) const {
    std::shared_lock<std::shared_mutex> lock(mu_);
    return ds_.parse_input(op_json);
  }
  std::vector<std::string> services() const;
  // What a service's cubes export besides JSON (ServiceModel::exports), and
  // one cube as one of those documents.
  std::vector<std::string> exports(const std::string &module) const;
  std::string export_as(const std::string &module, const std::string &name, const std::string &media_type);
  std::vector<Datastore::ModuleInfo> modules() const { return ds_.modules(); }
  // GET /openapi.json: the framework module and every service's.
  std::string openapi() const {
    std::vector<std::string> names = services();
    names.insert(names.begin(), "polycube");
    std::shared_lock<std::shared_mutex> lock(mu_);
    return ds_.openapi(names).dump();
  }
  // The YANG text of a service module ("" if unknown).
  std::string yang(const std::string &module) const;
  std::string xpath(const std::string &restconf_path) const { return ds_.xpath(restconf_path); }
  Runtime &runtime() const { return rt_; }
  bool exists(const std::string &module, const std::string &name) const;
  // The journal (null without a state path), for tests and benchmarks.
  Journal *journal() const { return journal_.get(); }

  // ---- versions (reconciler_versions.cpp) ----
  // The current configuration version (what the last committed write made).
  uint64_t version() const { return history_.current(); }
  // GET polycube:versions: the kept versions, newest first, and a pending
  // confirmed commit.
  nlohmann::json versions() const;
  // Makes the configuration that of version `v` in one write (a new
  // version). 404 for a version not kept, 400 for the current one. Returns
  // {"version": the new one (the current one if nothing changed),
  // "cube": [{"name","service","op"}]}.
  nlohmann::json rollback_to(uint64_t v, const WriteContext &ctx);
  // Confirms the pending confirmed commit (409 data-missing if none).
  void confirm(const WriteContext &ctx);
  // Reverts the pending confirmed commit now (409 data-missing if none);
  // returns what rollback_to returns.
  nlohmann::json cancel_commit(const WriteContext &ctx);
  // What changed from version `from` to `to` (default: current), per cube
  // and per leaf: {"from","to","cube":[{"name","service","op","change":[...]}]}.
  nlohmann::json diff(uint64_t from, std::optional<uint64_t> to) const;
  // Declarative apply: makes the configuration equal to `desired` (RFC 7951,
  // every cube of every service) in one write: cubes created, updated,
  // deleted; an unchanged configuration is no write and no version.
  // Returns the plan ({"cube":[{"name","service","op","change":[...]}]})
  // and the version after it; `dry_run`: the plan only, nothing changed.
  nlohmann::json apply_config(nlohmann::json desired, bool dry_run, const WriteContext &ctx);

 private:
  // One cube to reconcile: its desired configuration (null: delete), and
  // for services that take them, the splices of its positional lists.
  struct Step {
    std::string module, name;
    nlohmann::json desired;
    bool transparent;
    bool reconcile = true;  // false: only splices changed
    std::vector<ListSplice> splices;
  };
  // What a failed write must undo for one cube.
  struct Undo {
    std::string module, name;
    nlohmann::json before;  // committed configuration (null: did not exist)
    bool transparent;
    bool deleted = false;             // the attempt deleted it
    // Splices the attempt applied, without their entries (the inverse needs
    // the committed entries and how many were inserted).
    std::vector<ListSplice> applied;
  };
  // What a committed write records besides its edit.
  struct Commit {
    const WriteContext &ctx;
    std::string message;        // "" : the context's
    bool ends_pending = false;  // a revert: the pending confirmed commit is over
  };
  // Reconciles, journals and commits; `commit` null (a restore): no journal
  // record and no version. Returns the journal sequence number to wait
  // for (0: none).
  uint64_t apply(Transaction &&txn, const Commit *commit);
  // Runs a write under the lock, then waits for its record outside it.
  template <class MakeTxn>
  void write(const WriteContext &ctx, MakeTxn &&make);
  // Versions (reconciler_versions.cpp). A write that changes nothing may
  // still change the pending state (a follow-up confirmed write, a revert
  // that finds nothing to undo): a record of that alone.
  uint64_t record_unchanged(const Commit &commit);
  std::optional<PendingConfirm> pending_after(const Commit &commit, uint64_t version) const;
  std::string snapshot_payload() const { return history_.snapshot_payload(ds_.dump()); }
  void ensure_journal_loaded();
  Transaction stage_back_to(uint64_t v) const;
  nlohmann::json changed_cubes(const Transaction &txn) const;
  uint64_t revert_pending(const std::string &message, const WriteContext &ctx, nlohmann::json *result);
  void on_confirm_deadline();
  void restore_versions_state();
  // Reconciles `steps` in dependency order (see reconciler.cpp); records
  // what it touched in `undo`.
  void run(const std::vector<Step> &steps, std::vector<Undo> *undo);
  void rollback(std::vector<Undo> &undo);
  nlohmann::json without_new_links(const std::string &name, const nlohmann::json &desired) const;
  bool transparent(const std::string &module) const;
  bool takes_splices(const std::string &module) const;

  Runtime &rt_;
  Datastore ds_;
  References refs_;
  std::unique_ptr<Journal> journal_;
  std::string legacy_file_;
  std::map<std::string, ServiceModel> services_;
  std::map<std::string, bool> transparent_;
  mutable std::shared_mutex mu_;  // writes alone, reads together
  VersionHistory history_;        // under mu_ (its current number is atomic)
  // Last member: stopped first, before what its callback uses.
  std::unique_ptr<CommitTimer> timer_;
};

}  // namespace polycube::daemon
