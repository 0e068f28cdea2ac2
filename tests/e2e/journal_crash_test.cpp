// Crash consistency of the journal, end to end: polycubed (its own process)
// takes a stream of writes (cubes with ports on real veths created and
// deleted, a bridge leaf changed, firewall rules appended, inserted at 0 and
// deleted) and is killed with SIGKILL at random points, or kills itself at
// a chosen point of a chosen record (test-only PCN_JOURNAL_FAULT): with the
// record half written, written but not flushed, flushed but not answered.
// Compaction runs every few records (PCN_JOURNAL_COMPACT_BYTES), so kills
// also land in the middle of a compaction.
//
// After each crash a new polycubed restores the saved configuration; it
// must equal the configuration after a prefix of the stream that holds
// every acknowledged write (and at most the one in flight), compared with
// the configurations a reference run recorded after each write; and the
// kernel must match it: the cubes that exist, the TC filters on the veths
// of the cubes' ports, the firewall's rules as its data plane tables hold
// them.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <nlohmann/json.hpp>
#include <random>
#include <set>
#include <thread>

#include "pcnd.h"
#include "testnet.h"

using namespace pcntest;
using nlohmann::json;

namespace {

constexpr int kWrites = 40;

class JournalCrash : public ::testing::Test {
 protected:
  void SetUp() override {
    for (int i = 0; i < 3; i++) {
      std::string ns = "h" + std::to_string(i);
      net.add_ns(ns);
      veth.push_back(net.add_host(ns, "v" + std::to_string(i), ""));
    }
    // The stream, and the configuration after each write (a reference run
    // of the same stream, without crashes).
    Pcnd ref(net.prefix() + "ref-");
    ASSERT_TRUE(ref.start());
    after.push_back(config(ref));
    std::chrono::steady_clock::time_point t0;
    for (int i = 0; i < kWrites; i++) {
      auto r = send(ref, i);
      ASSERT_TRUE(r.status >= 200 && r.status < 300) << "write " << i << ": " << r.status << " " << r.body;
      after.push_back(config(ref));
      if (i == 0) t0 = std::chrono::steady_clock::now();  // the first write pays libbpf's first loads
    }
    stream = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0);
    ASSERT_TRUE(ref.stop());
  }

  // Write i of the stream (deterministic: cube hw<k> toggles, so every
  // write is valid and changes something).
  RestReply send(Pcnd &d, int i) {
    if (i == 0)
      return d.rest("POST", "", R"({"bridge:bridge":[{"name":"br1"}],"firewall:firewall":[{"name":"fw1"}]})");
    int j = i / 5 - 1;  // i = 5, 10, 15, ...: j = 0, 1, 2, ...
    int k = (j + 3) % 3;
    std::string hw = "hw" + std::to_string(k);
    switch (i % 5) {
      case 0: {
        bool exists = (j / 3) % 2 == 1;  // created on the first pass, deleted on the next
        if (exists) return d.rest("DELETE", "/helloworld:helloworld=" + hw);
        return d.rest("POST", "", json{{"helloworld:helloworld", {{{"name", hw}, {"ports", {{{"name", "p0"}, {"peer", veth[k]}}}}}}}}.dump());
      }
      case 1:
        return d.rest("PATCH", "/bridge:bridge=br1",
                      json{{"bridge:bridge", {{{"name", "br1"}, {"fdb", {{"aging-time", 100 + i}}}}}}}.dump());
      case 2:
        return d.rest("POST", "/firewall:firewall=fw1/chain=INGRESS/append",
                      json{{"firewall:input", {{"src", "10.0." + std::to_string(i) + ".1/32"}, {"action", "DROP"}}}}.dump());
      case 3:
        return d.rest("POST", "/firewall:firewall=fw1/chain=INGRESS/insert",
                      json{{"firewall:input", {{"id", 0}, {"src", "10.1." + std::to_string(i) + ".0/24"}}}}.dump());
      default:
        return d.rest("POST", "/firewall:firewall=fw1/chain=INGRESS/delete", R"({"firewall:input":{"id":1}})");
    }
  }

  static std::string config(Pcnd &d) {
    auto r = d.rest("GET", "?content=config");
    return std::to_string(r.status) + " " + r.body;
  }

  // The kernel side agrees with the restored configuration.
  void expect_kernel_matches(Pcnd &d, const std::string &restored) {
    json cfg = json::parse(restored.substr(restored.find(' ') + 1));
    std::set<std::string> want, have;
    for (auto &[module, list] : cfg.items())
      for (auto &c : list) want.insert(c["name"].get<std::string>());
    json cubes = json::parse(d.rest("GET", "/polycube:cubes").body);
    for (auto &c : cubes["polycube:cubes"]["cube"]) have.insert(c["name"].get<std::string>());
    EXPECT_EQ(have, want);
    for (int k = 0; k < 3; k++) {
      bool peered = want.count("hw" + std::to_string(k));
      std::string filters = sh_out("tc filter show dev " + veth[k] + " ingress");
      EXPECT_EQ(filters.find("pcn") != std::string::npos, peered) << veth[k] << ": " << filters;
    }
    size_t rules = 0;
    if (cfg.contains("firewall:firewall"))
      for (auto &ch : cfg["firewall:firewall"][0].value("chain", json::array()))
        rules += ch.value("rule", json::array()).size();
    // The firewall's own tables (what its data plane was built from).
    json st = json::parse(d.rest("GET", "/firewall:firewall=fw1/chain=INGRESS?content=nonconfig").body);
    size_t counted = st.contains("firewall:chain") ? st["firewall:chain"][0].value("rule", json::array()).size() : 0;
    EXPECT_EQ(counted, rules);
  }

