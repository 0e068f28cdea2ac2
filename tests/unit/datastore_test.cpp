// The daemon's datastore against the real service YANG modules: strict
// parsing, whole-tree validation, the cube-level diff, and that a rejected
// write leaves the running tree exactly as it was.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "datastore.h"

#include <functional>
#include <nlohmann/json.hpp>

using namespace polycube;
using namespace polycube::daemon;

namespace {

std::string read(const std::string &rel) {
  std::ifstream in(std::string(PCN_SOURCE_DIR) + "/" + rel);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

class DatastoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(ds.load_module(read("services/helloworld/helloworld.yang")), "helloworld");
    ASSERT_EQ(ds.load_module(read("services/simplebridge/simplebridge.yang")), "simplebridge");
  }
  void apply(const std::string &json) { ds.commit(ds.merge(json)); }
  // The error a write raises; the running tree must not move.
  DataError rejected(const std::string &json) {
    std::string before = ds.get();
    try {
      ds.merge(json);
    } catch (const DataError &e) {
      EXPECT_EQ(ds.get(), before);
      return e;
    }
    ADD_FAILURE() << "accepted: " << json;
    return DataError(ErrorCode::kKernel, "", "", "");
  }
  Datastore ds;
};

TEST_F(DatastoreTest, BadModuleIsRejected) {
  EXPECT_THROW(ds.load_module("module broken { namespace"), DataError);
}

TEST_F(DatastoreTest, CreateUpdateDeleteProduceCubeChanges) {
  Transaction t = ds.merge(R"({"helloworld:helloworld":[{"name":"hw1","action":"FORWARD"}]})");
  ASSERT_EQ(t.changes().size(), 1u);
  EXPECT_EQ(t.changes()[0].op, CubeChange::kCreate);
  EXPECT_EQ(t.changes()[0].module, "helloworld");
  EXPECT_EQ(t.changes()[0].name, "hw1");
  EXPECT_NE(t.changes()[0].json.find("\"action\":\"FORWARD\""), std::string::npos) << t.changes()[0].json;
  EXPECT_EQ(ds.get(), "{}");  // nothing visible before commit
  ds.commit(std::move(t));
  EXPECT_NE(ds.get().find("hw1"), std::string::npos);

  Transaction u = ds.merge(R"({"helloworld:helloworld":[{"name":"hw1","action":"DROP"}]})");
  ASSERT_EQ(u.changes().size(), 1u);
  EXPECT_EQ(u.changes()[0].op, CubeChange::kUpdate);
  ds.commit(std::move(u));
  EXPECT_NE(ds.get("/helloworld:helloworld[name='hw1']").find("DROP"), std::string::npos);

  // Writing the same values again changes nothing.
  EXPECT_TRUE(ds.merge(R"({"helloworld:helloworld":[{"name":"hw1","action":"DROP"}]})").changes().empty());

  Transaction d = ds.remove("/helloworld:helloworld[name='hw1']");
  ASSERT_EQ(d.changes().size(), 1u);
  EXPECT_EQ(d.changes()[0].op, CubeChange::kDelete);
  EXPECT_EQ(d.changes()[0].name, "hw1");
  ds.commit(std::move(d));
  EXPECT_EQ(ds.get(), "{}");
}

TEST_F(DatastoreTest, OneWriteCanTouchSeveralServices) {
  Transaction t = ds.merge(R"({"helloworld:helloworld":[{"name":"hw1"},{"name":"hw2"}],
                                "simplebridge:simplebridge":[{"name":"sb1","ports":[{"name":"p1","peer":"veth1"}]}]})");
  ASSERT_EQ(t.changes().size(), 3u);
  for (const auto &c : t.changes()) EXPECT_EQ(c.op, CubeChange::kCreate);
  EXPECT_EQ(t.changes()[2].module, "simplebridge");
  ds.commit(std::move(t));
  // Adding a port to sb1 is an update of sb1 only.
  Transaction u = ds.merge(R"({"simplebridge:simplebridge":[{"name":"sb1","ports":[{"name":"p2"}]}]})");
  ASSERT_EQ(u.changes().size(), 1u);
  EXPECT_EQ(u.changes()[0].op, CubeChange::kUpdate);
  EXPECT_EQ(u.changes()[0].name, "sb1");
  EXPECT_NE(u.changes()[0].json.find("\"p2\""), std::string::npos);
}

