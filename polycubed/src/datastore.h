// The daemon's configuration store, validated against every loaded service
// module: the single source of truth. Each cube (one instance of a service's
// top-level list) is kept as its own libyang tree, so a write copies,
// validates and diffs only the cubes it names, whatever else is configured.
//
// Positional lists (YANG extension polycube-base:positional: an
// ordered-by-user list whose one key is the entry's position, like the
// firewall's rules) are not libyang nodes: each is a vector of entries
// (canonical RFC 7951 text without the key), edited by splices
// (ListSplice: remove n entries at a position, insert others there) and
// checked entry by entry (schema_json). Inserting a rule in front of
// 100,000 others is then one vector insert, not 100,000 key changes.
//
// A write is a transaction: parse (strict), apply to copies of the cubes it
// names, validate them, and compute what changed per cube (CubeChange). The
// caller applies those changes to the kernel and then commits, or drops the
// transaction and nothing has changed.
#pragma once

#include <deque>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "polycube/error.h"
#include "polycube/service_model.h"

struct ly_ctx;
struct lyd_node;
struct lysc_node;

namespace polycube::daemon {

// A validation failure with the data path libyang reports (RFC 8040
// error-path) and its error-tag.
class DataError : public Error {
 public:
  DataError(ErrorCode code, const std::string &message, std::string path, std::string tag)
      : Error(code, message), path_(std::move(path)), tag_(std::move(tag)) {}
  const std::string &path() const { return path_; }
  const std::string &tag() const { return tag_; }  // RFC 8040 error-tag

 private:
  std::string path_, tag_;
};

// One entry of a positional list: its RFC 7951 object without the key.
using ListEntry = std::shared_ptr<const std::string>;

// One top-level list instance (a cube) that a transaction changes.
struct CubeChange {
  enum Op { kCreate, kUpdate, kDelete } op;
  std::string module;  // service, e.g. "helloworld"
  std::string name;    // the instance key
  // The instance after the change (RFC 7951 `{"mod:mod":[{...}]}`), without
  // the entries of positional lists; "" for kDelete.
  std::string json;
  bool config_changed = true;  // json differs from the committed one
  // Edits of the cube's positional lists, in order (a created cube: its
  // whole lists; entries already checked against the schema).
  std::vector<ListSplice> splices;
};

class Datastore;

// A validated candidate; commit it or let it go out of scope.
class Transaction {
 public:
  ~Transaction();
  Transaction(Transaction &&) noexcept;
  Transaction &operator=(Transaction &&) = delete;
  const std::vector<CubeChange> &changes() const { return changes_; }

 private:
  friend class Datastore;
  friend class Reconciler;  // moves the splices' entries to the services
  Transaction() = default;
  struct ListEdit {  // a splice as stored: entries in canonical text
    std::string list;
    uint32_t pos, remove;
    std::vector<ListEntry> insert;
  };
  struct Cube {
    std::string module, name;
    lyd_node *tree = nullptr;  // candidate (owned); null when deleted
    std::shared_ptr<const std::string> printed;
    std::vector<ListEdit> edits;
    std::vector<std::string> lists_after;  // positional lists the cube has after the change
    std::map<std::string, size_t> sizes;   // their sizes after the change
    bool exists_before = false, deleted = false;
  };
  Cube *find(const std::string &module, const std::string &name);
  std::deque<Cube> cubes_;  // stable references while staging
  std::vector<CubeChange> changes_;
};

class Datastore {
 public:
  Datastore();
  ~Datastore();
  Datastore(const Datastore &) = delete;
  Datastore &operator=(const Datastore &) = delete;

  // Adds a service module (YANG text); returns its name. Refuses a
  // positional list that is not ordered-by user with one unsigned integer
  // key, or has min-elements, unique, or constraints schema_json cannot check.
  std::string load_module(const std::string &yang);

