// Configuration versions without a kernel: undo records invert every kind
// of write (cubes created, deleted, leaves changed, positional lists
// spliced, list parents added and removed), composed undo records stage
// any earlier version in one transaction, the history keeps its bounds and
// survives its own serialization, and the per-leaf diff.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "config_diff.h"
#include "datastore.h"
#include "versions.h"

using namespace polycube;
using namespace polycube::daemon;
using nlohmann::json;

namespace {

std::string read(const std::string &rel) {
  std::ifstream in(std::string(PCN_SOURCE_DIR) + "/" + rel);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

ListSplice rules_at(const std::string &chain, uint32_t pos, uint32_t remove, std::vector<json> insert = {}) {
  return ListSplice{"chain=" + chain + "/rule", pos, remove, std::move(insert)};
}

json rule(const std::string &src) { return json{{"src", src}, {"action", "DROP"}}; }

class UndoTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const char *m : {"firewall", "simplebridge", "helloworld"})
      ASSERT_EQ(ds.load_module(read(std::string("services/") + m + "/" + m + ".yang")), m);
    dumps.push_back(ds.dump());
  }
  // Commits `t`, keeping its undo record and the configuration after it.
  void write(Transaction t) {
    undos.push_back(json::parse(ds.undo_record(t)));
    ds.commit(std::move(t));
    dumps.push_back(ds.dump());
  }
  // The undo records that take the current configuration back to version v.
  std::vector<json> back_to(size_t v) { return {undos.rbegin(), undos.rend() - static_cast<long>(v)}; }
  void writes() {
    write(ds.merge(R"({"firewall:firewall":[{"name":"fw1","chain":[{"name":"INGRESS","rule":[
             {"id":0,"src":"10.0.0.1/32"},{"id":1,"src":"10.0.0.2/32"},{"id":2,"dst":"10.0.0.3/32"}]}]}],
             "simplebridge:simplebridge":[{"name":"br1","ports":[{"name":"p1"}]}]})"));
    write(ds.edit("firewall", "fw1", nullptr, {rules_at("INGRESS", 0, 0, {rule("9.9.9.9/32")})}));  // insert at 0
    write(ds.edit("firewall", "fw1", nullptr,  // several splices, a later one removing what an earlier inserted
                  {rules_at("INGRESS", 1, 2, {rule("1.1.1.1/32"), rule("1.1.1.2/32"), rule("1.1.1.3/32")}),
                   rules_at("INGRESS", 2, 2), rules_at("INGRESS", 0, 0, {rule("2.2.2.2/32")})}));
    write(ds.merge(R"({"simplebridge:simplebridge":[{"name":"br1","fdb":{"aging-time":42},"ports":[{"name":"p2"}]}]})"));
    // Leaves and lists at once: a new chain (a list parent) with its rules.
    write(ds.merge(R"({"firewall:firewall":[{"name":"fw1","accept-established":true,"chain":[{"name":"EGRESS","default":"DROP",
             "rule":[{"id":0,"dst":"10.9.0.0/16"},{"id":1,"dst":"10.8.0.0/16"}]}]}]})"));
    // A list parent removed (its rules go with it) while another list changes.
    write(ds.remove(std::vector<std::string>{"/firewall:firewall[name='fw1']/chain[name='INGRESS']"}));
    write(ds.replace("/firewall:firewall[name='fw1']", R"({"firewall:firewall":[{"name":"fw1","chain":[{"name":"INGRESS",
             "rule":[{"id":0,"src":"3.3.3.3/32"}]}]}]})"));  // PUT of the cube
    write(ds.merge(R"({"helloworld:helloworld":[{"name":"hw1","action":"DROP"}]})"));
    write(ds.remove("/simplebridge:simplebridge[name='br1']"));
    write(ds.remove("/firewall:firewall[name='fw1']"));  // deleted with its rules
  }
  Datastore ds;
  std::vector<json> undos;
  std::vector<std::string> dumps;  // dumps[v]: the configuration at version v
};

TEST_F(UndoTest, EachUndoRecordGivesBackThePreviousConfiguration) {
  writes();
  for (size_t v = undos.size(); v-- > 0;) {
    Transaction t = ds.stage_records({undos[v]});
    ds.commit(std::move(t));
    ASSERT_EQ(ds.dump(), dumps[v]) << "undo of version " << v + 1 << ": " << undos[v].dump();
  }
}