TEST_F(DatastoreTest, BadInputIsRejectedWithAPathAndChangesNothing) {
  apply(R"({"simplebridge:simplebridge":[{"name":"sb1"}]})");
  struct Case {
    const char *what, *json, *in_message;
  } cases[] = {
      {"malformed JSON", R"({"helloworld:helloworld":[{"name":"hw1",)", ""},
      {"unknown enum", R"({"helloworld:helloworld":[{"name":"hw1","action":"FLY"}]})", "FLY"},
      {"wrong type", R"({"simplebridge:simplebridge":[{"name":"sb1","fdb":{"aging-time":"soon"}}]})", "soon"},
      {"out of range", R"({"simplebridge:simplebridge":[{"name":"sb1","fdb":{"aging-time":0}}]})", "0"},
      {"unknown leaf", R"({"helloworld:helloworld":[{"name":"hw1","colour":"red"}]})", "colour"},
      {"unknown module", R"({"router:router":[{"name":"r1"}]})", "router"},
      {"state data", R"({"simplebridge:simplebridge":[{"name":"sb1","fdb":{"entry":[{"address":"a"}]}}]})", ""},
      {"too many ports",
       R"({"helloworld:helloworld":[{"name":"hw1","ports":[{"name":"a"},{"name":"b"},{"name":"c"}]}]})", ""},
      {"missing key", R"({"helloworld:helloworld":[{"action":"DROP"}]})", ""},
  };
  for (const auto &c : cases) {
    DataError e = rejected(c.json);
    EXPECT_EQ(e.code(), ErrorCode::kInvalid) << c.what << ": " << e.what();
    EXPECT_NE(std::string(e.what()).find(c.in_message), std::string::npos) << c.what << ": " << e.what();
  }
  DataError range = rejected(R"({"simplebridge:simplebridge":[{"name":"sb1","fdb":{"aging-time":0}}]})");
  EXPECT_EQ(range.path(), "/simplebridge:simplebridge[name='sb1']/fdb/aging-time");
  EXPECT_EQ(rejected(R"({"helloworld:helloworld":[{"name":"hw1","colour":"red"}]})").tag(), "unknown-element");
}

TEST_F(DatastoreTest, RestconfPathsBecomeXpaths) {
  EXPECT_EQ(ds.xpath("helloworld:helloworld=hw1"), "/helloworld:helloworld[name='hw1']");
  EXPECT_EQ(ds.xpath("simplebridge:simplebridge=sb1/ports=p%2F1"),
            "/simplebridge:simplebridge[name='sb1']/ports[name='p/1']");
  EXPECT_EQ(ds.xpath("simplebridge:simplebridge=sb1/fdb/aging-time"),
            "/simplebridge:simplebridge[name='sb1']/fdb/aging-time");
  EXPECT_EQ(ds.xpath("helloworld:helloworld=it's"), "/helloworld:helloworld[name=\"it's\"]");
  struct {
    const char *path, *tag;
  } bad[] = {
      {"helloworld:helloworld=hw1/colour", "unknown-element"},  // no such leaf
      {"nosuch:thing", "unknown-element"},                       // no such module
      {"helloworld=hw1", "invalid-value"},                       // no module prefix
      {"helloworld:helloworld=a,b", "invalid-value"},            // one key only
      {"helloworld:helloworld=hw1/action=x", "invalid-value"},   // a leaf takes no key
      {"helloworld:helloworld=%zz", "invalid-value"},            // bad percent-encoding
      {"helloworld:helloworld=hw%2", "invalid-value"},
      {"helloworld:helloworld//ports", "invalid-value"},
  };
  for (const auto &b : bad) {
    try {
      ds.xpath(b.path);
      ADD_FAILURE() << "accepted " << b.path;
    } catch (const DataError &e) {
      EXPECT_EQ(e.code(), ErrorCode::kInvalid) << b.path;
      EXPECT_EQ(e.tag(), b.tag) << b.path << ": " << e.what();
    }
  }
}

TEST_F(DatastoreTest, DeletingWhatIsNotThereIsNotFound) {
  try {
    ds.remove("/helloworld:helloworld[name='ghost']");
    FAIL();
  } catch (const DataError &e) {
    EXPECT_EQ(e.code(), ErrorCode::kNotFound);
  }
  EXPECT_THROW(ds.get("/helloworld:helloworld[name='ghost']"), DataError);
}

}  // namespace

