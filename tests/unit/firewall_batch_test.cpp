// The planner of chain edits (fw::plan_chain_edit): the splices it returns,
// applied in order to the committed chain, must leave what applying the
// operations one by one to a copy of the chain leaves (random batches of
// appends, inserts, deletes at a position and by match); a bad operation
// refuses the whole plan; and a batch's cost follows the batch: on a
// 100,000-rule chain only a delete by match searches the committed rules,
// and only up to its match.
#include <gtest/gtest.h>

#include <random>

#include "firewall_batch.h"
#include "polycube/error.h"

using namespace polycube::services::fw;
using nlohmann::json;

namespace {

json leaves_of(uint32_t src) {
  return {{"src", std::to_string(src >> 24) + "." + std::to_string((src >> 16) & 255) + "." +
                      std::to_string((src >> 8) & 255) + "." + std::to_string(src & 255) + "/32"},
          {"action", "DROP"}};
}

ChainOp op(ChainOp::Kind kind, std::optional<uint32_t> pos, uint32_t src) {
  ChainOp o;
  o.kind = kind;
  o.position = pos;
  o.leaves = leaves_of(src);
  o.rule = parse_rule(o.leaves);
  o.what = "op";
  return o;
}

// The chain as rules (sources), edited by splices.
std::vector<Rule> edited(std::vector<Rule> chain, const std::vector<PlannedSplice> &plan) {
  for (const auto &s : plan) {
    EXPECT_LE(s.pos + s.remove, chain.size());
    chain.erase(chain.begin() + s.pos, chain.begin() + s.pos + s.remove);
    std::vector<Rule> ins;
    for (const auto &l : s.insert) ins.push_back(parse_rule(l));
    chain.insert(chain.begin() + s.pos, ins.begin(), ins.end());
  }
  return chain;
}

FindRule finder(const std::vector<Rule> &chain, size_t *scanned = nullptr) {
  return [&chain, scanned](const Rule &r, size_t from, size_t to) -> long {
    for (size_t i = from; i < to && i < chain.size(); i++) {
      if (scanned) ++*scanned;
      if (chain[i] == r) return static_cast<long>(i);
    }
    return -1;
  };
}

}  // namespace

TEST(FirewallBatch, RandomBatchesLeaveWhatOneByOneEditsLeave) {
  std::mt19937 rng(7);
  for (int round = 0; round < 300; round++) {
    std::vector<Rule> chain;
    size_t n = rng() % 40;
    for (size_t i = 0; i < n; i++) chain.push_back(parse_rule(leaves_of(0x0a000000 + rng() % 16)));
    bool flush = rng() % 10 == 0;
    std::vector<Rule> want = flush ? std::vector<Rule>{} : chain;
    std::vector<ChainOp> ops;
    size_t count = 1 + rng() % 12;
    for (size_t k = 0; k < count; k++) {
      uint32_t src = 0x0a000000 + rng() % 16;
      switch (rng() % 4) {
        case 0:
          ops.push_back(op(ChainOp::kAppend, std::nullopt, src));
          want.push_back(ops.back().rule);
          break;
        case 1: {
          uint32_t pos = static_cast<uint32_t>(rng() % (want.size() + 1));
          bool top = rng() % 4 == 0;
          ops.push_back(op(ChainOp::kInsert, top ? std::nullopt : std::optional<uint32_t>(pos), src));
          want.insert(want.begin() + (top ? 0 : pos), ops.back().rule);
          break;
        }
        case 2:
          if (want.empty()) break;
          {
            uint32_t pos = static_cast<uint32_t>(rng() % want.size());
            ops.push_back(op(ChainOp::kDelete, pos, 0));
            want.erase(want.begin() + pos);
          }
          break;
        case 3: {
          ChainOp o = op(ChainOp::kDelete, std::nullopt, src);
          auto it = std::find(want.begin(), want.end(), o.rule);
          if (it == want.end()) break;  // a miss refuses the batch: tested below
          want.erase(it);
          ops.push_back(std::move(o));
          break;
        }
      }
    }
    auto plan = plan_chain_edit(chain.size(), flush, ops, finder(chain));
    ASSERT_EQ(edited(chain, plan), want) << "round " << round;
  }
}

