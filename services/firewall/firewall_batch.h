// Chain edits (append, insert, delete at a position or by match) turned
// into splices of the chain's rule list, for one action or a whole batch.
// A batch's operations apply in order, each to the chain as the earlier
// ones left it, and the result is committed at once by the caller. The
// planner sees the committed chain only through `find` (a search over a
// range of its positions), so its cost follows the batch, not the chain:
// the chain as edited so far is a piece table (runs of committed rules and
// runs of the batch's own rules), and only a delete by match scans rules.
// Pure C++: unit-tested without the kernel.
#pragma once

#include <cstdint>
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "firewall_rules.h"

namespace polycube::services::fw {

struct ChainOp {
  enum Kind { kAppend, kInsert, kDelete };
  Kind kind = kAppend;
  // insert: absent = 0 (the top); delete: absent = by match of `rule`.
  std::optional<uint32_t> position;
  nlohmann::json leaves;  // the rule's YANG leaves (append, insert; delete by match)
  Rule rule;              // parsed from leaves
  std::string what;       // names the operation in errors ("batch rule id 3")
};

struct PlannedSplice {
  uint32_t pos = 0, remove = 0;
  std::vector<nlohmann::json> insert;
};

// First position in [from, to) of the committed chain whose rule equals
// `r`, or -1.
using FindRule = std::function<long(const Rule &r, size_t from, size_t to)>;

// The splices that apply `ops` in order to a chain of `size` rules (after
// emptying it when `flush`). Throws polycube::Error(kInvalid), naming the
// operation, for a position out of range, a delete that matches no rule,
// or a chain that would exceed FW_MAX_RULES. Consecutive appends become one
// splice.
std::vector<PlannedSplice> plan_chain_edit(size_t size, bool flush, const std::vector<ChainOp> &ops,
                                           const FindRule &find);

// "src=10.0.0.1/32 l4proto=ICMP action=DROP": a rule for messages.
std::string describe(const nlohmann::json &leaves);

}  // namespace polycube::services::fw
