// Maglev consistent hashing (libpolycube maglev.h) on 1,000,000 synthetic
// 5-tuples hashed as the data plane hashes them (pcn_maglev_flow_hash):
// each backend's share of the flows is its weighted fair share, and a
// change of the backend set moves little more than the flows that must move.
#include <arpa/inet.h>
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "polycube/error.h"
#include "polycube/maglev.h"

namespace maglev = polycube::maglev;

namespace {

constexpr size_t kFlows = 1000000;

// Clients anywhere in 10.0.0.0/8 with ephemeral ports, to one virtual
// address and port: what a load balancer sees.
const std::vector<uint32_t> &flow_hashes() {
  static const std::vector<uint32_t> hashes = [] {
    std::mt19937_64 rng(12);
    std::vector<uint32_t> out;
    out.reserve(kFlows);
    for (size_t i = 0; i < kFlows; i++) {
      pcn_tuple t{};
      t.saddr = htonl(0x0a000000u | uint32_t(rng() & 0xffffff));
      t.daddr = htonl(0x0a60000au);  // 10.96.0.10
      t.sport = htons(uint16_t(32768 + rng() % 28232));
      t.dport = htons(80);
      t.proto = 6;
      out.push_back(pcn_maglev_flow_hash(&t));
    }
    return out;
  }();
  return hashes;
}

std::vector<maglev::Endpoint> endpoints(size_t n, const std::function<uint32_t(size_t)> &weight = {}) {
  std::vector<maglev::Endpoint> out;
  for (size_t i = 0; i < n; i++) out.push_back({i, weight ? weight(i) : 1, uint16_t(i)});
  return out;
}

// Flows per backend value.
std::vector<size_t> shares(const std::vector<uint16_t> &table, size_t n) {
  std::vector<size_t> count(n, 0);
  for (uint32_t h : flow_hashes()) count[maglev::pick(table, h)]++;
  return count;
}

// Fraction of the flows whose backend differs between the two tables.
double moved(const std::vector<uint16_t> &before, const std::vector<uint16_t> &after) {
  size_t n = 0;
  for (uint32_t h : flow_hashes()) n += maglev::pick(before, h) != maglev::pick(after, h);
  return double(n) / kFlows;
}

// Each backend's share of the flows is within 1 percentage point of its
// weighted fair share (the bound), and, more strictly, within 5
// standard deviations of a binomial draw at that share: what the hash's
// sampling noise allows, so a skewed table would not pass. The table
// itself gives every backend its share of the positions within one
// position plus 1 %.
void expect_fair(const std::vector<maglev::Endpoint> &eps) {
  auto table = maglev::build(eps);
  ASSERT_EQ(table.size(), PCN_MAGLEV_SIZE);
  double total = 0;
  for (const auto &e : eps) total += e.weight;
  std::vector<size_t> positions(eps.size(), 0);
  for (uint16_t v : table) positions[v]++;
  auto flows = shares(table, eps.size());
  for (size_t i = 0; i < eps.size(); i++) {
    double fair = eps[i].weight / total;
    double want_positions = fair * PCN_MAGLEV_SIZE;
    EXPECT_LE(std::fabs(positions[i] - want_positions), 1 + 0.01 * want_positions)
        << "backend " << i << " of " << eps.size() << " (weight " << eps[i].weight << ") holds " << positions[i]
        << " positions, fair " << want_positions;
    double share = double(flows[i]) / kFlows;
    EXPECT_LE(std::fabs(share - fair), 0.01) << "backend " << i << ": " << share << " of the flows, fair " << fair;
    double sigma = std::sqrt(fair * (1 - fair) / kFlows);
    EXPECT_LE(std::fabs(share - fair), 5 * sigma + 1.0 / PCN_MAGLEV_SIZE)
        << "backend " << i << ": " << share << " of the flows, fair " << fair;
  }
}

TEST(Maglev, EqualWeightsShareTheFlowsEvenly) {
  for (size_t n : {1, 2, 3, 10, 100, 1000}) {
    SCOPED_TRACE(n);
    expect_fair(endpoints(n));
  }
}

TEST(Maglev, WeightsGiveProportionalShares) {
  expect_fair(endpoints(3, [](size_t i) { return uint32_t(i + 1); }));     // 1:2:3
  expect_fair(endpoints(10, [](size_t i) { return uint32_t(1 + i * 5); }));  // 1 .. 46
  expect_fair(endpoints(100, [](size_t i) { return uint32_t(1 + i % 4); }));
  expect_fair(endpoints(3, [](size_t i) { return i == 0 ? 256u : 1u; }));  // the extremes of lbrp's range
}

// Removing one of N backends: its flows must move (1/N); at most 1 % of
// all flows more may move. Adding one: it takes 1/(N+1); at most 1 % more.
TEST(Maglev, RemovingOrAddingOneBackendMovesLittleMoreThanItsShare) {
  for (size_t n : {10, 100}) {
    SCOPED_TRACE(n);
    auto all = endpoints(n);
    auto before = maglev::build(all);
    for (size_t gone : {size_t(0), n / 2, n - 1}) {
      auto fewer = all;
      fewer.erase(fewer.begin() + long(gone));
      auto after = maglev::build(fewer);
      double m = moved(before, after);
      EXPECT_GE(m, 1.0 / n - 0.01) << "the removed backend's flows must move";
      EXPECT_LE(m, 1.0 / n + 0.01) << "removing backend " << gone << " of " << n << " moved " << m;
      // The flows of the other backends mostly stay: only what Maglev's
      // refill reshuffles moves.
      size_t of_others = 0, moved_others = 0;
      for (uint32_t h : flow_hashes()) {
        uint16_t b = maglev::pick(before, h);
        if (b == gone) continue;
        of_others++;
        moved_others += maglev::pick(after, h) != b;
      }
      EXPECT_LE(double(moved_others) / kFlows, 0.01);
    }
    auto more = all;
    more.push_back({n, 1, uint16_t(n)});
    double m = moved(before, maglev::build(more));
    EXPECT_LE(m, 1.0 / (n + 1) + 0.01) << "adding a backend to " << n << " moved " << m;
    EXPECT_GE(m, 1.0 / (n + 1) - 0.01);
  }
}

TEST(Maglev, TheTableDependsOnKeysNotOnOrderAndValuesAreLabels) {
  auto eps = endpoints(20);
  auto a = maglev::build(eps);
  std::reverse(eps.begin(), eps.end());
  EXPECT_EQ(maglev::build(eps), a);
  // Same keys, other values: the same positions carry the new labels.
  auto relabelled = endpoints(20);
  for (auto &e : relabelled) e.value = uint16_t(100 + e.value);
  auto b = maglev::build(relabelled);
  for (size_t i = 0; i < a.size(); i++) ASSERT_EQ(b[i], a[i] + 100);
}

TEST(Maglev, LargerPrimeSizesAndBadInput) {
  auto t = maglev::build(endpoints(5), 131071);
  EXPECT_EQ(t.size(), 131071u);
  EXPECT_THROW(maglev::build(endpoints(5), 65536), polycube::Error);   // not prime
  EXPECT_THROW(maglev::build(endpoints(5), 65521), polycube::Error);   // prime, too small
  auto twice = endpoints(3);
  twice[2].key = 0;
  EXPECT_THROW(maglev::build(twice), polycube::Error);
  EXPECT_THROW(maglev::build(endpoints(PCN_MAGLEV_MAX_BACKENDS + 1)), polycube::Error);
  EXPECT_TRUE(maglev::build({}).empty());
  EXPECT_TRUE(maglev::build({{1, 0, 1}}).empty()) << "no weight, no table";
  // A weight-0 backend takes no position.
  auto with_zero = maglev::build({{1, 1, 1}, {2, 0, 2}});
  EXPECT_EQ(std::count(with_zero.begin(), with_zero.end(), 2), 0);
  EXPECT_TRUE(maglev::is_prime(65537));
  EXPECT_FALSE(maglev::is_prime(65535));
}

}  // namespace