TEST(FirewallBatch, ConsecutiveAppendsAndAReplaceAreOneSplice) {
  std::vector<Rule> chain(5, parse_rule(leaves_of(1)));
  std::vector<ChainOp> ops;
  for (uint32_t i = 0; i < 1000; i++) ops.push_back(op(ChainOp::kAppend, std::nullopt, i));
  auto plan = plan_chain_edit(chain.size(), false, ops, finder(chain));
  ASSERT_EQ(plan.size(), 1u);
  EXPECT_EQ(plan[0].pos, 5u);
  EXPECT_EQ(plan[0].insert.size(), 1000u);
  plan = plan_chain_edit(chain.size(), false, {op(ChainOp::kDelete, 2, 0), op(ChainOp::kInsert, 2, 9)}, finder(chain));
  ASSERT_EQ(plan.size(), 1u);
  EXPECT_EQ(plan[0].pos, 2u);
  EXPECT_EQ(plan[0].remove, 1u);
  EXPECT_EQ(plan[0].insert.size(), 1u);
}

TEST(FirewallBatch, ABadOperationRefusesTheBatchAndSaysWhich) {
  std::vector<Rule> chain{parse_rule(leaves_of(1)), parse_rule(leaves_of(2))};
  auto message = [&](std::vector<ChainOp> ops) {
    ops.back().what = "batch rule id 7";
    try {
      plan_chain_edit(chain.size(), false, ops, finder(chain));
    } catch (const polycube::Error &e) {
      return std::string(e.what());
    }
    return std::string("accepted");
  };
  EXPECT_EQ(message({op(ChainOp::kAppend, std::nullopt, 3), op(ChainOp::kInsert, 4, 4)}),
            "batch rule id 7: position 4 out of range: the chain has 3 rules (0..3)");
  EXPECT_EQ(message({op(ChainOp::kDelete, 2, 0)}), "batch rule id 7: no rule at position 2: the chain has 2 rules");
  EXPECT_EQ(message({op(ChainOp::kDelete, std::nullopt, 3)}),
            "batch rule id 7: no rule equal to action=DROP src=0.0.0.3/32 in the chain");
  // Deleted earlier in the batch: no longer there to match.
  EXPECT_EQ(message({op(ChainOp::kDelete, std::nullopt, 2), op(ChainOp::kDelete, std::nullopt, 2)}),
            "batch rule id 7: no rule equal to action=DROP src=0.0.0.2/32 in the chain");
  // Inserted earlier in the batch: matched.
  EXPECT_EQ(message({op(ChainOp::kInsert, 0, 5), op(ChainOp::kDelete, std::nullopt, 5)}), "accepted");
}

TEST(FirewallBatch, ATenOperationBatchOnA100kChainSearchesOnlyForItsMatches) {
  std::vector<Rule> chain;
  chain.reserve(100000);
  for (uint32_t i = 0; i < 100000; i++) chain.push_back(parse_rule(leaves_of(0x0b000000 + i)));
  std::vector<ChainOp> ops;
  for (uint32_t i = 0; i < 4; i++) ops.push_back(op(ChainOp::kInsert, i * 1000, 0x0c000000 + i));
  ops.push_back(op(ChainOp::kDelete, 50000, 0));
  ops.push_back(op(ChainOp::kDelete, std::nullopt, 0x0b000000 + 10));  // the 11th committed rule
  for (uint32_t i = 0; i < 4; i++) ops.push_back(op(ChainOp::kAppend, std::nullopt, 0x0d000000 + i));
  size_t scanned = 0;
  auto plan = plan_chain_edit(chain.size(), false, ops, finder(chain, &scanned));
  EXPECT_LE(scanned, 11u);  // up to the match, not the chain
  EXPECT_LE(plan.size(), 10u);
  auto got = edited(chain, plan);
  EXPECT_EQ(got.size(), 100000u + 4 - 2 + 4);
  EXPECT_EQ(got[0], ops[0].rule);
  EXPECT_EQ(std::count(got.begin(), got.end(), parse_rule(leaves_of(0x0b000000 + 10))), 0);
  EXPECT_EQ(got.back(), ops.back().rule);
}