TEST_F(UndoTest, ComposedUndoRecordsReachAnyVersionInOneTransaction) {
  writes();
  const std::string now = ds.dump();
  for (size_t v = 0; v + 1 < dumps.size(); v++) {
    Transaction t = ds.stage_records(back_to(v));
    // Each cube staged as it was at v, without committing.
    json at_v = json::parse(dumps[v]);
    for (const char *name : {"fw1", "br1", "hw1"}) {
      auto [module, config] = ds.staged_cube(t, name);
      json expected;
      for (auto &[qname, list] : at_v.items())
        for (auto &c : list)
          if (c["name"] == name) expected = c;
      EXPECT_EQ(config, expected) << name << " at version " << v;
    }
    EXPECT_EQ(ds.dump(), now) << "staging changed the running configuration";
  }
  ds.commit(ds.stage_records(back_to(0)));
  EXPECT_EQ(ds.dump(), dumps[0]);
}

// What the journal keeps of each write, and of each rollback, replays to
// the configuration it made (a rollback that removes a list's parent with
// the list's entries, e.g. the revert of a rule appended to a chain that
// did not exist, must replay after a restart).
TEST_F(UndoTest, JournalRecordsOfWritesAndRollbacksReplayToTheSameConfiguration) {
  Datastore replica;
  for (const char *m : {"firewall", "simplebridge", "helloworld"})
    ASSERT_EQ(replica.load_module(read(std::string("services/") + m + "/" + m + ".yang")), m);
  auto commit_both = [&](Transaction t) {
    std::string record = ds.journal_record(t);
    ds.commit(std::move(t));
    replica.replay(record);
    ASSERT_EQ(replica.dump(), ds.dump()) << record;
  };
  commit_both(ds.merge(R"({"firewall:firewall":[{"name":"fw1"}]})"));
  // A rule appended to a chain that did not exist, then undone.
  const json with_chain = {{"chain", {{{"name", "INGRESS"}}}}};  // what the firewall's append does
  Transaction append = ds.edit("firewall", "fw1", &with_chain, {rules_at("INGRESS", 0, 0, {rule("1.1.1.1/32")})});
  json undo = json::parse(ds.undo_record(append));
  commit_both(std::move(append));
  commit_both(ds.stage_records({undo}));
  // The chain deleted with its rules.
  commit_both(ds.edit("firewall", "fw1", &with_chain, {rules_at("INGRESS", 0, 0, {rule("2.2.2.2/32"), rule("3.3.3.3/32")})}));
  commit_both(ds.remove(std::vector<std::string>{"/firewall:firewall[name='fw1']/chain[name='INGRESS']"}));
}

TEST_F(UndoTest, UndoRecordsFollowTheSizeOfTheChange) {
  std::vector<json> many;
  for (int i = 0; i < 5000; i++) many.push_back(rule("10.1." + std::to_string(i / 256) + "." + std::to_string(i % 256) + "/32"));
  ds.commit(ds.merge(R"({"firewall:firewall":[{"name":"fw1","chain":[{"name":"INGRESS"}]}]})"));
  ds.commit(ds.edit("firewall", "fw1", nullptr, {rules_at("INGRESS", 0, 0, many)}));
  Transaction insert = ds.edit("firewall", "fw1", nullptr, {rules_at("INGRESS", 0, 0, {rule("9.9.9.9/32")})});
  EXPECT_LT(ds.undo_record(insert).size(), 200u) << ds.undo_record(insert);
  Transaction leaf = ds.merge(R"({"firewall:firewall":[{"name":"fw1","accept-established":true}]})");
  EXPECT_LT(ds.undo_record(leaf).size(), 300u) << ds.undo_record(leaf);
  Transaction remove = ds.edit("firewall", "fw1", nullptr, {rules_at("INGRESS", 100, 1)});
  std::string undo = ds.undo_record(remove);
  EXPECT_NE(undo.find("10.1.0.100/32"), std::string::npos) << undo;  // the removed rule, to put back
  EXPECT_LT(undo.size(), 300u);
}

