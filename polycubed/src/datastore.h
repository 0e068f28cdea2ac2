// The daemon's configuration store: a libyang data tree validated against
// every loaded service module, the single source of truth. A write is a
// transaction: parse (strict), merge or delete into a candidate copy,
// validate the whole candidate, and compute which cubes it creates, updates
// or deletes. The caller applies those changes to the kernel and then
// commits, or drops the transaction and nothing has changed.
//
// First slice of the daemon issue: the REST server, service plugins and
// persistence build on it.
#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "polycube/error.h"

struct ly_ctx;
struct lyd_node;

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

// One top-level list instance (a cube) that a transaction changes.
struct CubeChange {
  enum Op { kCreate, kUpdate, kDelete } op;
  std::string module;  // service, e.g. "helloworld"
  std::string name;    // the instance key
  std::string json;    // the instance after the change (RFC 7951); "" for kDelete
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
  Transaction(lyd_node *candidate, std::vector<CubeChange> changes)
      : candidate_(candidate), changes_(std::move(changes)) {}
  lyd_node *candidate_;
  std::vector<CubeChange> changes_;
};

class Datastore {
 public:
  Datastore();
  ~Datastore();
  Datastore(const Datastore &) = delete;
  Datastore &operator=(const Datastore &) = delete;

  // Adds a service module (YANG text); returns its name.
  std::string load_module(const std::string &yang);

  // Merge `json` (RFC 7951, top-level names module-qualified) into a copy of
  // the running tree: PATCH / POST semantics.
  Transaction merge(const std::string &json) const;
  // Delete the instance at `xpath` (e.g. "/helloworld:helloworld[name='hw1']").
  Transaction remove(const std::string &xpath) const { return remove(std::vector<std::string>{xpath}); }
  // Several nodes in one transaction (absent ones are skipped; kNotFound if
  // none exists).
  Transaction remove(const std::vector<std::string> &xpaths) const;
  // The whole candidate configuration of `txn` as RFC 7951 JSON.
  std::string candidate(const Transaction &txn) const;
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
  // Replace the node at `xpath` (a cube instance) by the content of `json`:
  // PUT semantics. The node may be absent (then it is created).
  Transaction replace(const std::string &xpath, const std::string &json) const;
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
  // Makes the candidate the running tree.
  void commit(Transaction &&txn);

  // The running tree (or the subtree at `xpath`) as RFC 7951 JSON, with
  // `state` (RFC 7951 read-only data, may be "") merged in.
  // `state_only`: the read-only data alone (RESTCONF content=nonconfig),
  // with the list keys that identify it.
  std::string get(const std::string &xpath = "", const std::string &state = "", bool state_only = false) const;
  // A RESTCONF data path ("mod:list=key/child") as an XPath of this store.
  std::string xpath(const std::string &restconf_path) const;

 private:
  Transaction finish(lyd_node *candidate) const;
  DataError last_error(const std::string &what, ErrorCode code) const;

  ly_ctx *ctx_ = nullptr;
  lyd_node *running_ = nullptr;
};

}  // namespace polycube::daemon