  // Runs the stream on `d` until it stops answering or `kill_after`
  // passes; returns how many writes were acknowledged.
  int run_until_killed(Pcnd &d, std::chrono::milliseconds kill_after, bool kill) {
    std::atomic<int> acked{0};
    std::atomic<bool> dead{false};
    std::thread writer([&] {
      for (int i = 0; i < kWrites && !dead; i++) {
        auto r = send(d, i);
        if (r.status < 200 || r.status >= 300) break;  // no answer: killed
        acked = i + 1;
      }
    });
    if (kill) {
      for (int w = 0; acked == 0 && w < 10000; w++) std::this_thread::sleep_for(std::chrono::milliseconds(1));
      std::this_thread::sleep_for(kill_after);
      dead = true;
      d.kill9();
    }
    writer.join();
    if (!kill) d.kill9();  // killed itself (fault injection): reap it
    return acked;
  }

  TestNet net;
  std::vector<std::string> veth;
  std::vector<std::string> after;  // after[k]: configuration after k writes
  std::chrono::milliseconds stream{0};  // how long the reference run took after its first write
};

TEST_F(JournalCrash, KillDashNineAtRandomPointsRestoresAnAcknowledgedPrefix) {
  std::mt19937 rng(static_cast<uint32_t>(::getpid()));
  setenv("PCN_JOURNAL_COMPACT_BYTES", "1500", 1);
  int killed_midway = 0;
  for (int round = 0; round < 4; round++) {
    SCOPED_TRACE("round " + std::to_string(round));
    Pcnd d(net.prefix() + "crash" + std::to_string(round) + "-");
    ASSERT_TRUE(d.start());
    // Anywhere in the stream after the first write (the others take about
    // as long as in the reference run, which also read the configuration
    // after each).
    int acked = run_until_killed(d, std::chrono::milliseconds(rng() % (stream.count() + 1)), true);
    killed_midway += acked < kWrites;
    std::printf("round %d: killed after %d of %d writes\n", round, acked, kWrites);
    ASSERT_TRUE(d.start());
    std::string restored = config(d);
    bool prefix = restored == after[acked] || (acked < kWrites && restored == after[acked + 1]);
    EXPECT_TRUE(prefix) << acked << " writes acknowledged; restored:\n" << restored << "\nafter them:\n" << after[acked];
    expect_kernel_matches(d, restored);
    // And it goes on from there: one more write survives a clean restart.
    if (acked < kWrites) {
      EXPECT_EQ(d.rest("PATCH", "/bridge:bridge=br1", R"({"bridge:bridge":[{"name":"br1","fdb":{"aging-time":7}}]})").status,
                acked == 0 && restored == after[0] ? 404 : 204);
    }
    std::string now = config(d);
    ASSERT_TRUE(d.stop());
    ASSERT_TRUE(d.start());
    EXPECT_EQ(config(d), now);
    d.stop();
  }
  unsetenv("PCN_JOURNAL_COMPACT_BYTES");
  EXPECT_GT(killed_midway, 0) << "every kill came after the stream ended";
}

TEST_F(JournalCrash, KilledBetweenWriteAndFlushOrWithATornRecord) {
  // Record 13 (a firewall rule); a compaction every ~3 records.
  setenv("PCN_JOURNAL_COMPACT_BYTES", "800", 1);
  struct Case {
    const char *fault;
    std::vector<int> allowed;  // configurations the restore may give (writes done)
  } cases[] = {
      // Half the record reached the file: detected by its length and
      // checksum, dropped, never half-applied.
      {"torn:13", {12}},
      // Written, not flushed, the process killed: the page cache still
      // has it (only power loss would lose it).
      {"before-sync:13", {12, 13}},
      // Flushed, not answered: durable.
      {"after-sync:13", {13}},
  };
  for (const auto &c : cases) {
    SCOPED_TRACE(c.fault);
    Pcnd d(net.prefix() + std::string(c.fault).substr(0, 4) + "-");
    setenv("PCN_JOURNAL_FAULT", c.fault, 1);
    bool started = d.start();
    unsetenv("PCN_JOURNAL_FAULT");
    ASSERT_TRUE(started);
    int acked = run_until_killed(d, std::chrono::milliseconds(0), false);
    EXPECT_EQ(acked, 12) << "the daemon died at record 13";
    ASSERT_TRUE(d.start());
    std::string restored = config(d);
    bool ok = false;
    for (int k : c.allowed) ok |= restored == after[k];
    EXPECT_TRUE(ok) << "restored:\n" << restored << "\nafter 12 writes:\n" << after[12];
    expect_kernel_matches(d, restored);
    // The torn tail is gone for good: what comes next is journaled after
    // the intact records and survives another crash.
    int done = restored == after[13] ? 13 : 12;
    auto r = send(d, done);
    EXPECT_TRUE(r.status >= 200 && r.status < 300) << r.body;
    d.kill9();
    ASSERT_TRUE(d.start());
    EXPECT_EQ(config(d), after[done + 1]);
    d.stop();
  }
  unsetenv("PCN_JOURNAL_COMPACT_BYTES");
}

}  // namespace