TEST_F(UndoTest, EditsBackToWhatIsCommittedAreNoChange) {
  ds.commit(ds.merge(R"({"helloworld:helloworld":[{"name":"hw1","action":"DROP"}],
                         "firewall:firewall":[{"name":"fw1","chain":[{"name":"INGRESS","rule":[{"id":0,"src":"1.1.1.1/32"}]}]}]})"));
  Transaction t = ds.stage_records({json::parse(R"({"cubes":[
      {"module":"helloworld","name":"hw1","config":{"action":"FORWARD"}},
      {"module":"helloworld","name":"hw1","config":{"action":"DROP"}},
      {"module":"firewall","name":"fw1","splices":[{"list":"chain=INGRESS/rule","pos":0,"remove":0,"insert":[{"src":"2.2.2.2/32"}]}]},
      {"module":"firewall","name":"fw1","splices":[{"list":"chain=INGRESS/rule","pos":0,"remove":1,"insert":[]}]}]})")});
  EXPECT_TRUE(t.changes().empty());
  // A whole cube replaced by the same content is no change either.
  json fw = ds.cube("firewall", "fw1");
  Transaction same = ds.stage_records({json{{"cubes", {{{"module", "firewall"}, {"name", "fw1"}, {"replace", fw}}}}}});
  EXPECT_TRUE(same.changes().empty());
}

TEST_F(UndoTest, BadRecordsAreRefusedAndChangeNothing) {
  writes();
  const std::string now = ds.dump();
  for (const char *bad : {R"({"cubes":[{"module":"nosuch","name":"x","delete":true}]})",
                          R"({"cubes":[{"module":"helloworld","name":"x","replace":{"action":"MAYBE"}}]})",
                          R"({"cubes":[{"name":"x"}]})", R"({"nocubes":1})",
                          R"({"cubes":[{"module":"helloworld","name":"x","replace":[1]}]})"}) {
    EXPECT_THROW(ds.stage_records({json::parse(bad)}), DataError) << bad;
    EXPECT_EQ(ds.dump(), now);
  }
}

TEST(VersionHistory, KeepsItsBoundAndNeverDropsAPendingRevertPoint) {
  VersionHistory h(3);
  h.start("empty");
  EXPECT_EQ(h.current(), 0u);
  for (uint64_t v = 1; v <= 6; v++) h.push({v, now_ms(), "alice", "", {"br1"}, "{\"cubes\":[]}"});
  EXPECT_EQ(h.entries().size(), 3u);
  EXPECT_EQ(h.oldest(), 4u);
  EXPECT_EQ(h.current(), 6u);
  EXPECT_TRUE(h.entries().front().undo.empty());  // nothing before the oldest
  EXPECT_EQ(h.undo_since(4).size(), 2u);
  // A pending confirmed commit going back to 5 holds 5 while more come.
  h.set_pending(PendingConfirm{6, 5, now_ms() + 60000, "alice"});
  for (uint64_t v = 7; v <= 9; v++) h.push({v, now_ms(), "", "", {}, "{\"cubes\":[]}"});
  EXPECT_EQ(h.oldest(), 5u);
  EXPECT_THROW(h.push({42, 0, "", "", {}, ""}), Error);  // numbers follow each other
  // The bytes of undo records are bounded too.
  VersionHistory small(100, 1000);
  small.start("empty");
  for (uint64_t v = 1; v <= 10; v++) small.push({v, 0, "", "", {}, std::string(300, 'x')});
  EXPECT_LE(small.entries().size(), 5u);
  EXPECT_EQ(small.current(), 10u);
}

