// The daemon's datastore against the real service YANG modules: strict
// parsing, whole-tree validation, the cube-level diff, and that a rejected
// write leaves the running tree exactly as it was.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "datastore.h"

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
