// Applies configuration writes to the kernel: validate in the datastore,
// reconcile every cube the write touches, and commit; if any cube fails,
// reconcile the ones already touched (and the failing one) back to their
// previous configuration and keep the old tree. The same reconcile calls
// rebuild a configuration at start.
#pragma once

#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "datastore.h"
#include "polycube/runtime.h"
#include "polycube/service_model.h"

namespace polycube::daemon {

class Reconciler {
 public:
  // `state_file` (optional): every committed configuration is written there
  // atomically, and restore() rebuilds it.
  Reconciler(Runtime &rt, std::vector<ServiceModel> services, std::string state_file = "");

  // Applies the configuration saved in the state file, if there is one.
  // Throws if it cannot be applied (nothing is then configured).
  void restore();

  // PATCH / POST: merge RFC 7951 JSON into the configuration.
  void merge(const std::string &json);
  // PUT: replace the configuration at `xpath` by `json` (an edit from the
  // root); returns whether it created it.
  bool replace(const std::string &xpath, const std::string &json);
  // Is there configuration at `xpath`?
  bool exists_at(const std::string &xpath) const;
  // A RESTCONF body as an edit from the root (see Datastore::wrap).
  nlohmann::json wrap(const std::string &restconf_path, const std::string &body, bool child,
                      std::string *created = nullptr) const {
    std::lock_guard<std::mutex> lock(mu_);
    return ds_.wrap(restconf_path, body, child, created);
  }
  bool is_action(const std::string &restconf_path) const {
    std::lock_guard<std::mutex> lock(mu_);
    return ds_.is_action(restconf_path);
  }
  // DELETE of one cube, e.g. "/helloworld:helloworld[name='hw1']".
  void remove(const std::string &xpath) { remove(std::vector<std::string>{xpath}); }
  // Several nodes in one write (e.g. both peer leaves of a link).
  void remove(const std::vector<std::string> &xpaths);
  // Configuration, and the services' read-only data unless `with_state`
  // is false.
  enum class Content { kAll, kConfig, kNonconfig };  // RFC 8040 content=
  std::string get(const std::string &xpath = "", Content content = Content::kAll) const;
  // Runs the YANG action `path` (e.g. "fdb/flush") of cube `name`.
  nlohmann::json action(const std::string &module, const std::string &name, const std::string &path,
                        const nlohmann::json &input);
  // Validated input of an RPC (see Datastore::parse_input).
  nlohmann::json parse_input(const std::string &op_json) const {
    std::lock_guard<std::mutex> lock(mu_);
    return ds_.parse_input(op_json);
  }
  std::vector<std::string> services() const;
  std::vector<Datastore::ModuleInfo> modules() const { return ds_.modules(); }
  // GET /openapi.json: the framework module and every service's.
  std::string openapi() const {
    std::vector<std::string> names = services();
    names.insert(names.begin(), "polycube");
    std::lock_guard<std::mutex> lock(mu_);
    return ds_.openapi(names).dump();
  }
  // The YANG text of a service module ("" if unknown).
  std::string yang(const std::string &module) const;
  std::string xpath(const std::string &restconf_path) const { return ds_.xpath(restconf_path); }
  Runtime &runtime() const { return rt_; }
  bool exists(const std::string &module, const std::string &name) const;

 private:
  // One cube to reconcile: its desired configuration (null: delete).
  struct Step {
    std::string module, name;
    nlohmann::json desired;
    bool transparent;
  };
  void apply(Transaction &&txn);
  // Reconciles `steps` in dependency order (see reconciler.cpp); records
  // each touched cube's previous configuration in `undo`.
  void run(const std::vector<Step> &steps, std::vector<Step> *undo, bool best_effort);
  nlohmann::json without_new_links(const Step &s) const;
  // Peers and attachments of the whole candidate must resolve (404/400),
  // and what a write removes must not be referenced (409 in-use).
  void check_references(const nlohmann::json &candidate, const nlohmann::json &running) const;
  bool transparent(const std::string &module) const;
  void persist() const;
  // The committed configuration of one cube, or null.
  nlohmann::json current(const std::string &module, const std::string &name) const;

  Runtime &rt_;
  std::string state_file_;
  Datastore ds_;
  std::map<std::string, ServiceModel> services_;
  mutable std::mutex mu_;  // one write at a time
};

}  // namespace polycube::daemon
