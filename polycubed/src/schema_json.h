// RFC 7951 JSON checked and printed against the compiled YANG schema
// without building a libyang data tree. libyang spends ~20 us per list entry
// parsing, hashing and validating a tree (2.2 s for 100,000 firewall rules);
// this walks the JSON once and checks each value against its type (~1 us
// per rule), so large lists (a batch of rules, a positional list) cost what
// their JSON costs.
//
// It covers the subtrees whose constraints are local to each value and to
// each list: types (strings with length and patterns, integers with ranges,
// booleans, enumerations; any other type goes through libyang's own value
// check), unknown members, config false members in data, list keys,
// mandatory leaves, max/min-elements, and input defaults. A subtree with
// XPath constraints (must, when, leafref, instance-identifier), unique or
// choices is not simple(): callers hand those to libyang.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

struct ly_ctx;
struct lysc_node;
struct lys_module;

namespace polycube::daemon::schema_json {

// Can check() validate what may appear below `parent` exactly?
bool simple(const lysc_node *parent);

enum class Kind {
  kData,   // configuration: config false members are refused
  kInput,  // action/RPC input: defaults are filled in
};

// Checks `object` as the content of `parent` (a list entry, container, or
// action input node). `where` is the data path of `parent` for error
// messages. Keys of `parent` (if a list) are skipped when `skip_keys`.
// Returns the object with member names unprefixed and, for kInput, the
// defaults filled in. Throws DataError (400, tag invalid-value,
// unknown-element or missing-element).
nlohmann::json check(const ly_ctx *ctx, const lysc_node *parent, const nlohmann::json &object, Kind kind,
                     const std::string &where, bool skip_keys = false);
// The same, on `object` itself (no copy).
void check_in_place(const ly_ctx *ctx, const lysc_node *parent, nlohmann::json &object, Kind kind,
                    const std::string &where, bool skip_keys = false);

// `doc` ({"mod:node": value}, value the content of schema node `node`)
// printed with the members of every object in schema order (keys first),
// as libyang prints trees; members the schema does not know come last.
std::string print_ordered(const nlohmann::json &doc, const lysc_node *node);

// The child of `parent` named `member` (RFC 7951 member name, "mod:name"
// or "name" in the parent's module), or null. Choices are looked through.
const lysc_node *child_named(const lysc_node *parent, const std::string &member);

// JIT-compiles the patterns of every string type in `module`, in place in
// libyang's compiled schema, so that pattern checks (libyang's and ours)
// run ~5x faster. Call at load, before any other thread uses the context.
void jit_patterns(const lys_module *module);

}  // namespace polycube::daemon::schema_json
