// One service's YANG module in a libyang context of pcn's own, and the
// request body being built against it: words and stdin values are typed
// and checked here, before any request.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

struct ly_ctx;
struct lys_module;
struct lysc_node;
struct lyd_node;

namespace pcn {

// YANG text of a module by name (the service's and what it imports), or
// nullopt if there is none. pcn asks the daemon; the fuzz targets read the
// source tree.
using ModuleSource = std::function<std::optional<std::string>(const std::string &name)>;

class Schema {
 public:
  Schema(const std::string &service, ModuleSource source);
  ~Schema();
  Schema(const Schema &) = delete;
  Schema &operator=(const Schema &) = delete;

  const lysc_node *top() const;  // the service's top-level list
  const lysc_node *child(const lysc_node *parent, const std::string &name) const;
  // Adds `value` at `xpath` to the request body being built; the schema
  // types and checks it. UsageError names `word` when it refuses.
  void set(const std::string &xpath, const char *value, const std::string &word);
  std::string body() const;  // RFC 7951 JSON of what was set
  void clear();              // forgets what was set
  const std::string &service() const { return service_; }

 private:
  std::string service_;
  ModuleSource source_;
  ly_ctx *ctx_ = nullptr;
  lys_module *mod_ = nullptr;
  lyd_node *data_ = nullptr;
};

std::vector<std::string> keys_of(const lysc_node *list);
// "<network> <nexthop>": how the entries of `list` are named on the command line.
std::string keys_usage(const lysc_node *list);
// What a node is, for help: "list (keys: name)", "uint32, read-only", "A|B".
std::string type_name(const lysc_node *n);

}  // namespace pcn
