// pcn's words and output without a daemon: the "did you mean" suggestions
// from the schema (modules read from the source tree, as the fuzz targets
// do) and the tables people read. The same code runs in `pcn`; the e2e
// tests (tests/e2e/cli_test.cpp) run it against polycubed.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "cli_error.h"
#include "command.h"
#include "printers.h"
#include "schema.h"
#include "schema_help.h"
#include "suggest.h"

using nlohmann::json;

namespace {

std::optional<std::string> source_tree_module(const std::string &name) {
  std::string path = name == "polycube-base" ? PCN_SOURCE_DIR "/libpolycube/yang/polycube-base.yang"
                                             : PCN_SOURCE_DIR "/services/" + name + "/" + name + ".yang";
  if (name.find('/') != std::string::npos || !std::filesystem::exists(path)) return std::nullopt;
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// The one-line error pcn prints for `words` on a cube of `service`.
std::string cube_error(const std::string &service, const std::vector<std::string> &words) {
  pcn::Schema schema(service, source_tree_module);
  try {
    pcn::cube_command(schema, words, false, [] { return std::string(); });
  } catch (const pcn::UsageError &e) {
    return e.what();
  }
  return "";
}

TEST(PcnSuggest, EditDistanceCountsASwapOfNeighboursAsOne) {
  EXPECT_EQ(pcn::edit_distance("ports", "ports"), 0u);
  EXPECT_EQ(pcn::edit_distance("prots", "ports"), 1u);
  EXPECT_EQ(pcn::edit_distance("agingtime", "aging-time"), 1u);
  EXPECT_EQ(pcn::edit_distance("", "abc"), 3u);
  EXPECT_EQ(pcn::edit_distance("kitten", "sitting"), 3u);
}

TEST(PcnSuggest, ClosestKeepsOnlyNearMissesClosestFirst) {
  std::vector<std::string> known = {"simplebridge", "bridge", "router", "cubes", "services"};
  EXPECT_EQ(pcn::closest("simplebrige", known), std::vector<std::string>{"simplebridge"});
  EXPECT_EQ(pcn::closest("brdige", known), std::vector<std::string>{"bridge"});
  EXPECT_EQ(pcn::closest("cube", known), std::vector<std::string>{"cubes"});
  EXPECT_TRUE(pcn::closest("firewall", known).empty());
  EXPECT_TRUE(pcn::closest("router", known).empty());  // the word itself is no suggestion
  EXPECT_EQ(pcn::closest("simple", known), std::vector<std::string>{"simplebridge"});  // the start of a name
  EXPECT_TRUE(pcn::closest("si", known).empty());  // too short to be a start
  EXPECT_EQ(pcn::did_you_mean({}), "");
  EXPECT_EQ(pcn::did_you_mean({"a", "b c"}), "; did you mean: a, b c");
}

TEST(PcnSuggest, ALeafOneLevelDownIsNamedWithItsPath) {
  // The issue's case: aging-time lives in fdb.
  std::string e = cube_error("simplebridge", {"br1", "set", "aging-time=5"});
  EXPECT_NE(e.find("'aging-time' is not a leaf of 'pcn br1'"), std::string::npos) << e;
  EXPECT_NE(e.find("did you mean: fdb aging-time"), std::string::npos) << e;
  // Inside a list the path names its keys.
  e = cube_error("simplebridge", {"br1", "set", "peer=veth1"});
  EXPECT_NE(e.find("did you mean: ports <name> peer"), std::string::npos) << e;
  // A near miss of a leaf where it is.
  e = cube_error("simplebridge", {"br1", "fdb", "set", "agingtime=5"});
  EXPECT_NE(e.find("did you mean: aging-time"), std::string::npos) << e;
  // The start of a leaf's name (router's arp-aging-time).
  e = cube_error("router", {"r1", "set", "arp-aging=5"});
  EXPECT_NE(e.find("did you mean: arp-aging-time"), std::string::npos) << e;
  // Nothing close: no suggestion, still the word.
  e = cube_error("simplebridge", {"br1", "set", "colour=blue"});
  EXPECT_NE(e.find("'colour'"), std::string::npos) << e;
  EXPECT_EQ(e.find("did you mean"), std::string::npos) << e;
}

TEST(PcnSuggest, UnknownPathWordsGetTheClosestNodes) {
  std::string e = cube_error("simplebridge", {"br1", "prots", "show"});
  EXPECT_NE(e.find("unknown word 'prots' after 'pcn br1'; did you mean: ports"), std::string::npos) << e;
  EXPECT_NE(e.find("expected a verb or one of:"), std::string::npos) << e;  // the full list stays
  e = cube_error("simplebridge", {"br1", "entry", "show"});
  EXPECT_NE(e.find("did you mean: fdb entry"), std::string::npos) << e;
  e = cube_error("simplebridge", {"br1", "fdb", "flsh"});
  EXPECT_NE(e.find("did you mean: flush"), std::string::npos) << e;  // actions too
}

TEST(PcnSuggest, EveryServiceSchemaIsWalkedWithoutSurprises) {
  // Each service's whole tree is a candidate set; the walk ends and finds
  // the cube's own leaves by exact name from the top.
  for (const auto &dir : std::filesystem::directory_iterator(PCN_SOURCE_DIR "/services")) {
    std::string name = dir.path().filename();
    if (!source_tree_module(name)) continue;
    pcn::Schema schema(name, source_tree_module);
    auto s = pcn::schema_suggestions(schema.top(), "loglevl", true);
    ASSERT_FALSE(s.empty()) << name;
    EXPECT_EQ(s.front(), "loglevel") << name;
  }
}

TEST(PcnOutput, TablesAreAlignedWithSchemaOrderColumns) {
  json rows = json::parse(R"([{"peer":"veth1","name":"p1"},{"name":"port-two","peer":"br2:p1"}])");
  pcn::ColumnOrder order = {{"ports", {"name", "peer"}}};
  EXPECT_EQ(pcn::render_table(rows, 0, {}, "simplebridge:ports", order),
            "NAME      PEER    \n"
            "p1        veth1   \n"
            "port-two  br2:p1  \n");
}

TEST(PcnOutput, AListShowIsOneTableWithoutItsHeading) {
  pcn::Schema schema("simplebridge", source_tree_module);
  pcn::ColumnOrder order;
  pcn::learn_columns(schema.top(), order);
  // pcn br1 ports show
  json ports = json::parse(R"({"simplebridge:ports":[{"name":"p1","peer":"veth1"},{"name":"p2"}]})");
  EXPECT_EQ(pcn::render_answer(ports, true, order),
            "NAME  PEER   \n"
            "p1    veth1  \n"
            "p2           \n");
  EXPECT_EQ(pcn::render_answer(json::parse(R"({"simplebridge:ports":[]})"), true, order), "no ports\n");
  // pcn simplebridge show: nested lists as their keys, containers left out.
  json cubes = json::parse(R"({"simplebridge:simplebridge":[
      {"name":"br1","type":"TC","ports":[{"name":"p1"},{"name":"p2"}],"fdb":{"aging-time":300}},
      {"name":"br2","type":"XDP_SKB"}]})");
  std::string table = pcn::render_answer(cubes, true, order);
  EXPECT_EQ(table.substr(0, table.find('\n')), "NAME  TYPE     PORTS  ") << table;
  EXPECT_NE(table.find("br1   TC       p1,p2  \n"), std::string::npos) << table;
  EXPECT_EQ(table.find("aging"), std::string::npos) << table;
  // One entry (pcn br1 show) is its key: value lines, nested lists as tables.
  json one = json::parse(R"({"simplebridge:simplebridge":[{"name":"br1","fdb":{"aging-time":300},
      "ports":[{"name":"p1","peer":"veth1"}]}]})");
  EXPECT_EQ(pcn::render_answer(one, false, order),
            "fdb:\n  aging-time: 300\nname: br1\nports:\n  NAME  PEER   \n  p1    veth1  \n");
  // A framework container of one list: the list (pcn netdevs).
  json netdevs = json::parse(R"({"polycube:netdevs":{"netdev":[{"name":"lo","ifindex":1}]}})");
  EXPECT_EQ(pcn::render_answer(netdevs, true), "IFINDEX  NAME  \n1        lo    \n");
}

TEST(PcnOutput, ServicesTableNamesTheCubesOfEach) {
  json services = json::parse(R"({"polycube:services":{"service":[{"name":"router"},{"name":"simplebridge"}]}})");
  json cubes = json::parse(R"({"polycube:cubes":{"cube":[{"name":"br1","service":"simplebridge"},
      {"name":"br2","service":"simplebridge"}]}})");
  EXPECT_EQ(pcn::render_table(pcn::service_rows(services, cubes), 0, {"name", "cubes"}),
            "NAME          CUBES    \n"
            "router                 \n"
            "simplebridge  br1,br2  \n");
  // The YAML and JSON forms stay the daemon's answer.
  EXPECT_EQ(pcn::render(services, "json"), services.dump(2) + "\n");
  EXPECT_EQ(pcn::render(services, "yaml"), "polycube:services:\n  service:\n    - name: \"router\"\n    - name: \"simplebridge\"\n");
}

}  // namespace