TEST(VersionHistory, SnapshotAndRecordsLoadToTheSameHistory) {
  VersionHistory h(10);
  h.start("empty");
  h.push({1, 1000, "alice", "first", {"br1", "r1"}, R"({"cubes":[{"module":"m","name":"br1","delete":true}]})"});
  h.push({2, 2000, "", "second\tone", {"fw1"}, R"({"cubes":[]})"});
  h.set_pending(PendingConfirm{2, 1, 5000, "bob"});
  std::string snap = h.snapshot_payload(R"({"helloworld:helloworld":[{"name":"hw1"}]})");
  VersionHistory::Split s = VersionHistory::split_snapshot(snap);
  EXPECT_EQ(s.body, R"({"helloworld:helloworld":[{"name":"hw1"}]})");
  VersionHistory loaded(10);
  loaded.load_snapshot(s);
  EXPECT_EQ(loaded.to_json()["version"], h.to_json()["version"]);
  EXPECT_EQ(loaded.pending(), h.pending());
  EXPECT_EQ(*loaded.undo_since(1)[0], R"({"cubes":[]})");
  // A record carries one version and the pending state after it.
  json meta = VersionEntry{3, 3000, "carol", "", {"hw1"}, ""}.meta();
  meta["pending"] = nullptr;
  VersionHistory::Split r = VersionHistory::split_record(VersionHistory::record_payload(meta, "{\"cubes\":[]}", "{\"cubes\":[1]}"));
  EXPECT_EQ(r.undo, "{\"cubes\":[]}");
  EXPECT_EQ(r.body, "{\"cubes\":[1]}");
  loaded.load_record(r);
  EXPECT_EQ(loaded.current(), 3u);
  EXPECT_FALSE(loaded.pending());
  // An older polycubed's payloads: no frame, the body alone.
  EXPECT_FALSE(VersionHistory::split_record("{\"cubes\":[]}").framed);
  EXPECT_EQ(VersionHistory::split_snapshot("{}").body, "{}");
  EXPECT_THROW(VersionHistory::split_snapshot("pcn-v1 {\"versions\":2}\n{}\n"), Error);  // cut short
  EXPECT_THROW(VersionHistory::split_record("pcn-v1 not json\n\n"), Error);
}

TEST(ConfigDiff, LeavesAndEntriesByKeyAndPositionalListsBySequence) {
  Datastore ds;
  ds.load_module(read("services/firewall/firewall.yang"));
  ds.load_module(read("services/simplebridge/simplebridge.yang"));
  json a = json::parse(R"({"name":"br1","fdb":{"aging-time":300},"ports":[{"name":"p1","peer":"v1"},{"name":"p2","peer":"v2"}]})");
  json b = json::parse(R"({"name":"br1","fdb":{"aging-time":60},"ports":[{"name":"p1","peer":"v9"},{"name":"p3"}]})");
  json d = to_json(diff_config(a, b, ds.list_shapes("simplebridge")));
  EXPECT_EQ(d, json::parse(R"([{"path":"fdb/aging-time","old":"300","new":"60"},
                               {"path":"ports=p1/peer","old":"v1","new":"v9"},
                               {"path":"ports=p2","old":"{\"peer\":\"v2\"}"},
                               {"path":"ports=p3","new":"{}"}])"))
      << d.dump();
  // One rule inserted in front of 1,000: one change, not 1,000.
  json rules = json::array();
  for (int i = 0; i < 1000; i++) rules.push_back({{"id", i}, {"src", "10.0." + std::to_string(i / 256) + "." + std::to_string(i % 256) + "/32"}});
  json fw1 = {{"name", "fw1"}, {"chain", {{{"name", "INGRESS"}, {"rule", rules}}}}};
  json fw2 = fw1;
  auto &r2 = fw2["chain"][0]["rule"];
  r2.insert(r2.begin(), json{{"id", 0}, {"src", "9.9.9.9/32"}});
  for (size_t i = 0; i < r2.size(); i++) r2[i]["id"] = i;
  d = to_json(diff_config(fw1, fw2, ds.list_shapes("firewall")));
  EXPECT_EQ(d, json::parse(R"([{"path":"chain=INGRESS/rule=0","new":"{\"src\":\"9.9.9.9/32\"}"}])")) << d.dump();
  // An entry edited in place: its leaf.
  fw2 = fw1;
  fw2["chain"][0]["rule"][500]["action"] = "ACCEPT";
  d = to_json(diff_config(fw1, fw2, ds.list_shapes("firewall")));
  EXPECT_EQ(d, json::parse(R"([{"path":"chain=INGRESS/rule=500/action","new":"ACCEPT"}])")) << d.dump();
  // A cube created: every leaf and entry new.
  EXPECT_EQ(diff_config(nullptr, a, ds.list_shapes("simplebridge")).size(), 3u);
}

}  // namespace