  // Merge `json` (RFC 7951, top-level names module-qualified) into the
  // configuration: PATCH / POST semantics. Entries of positional lists
  // merge into the entry at their position, or append at the end.
  Transaction merge(const std::string &json) const;
  Transaction merge_doc(const nlohmann::json &doc) const;
  // Delete the node at `xpath` (e.g. "/helloworld:helloworld[name='hw1']").
  Transaction remove(const std::string &xpath) const { return remove(std::vector<std::string>{xpath}); }
  // Several nodes in one transaction (absent ones are skipped; kNotFound if
  // none exists).
  Transaction remove(const std::vector<std::string> &xpaths) const;
  // Replace the node at `xpath` by the content of `json` (an edit from the
  // root): PUT semantics. The node may be absent (then it is created).
  Transaction replace(const std::string &xpath, const std::string &json) const;
  // An edit of one cube computed by the daemon or a service (a config
  // action, a journal record): its new configuration (`config`: the list
  // instance without module prefix; null = unchanged) replacing what it
  // had, positional lists kept (unless `config` holds them), then the
  // splices, in order. Positions out of range are 400.
  Transaction edit(const std::string &module, const std::string &name, const nlohmann::json *config,
                   const std::vector<ListSplice> &splices) const;
  // Makes the candidate the running configuration.
  void commit(Transaction &&txn);
  // Forgets every cube (a restore starts over from its replay).
  void clear();

  // The configuration (or the part at `xpath`) as RFC 7951 JSON, with
  // `state` (a document shaped like the configuration, e.g.
  // {"mod:mod":[{"name":"x",...}]}; may be null) merged in. `state_only`:
  // the read-only data alone (RESTCONF content=nonconfig), with the list
  // keys that identify it. Objects print in schema order.
  std::string get(const std::string &xpath = "", const nlohmann::json *state = nullptr, bool state_only = false) const;
  // Cubes an XPath addresses (all for "" or a service's whole list).
  std::vector<std::pair<std::string, std::string>> addressed(const std::string &xpath) const;
  // Is there configuration at `xpath`?
  bool exists(const std::string &xpath) const;
  // The committed configuration of one cube (its list instance without
  // module prefix), null if absent. Positional lists: with their entries,
  // omitted, or as the number of their entries (`"rule": 100000`, what a
  // config action needs to place an append).
  enum class Lists { kEntries, kOmitted, kSizes };
  nlohmann::json cube(const std::string &module, const std::string &name, Lists lists = Lists::kEntries) const;
  // The module of cube `name`, "" if none (names are global).
  std::string module_of(const std::string &name) const;
  // The whole configuration as RFC 7951 text (the snapshot), built from the
  // cubes' stored text without re-validating anything.
  std::string dump() const;
  // The same of one change of `txn` with its positional lists (for services
  // that take whole lists rather than splices).
  nlohmann::json full_config(const Transaction &txn, const CubeChange &change) const;
  // The entries of a positional list (committed), for rollback.
  std::vector<ListEntry> list_entries(const std::string &module, const std::string &name, const std::string &list) const;
  // Every positional list of a cube (committed).
  std::map<std::string, std::vector<ListEntry>> lists_of(const std::string &module, const std::string &name) const;
  // The journal record of `txn` (RFC 7951 text per changed cube: its
  // configuration when it changed, its splices, or its deletion), and its
  // replay: each cube's part applied and committed, validated again.
  std::string journal_record(const Transaction &txn) const;
  void replay(const std::string &record);
  // The RESTCONF path below the cube that `xpath` addresses ("" for a
  // whole cube or more).
  std::string path_below_cube(const std::string &xpath) const;
  // Parses and validates the input of an RPC or YANG action against its
  // schema (types, patterns, ranges, mandatory, unknown leaves), given as
  // YANG JSON of the operation: `{"mod:rpc":{...}}`, or for an action its
  // parents down to it (`{"mod:mod":[{"name":"b1","fdb":{"flush":{...}}}]}`).
  // Returns the input leaves, defaults filled in, without module prefixes.
  nlohmann::json parse_input(const std::string &op_json) const;
  // The same for the YANG action at `path` (RESTCONF form below the cube,
  // e.g. "fdb/flush" or "chain=INGRESS/append") of cube `name`.
  nlohmann::json parse_action_input(const std::string &module, const std::string &name, const std::string &path,
                                    const nlohmann::json &input) const;
  // Does the top-level list of `module` have a leaf `leaf` (e.g. whether a
  // service's cubes are transparent: polycube-base `attached-to`)?
  bool has_leaf(const std::string &module, const std::string &leaf) const;
  // Loaded modules: name, revision ("" if none), namespace.
  struct ModuleInfo {
    std::string name, revision, ns;
    bool implemented;  // false: only imported (e.g. polycube-base)
  };
  std::vector<ModuleInfo> modules() const;
  // OpenAPI 3 document of the implemented modules named (codegen-yang).
  nlohmann::json openapi(const std::vector<std::string> &modules) const;
  // A RESTCONF body for the resource at `restconf_path` (below the root) as
  // an edit from the root: `{"m:ports":[{"name":"p1",...}]}` at
  // "m:m=br1/ports=p1" becomes `{"m:m":[{"name":"br1","ports":[{...}]}]}`.
  // `child`: the body names a new child of that resource (POST) rather than
  // the resource itself (PUT, PATCH). Keys in the body must match the URL.
  // `created` receives the RESTCONF path of what the body names.
  nlohmann::json wrap(const std::string &restconf_path, const std::string &body, bool child,
                      std::string *created = nullptr) const;
  // Is the last node of `restconf_path` a YANG action?
  bool is_action(const std::string &restconf_path) const;
  // A RESTCONF data path ("mod:list=key/child") as an XPath of this store.
  std::string xpath(const std::string &restconf_path) const;
  // Positional lists of `module` (RESTCONF path of the list below the cube
  // with its ancestors' keys left out, e.g. "chain/rule").
  std::vector<std::string> positional_lists(const std::string &module) const;