namespace {

using nlohmann::json;

// The firewall's rules: a positional list (polycube-base:positional).
class PositionalListTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(ds.load_module(read("services/firewall/firewall.yang")), "firewall");
    ASSERT_EQ(ds.load_module(read("services/helloworld/helloworld.yang")), "helloworld");
    apply(R"({"firewall:firewall":[{"name":"fw1","chain":[{"name":"INGRESS","rule":[
             {"id":0,"src":"10.0.0.1/32","action":"DROP"},{"id":1,"src":"10.0.0.2/32"},{"id":2,"dst":"10.0.0.3/32"}]}]}]})");
  }
  void apply(const std::string &j) { ds.commit(ds.merge(j)); }
  // "src or dst" of every rule, by id.
  std::string rules() {
    std::string out;
    json doc = json::parse(ds.get("/firewall:firewall[name='fw1']/chain[name='INGRESS']/rule"));
    for (const auto &r : doc["firewall:rule"])
      out += std::to_string(r["id"].get<int>()) + "=" + r.value("src", r.value("dst", "?")) + ",";
    return out;
  }
  ListSplice at(uint32_t pos, uint32_t remove, std::vector<json> insert = {}) {
    return ListSplice{"chain=INGRESS/rule", pos, remove, std::move(insert)};
  }
  Datastore ds;
};

TEST_F(PositionalListTest, SplicesRenumberWithoutTouchingTheTree) {
  EXPECT_EQ(rules(), "0=10.0.0.1/32,1=10.0.0.2/32,2=10.0.0.3/32,");
  Transaction t = ds.edit("firewall", "fw1", nullptr, {at(0, 0, {json{{"src", "9.9.9.9/32"}}})});
  ASSERT_EQ(t.changes().size(), 1u);
  EXPECT_FALSE(t.changes()[0].config_changed);  // the cube's tree is the same
  ASSERT_EQ(t.changes()[0].splices.size(), 1u);
  EXPECT_EQ(t.changes()[0].splices[0].insert[0]["src"], "9.9.9.9/32");
  ds.commit(std::move(t));
  EXPECT_EQ(rules(), "0=9.9.9.9/32,1=10.0.0.1/32,2=10.0.0.2/32,3=10.0.0.3/32,");
  ds.commit(ds.remove("/firewall:firewall[name='fw1']/chain[name='INGRESS']/rule[id='1']"));
  EXPECT_EQ(rules(), "0=9.9.9.9/32,1=10.0.0.2/32,2=10.0.0.3/32,");
  // One entry by its position, state merged in as for any list.
  json state = {{"firewall:firewall", {{{"name", "fw1"}, {"chain", {{{"name", "INGRESS"}, {"rule", {{{"id", 1}, {"pkts", "7"}}}}}}}}}}};
  json one = json::parse(ds.get("/firewall:firewall[name='fw1']/chain[name='INGRESS']/rule[id='1']", &state));
  EXPECT_EQ(one, json::parse(R"({"firewall:rule":[{"id":1,"src":"10.0.0.2/32","pkts":"7"}]})")) << one;
  // The config action's view: the list as its size.
  EXPECT_EQ(ds.cube("firewall", "fw1", Datastore::Lists::kSizes)["chain"][0]["rule"], 3);
  EXPECT_FALSE(ds.cube("firewall", "fw1", Datastore::Lists::kOmitted)["chain"][0].contains("rule"));
}

TEST_F(PositionalListTest, MergesPlaceEntriesByPositionAndRefuseGaps) {
  apply(R"({"firewall:firewall":[{"name":"fw1","chain":[{"name":"INGRESS","rule":[{"id":1,"action":"ACCEPT"},{"id":3,"src":"4.4.4.4"}]}]}]})");
  EXPECT_EQ(rules(), "0=10.0.0.1/32,1=10.0.0.2/32,2=10.0.0.3/32,3=4.4.4.4,");
  EXPECT_EQ(json::parse(ds.get("/firewall:firewall[name='fw1']/chain[name='INGRESS']/rule[id='1']/action")),
            json::parse(R"({"firewall:action":"ACCEPT"})"));
  std::string before = ds.get();
  struct {
    const char *what;
    std::function<Transaction()> write;
    ErrorCode code;
  } bad[] = {
      {"a gap", [&] { return ds.merge(R"({"firewall:firewall":[{"name":"fw1","chain":[{"name":"INGRESS","rule":[{"id":9}]}]}]})"); },
       ErrorCode::kInvalid},
      {"a bad value in an entry",
       [&] { return ds.merge(R"({"firewall:firewall":[{"name":"fw1","chain":[{"name":"INGRESS","rule":[{"id":4,"src":"1.2.3.400"}]}]}]})"); },
       ErrorCode::kInvalid},
      {"state data in an entry",
       [&] { return ds.merge(R"({"firewall:firewall":[{"name":"fw1","chain":[{"name":"INGRESS","rule":[{"id":0,"pkts":"1"}]}]}]})"); },
       ErrorCode::kInvalid},
      {"an unknown leaf", [&] { return ds.edit("firewall", "fw1", nullptr, {at(0, 0, {json{{"colour", "red"}}})}); },
       ErrorCode::kInvalid},
      {"a position past the end", [&] { return ds.edit("firewall", "fw1", nullptr, {at(9, 0, {json::object()})}); },
       ErrorCode::kInvalid},
      {"removing more than there is", [&] { return ds.edit("firewall", "fw1", nullptr, {at(2, 5)}); }, ErrorCode::kInvalid},
      {"a list whose parent is absent",
       [&] { return ds.edit("firewall", "fw1", nullptr, {ListSplice{"chain=EGRESS/rule", 0, 0, {json::object()}}}); },
       ErrorCode::kNotFound},
      {"more entries than the key's range (0..131071)",
       [&] { return ds.edit("firewall", "fw1", nullptr, {at(0, 0, std::vector<json>(131072, json::object()))}); },
       ErrorCode::kInvalid},
  };
  for (auto &b : bad) {
    try {
      b.write();
      ADD_FAILURE() << "accepted " << b.what;
    } catch (const DataError &e) {
      EXPECT_EQ(e.code(), b.code) << b.what << ": " << e.what();
    }
    EXPECT_EQ(ds.get(), before) << b.what;
  }
}