  // ---- versions (datastore_history.cpp) ----
  // The inverse of `txn` (staged, not committed) in the format of a journal
  // record: replayed on the configuration `txn` leads to, it gives back the
  // committed one. Per cube: "delete" (it was created), "replace" (its whole
  // configuration with positional lists: it was deleted, or both its leaves
  // and its lists changed), "config" (its previous leaves) or "splices"
  // (the inverse splices of its positional lists, from the entries they
  // removed): the size of the undo follows the size of the change.
  std::string undo_record(const Transaction &txn) const;
  // Journal records ({"cubes":[parts]}: "delete", "config" then "splices",
  // or "replace") applied in order to one transaction and validated; cubes
  // that end as they are committed are left out of its changes.
  Transaction stage_records(const std::vector<nlohmann::json> &records) const;
  // The cube named `name` as `txn` leaves it (as committed if `txn` does
  // not touch it): its module and its configuration with positional lists
  // (null, and the module "" if it exists nowhere).
  std::pair<std::string, nlohmann::json> staged_cube(const Transaction &txn, const std::string &name) const;
  // The lists below a cube of `module` by schema path ("ports",
  // "chain/rule"): their key names, and whether positional.
  struct ListShape {
    std::vector<std::string> keys;
    bool positional = false;
  };
  std::map<std::string, ListShape> list_shapes(const std::string &module) const;

 private:
  struct StoredCube {
    lyd_node *tree = nullptr;
    std::shared_ptr<const std::string> printed;
    std::map<std::string, std::vector<ListEntry>> lists;  // "chain=INGRESS/rule" -> entries
  };
  using CubeKey = std::pair<std::string, std::string>;  // module, name
  struct Target;  // an XPath resolved against the schema (datastore.cpp)

  Transaction::Cube &stage(Transaction &txn, const std::string &module, const std::string &name) const;
  void merge_instance(Transaction &txn, const std::string &module, nlohmann::json instance, bool replace) const;
  // Checks and stages one splice of list `list` of cube `c`.
  void splice(Transaction &txn, Transaction::Cube &c, const std::string &list, const lysc_node *schema, uint32_t pos,
              uint32_t remove, std::vector<nlohmann::json> entries) const;
  void finish(Transaction &txn) const;
  size_t list_size(const Transaction::Cube &c, const std::string &list) const;
  std::vector<ListEntry> staged_entries(const Transaction::Cube &c, const std::string &list) const;
  const lysc_node *list_schema(const std::string &module, const std::string &list) const;
  DataError last_error(const std::string &what, ErrorCode code) const;
  Target resolve(const std::string &xpath) const;
  // stage_records' parts.
  void stage_part(Transaction &txn, const nlohmann::json &part) const;
  void stage_delete(Transaction &txn, Transaction::Cube &c) const;
  bool same_as_committed(const Transaction::Cube &c) const;
  // Does the entry that holds `list` ("chain/rule": its chain) exist in the
  // cube as staged? (A list at the top of the cube always has its parent.)
  bool list_parent_staged(const Transaction::Cube &c, const std::string &list) const;
  std::string inverse_splices(const Transaction::Cube &c) const;
  nlohmann::json render(const StoredCube &c, const std::string &module) const;

  ly_ctx *ctx_ = nullptr;
  std::map<CubeKey, StoredCube> cubes_;
  std::map<std::string, std::string> module_of_;  // cube name -> module
  // Positional lists per module, by schema path below the cube
  // ("chain/rule") -> schema path from the root. Compiled nodes are looked
  // up when used: loading a module may recompile the others.
  std::map<std::string, std::map<std::string, std::string>> positional_;
};

}  // namespace polycube::daemon