TEST_F(PositionalListTest, PutAndDeleteOfTheListParentTakeTheEntries) {
  // PUT of one entry replaces it; of the cube, the lists go with it.
  ds.commit(ds.replace("/firewall:firewall[name='fw1']/chain[name='INGRESS']/rule[id='2']",
                       R"({"firewall:firewall":[{"name":"fw1","chain":[{"name":"INGRESS","rule":[{"id":2,"src":"7.7.7.7/32"}]}]}]})"));
  EXPECT_EQ(rules(), "0=10.0.0.1/32,1=10.0.0.2/32,2=7.7.7.7/32,");
  ds.commit(ds.remove("/firewall:firewall[name='fw1']/chain[name='INGRESS']"));
  EXPECT_THROW(ds.get("/firewall:firewall[name='fw1']/chain[name='INGRESS']/rule"), DataError);
  apply(R"({"firewall:firewall":[{"name":"fw1","chain":[{"name":"INGRESS","rule":[{"id":0,"src":"1.1.1.1"}]}]}]})");
  EXPECT_EQ(rules(), "0=1.1.1.1,");
  ds.commit(ds.replace("/firewall:firewall[name='fw1']", R"({"firewall:firewall":[{"name":"fw1"}]})"));
  EXPECT_EQ(ds.get(), R"({"firewall:firewall":[{"name":"fw1"}]})");
}

TEST_F(PositionalListTest, JournalRecordsReplayToTheSameConfiguration) {
  // Every write's journal record, replayed in order into a fresh store,
  // gives the same configuration (what a restart does after a crash).
  std::vector<std::string> records;
  auto write = [&](Transaction t) {
    records.push_back(ds.journal_record(t));
    ds.commit(std::move(t));
  };
  write(ds.edit("firewall", "fw1", nullptr, {at(1, 1, {json{{"dport", "80"}, {"l4proto", "TCP"}}}), at(0, 0, {json{{"src", "5.5.5.5/32"}}})}));
  write(ds.merge(R"({"helloworld:helloworld":[{"name":"hw1","action":"DROP"}],"firewall:firewall":[{"name":"fw2"}]})"));
  write(ds.merge(R"({"firewall:firewall":[{"name":"fw1","accept-established":true}]})"));
  write(ds.remove("/firewall:firewall[name='fw2']"));
  write(ds.edit("firewall", "fw1", nullptr, {at(0, 4, {json{{"src", "6.6.6.6/32"}}, json{{"src", "6.6.6.7/32"}}})}));
  Datastore fresh;
  fresh.load_module(read("services/firewall/firewall.yang"));
  fresh.load_module(read("services/helloworld/helloworld.yang"));
  fresh.commit(fresh.merge(R"({"firewall:firewall":[{"name":"fw1","chain":[{"name":"INGRESS","rule":[
             {"id":0,"src":"10.0.0.1/32","action":"DROP"},{"id":1,"src":"10.0.0.2/32"},{"id":2,"dst":"10.0.0.3/32"}]}]}]})"));
  for (const auto &r : records) fresh.replay(r);
  EXPECT_EQ(fresh.dump(), ds.dump());
  EXPECT_EQ(fresh.get(), ds.get());
  // And the snapshot text is a configuration that merges back to itself.
  Datastore again;
  again.load_module(read("services/firewall/firewall.yang"));
  again.load_module(read("services/helloworld/helloworld.yang"));
  again.commit(again.merge(ds.dump()));
  EXPECT_EQ(again.get(), ds.get());
}

}  // namespace
