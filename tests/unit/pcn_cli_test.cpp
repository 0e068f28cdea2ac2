// pcn's words and output without a daemon: the "did you mean" suggestions
// from the schema (modules read from the source tree, as the fuzz targets
// do) and the tables people read. The same code runs in `pcn`; the e2e
// tests (tests/e2e/cli_test.cpp) run it against polycubed.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "answer_numbers.h"
#include "cli_error.h"
#include "command.h"
#include "link_commands.h"
#include "printers.h"
#include "schema.h"
#include "schema_help.h"
#include "suggest.h"
#include "word_order.h"

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

// The request pcn makes for `words` on a cube of `service`, as one line.
std::string request_of(const std::string &service, const std::vector<std::string> &words) {
  pcn::Schema schema(service, source_tree_module);
  pcn::Command c = pcn::cube_command(schema, words, false, [] { return std::string(); });
  return std::to_string(c.kind) + " " + c.method + " " + c.path + " " + c.body;
}

TEST(PcnGrammar, PolycubectlVerbBeforeThePathMakesTheSameRequest) {
  // {polycubectl's spelling, pcn's}
  std::vector<std::pair<std::string, std::vector<std::vector<std::string>>>> rows = {
      {"helloworld", {{"hw0", "del", "ports", "p1"}, {"hw0", "ports", "del", "p1"}}},
      {"helloworld", {{"hw0", "ports", "p1", "show", "peer"}, {"hw0", "ports", "p1", "peer", "show"}}},
      {"helloworld", {{"hw0", "add", "ports", "p1", "peer=v1"}, {"hw0", "ports", "add", "p1", "peer=v1"}}},
      {"ddosmitigator", {{"d1", "show", "blacklist-src"}, {"d1", "blacklist-src", "show"}}},
      {"firewall", {{"fw1", "chain", "INGRESS", "rule", "show", "2"}, {"fw1", "chain", "INGRESS", "rule", "2", "show"}}},
      {"firewall", {{"fw1", "chain", "ingress", "rule", "show", "2"}, {"fw1", "chain", "INGRESS", "rule", "2", "show"}}},
      {"simplebridge", {{"br1", "set", "fdb", "aging-time=60"}, {"br1", "fdb", "set", "aging-time=60"}}},
      {"helloworld", {{"hw0", "set", "action=forward", "loglevel=trace", "type=xdp_skb"},
                      {"hw0", "set", "action=FORWARD", "loglevel=TRACE", "type=XDP_SKB"}}},
      {"firewall", {{"fw1", "set", "accept-established=ON"}, {"fw1", "set", "accept-established=true"}}},
      {"firewall", {{"fw1", "chain", "INGRESS", "append", "src=10.0.0.1/32", "l4proto=icmp", "action=drop"},
                    {"fw1", "chain", "INGRESS", "append", "src=10.0.0.1/32", "l4proto=ICMP", "action=DROP"}}},
  };
  for (const auto &[service, spellings] : rows) {
    std::string expected = request_of(service, spellings[1]);
    EXPECT_EQ(request_of(service, spellings[0]), expected) << service << " " << spellings[0][1];
  }
  // pcn <cube> del: the cube itself.
  EXPECT_EQ(request_of("helloworld", {"hw0", "del"}), "3 DELETE /restconf/data/helloworld:helloworld=hw0 ");
}

// An action's input from a body on stdin: `batch rules= < file` (the body
// is that input's value, polycubectl's form) or the object of its inputs.
TEST(PcnGrammar, ActionInputFromStdin) {
  pcn::Schema schema("firewall", source_tree_module);
  auto body_of = [&](const std::vector<std::string> &words, const std::string &in) {
    pcn::Command c = pcn::cube_command(schema, words, false, [&] { return in; });
    EXPECT_EQ(c.method, "POST");
    EXPECT_EQ(c.path, "/restconf/data/firewall:firewall=fw1/chain=INGRESS/batch");
    return json::parse(c.body);
  };
  std::string yaml = "- id: 0\n  src: 10.0.0.1/32\n  action: DROP\n- id: 1\n  operation: delete\n  src: 10.0.0.2\n";
  json list = json::parse(R"([{"id":0,"src":"10.0.0.1/32","action":"DROP"},{"id":1,"operation":"delete","src":"10.0.0.2"}])");
  EXPECT_EQ(body_of({"fw1", "chain", "INGRESS", "batch", "rules="}, yaml), (json{{"firewall:input", {{"rules", list}}}}));
  EXPECT_EQ(body_of({"fw1", "chain", "INGRESS", "batch", "flush=true"}, json{{"rules", list}}.dump()),
            (json{{"firewall:input", {{"flush", true}, {"rules", list}}}}));
  // A word overrides the body's member of the same name.
  EXPECT_EQ(body_of({"fw1", "chain", "INGRESS", "batch", "flush=false"}, json{{"rules", list}, {"flush", true}}.dump()),
            (json{{"firewall:input", {{"flush", false}, {"rules", list}}}}));
  // Wrong: no body for rules=, a list body without naming its input.
  auto error = [&](const std::vector<std::string> &words, const std::string &in) -> std::string {
    try {
      pcn::cube_command(schema, words, false, [&] { return in; });
    } catch (const pcn::UsageError &e) {
      return e.what();
    }
    return "";
  };
  EXPECT_NE(error({"fw1", "chain", "INGRESS", "batch", "rules="}, "").find("takes its value from a body on stdin"),
            std::string::npos);
  EXPECT_NE(error({"fw1", "chain", "INGRESS", "batch"}, yaml).find("say which: batch <input>="), std::string::npos);
  EXPECT_NE(error({"fw1", "chain", "INGRESS", "batch", "rulez="}, yaml).find("has no input 'rulez'"), std::string::npos);
}

TEST(PcnGrammar, WrongPolycubectlFormsSayWhy) {
  EXPECT_NE(cube_error("helloworld", {"hw0", "show", "ports", "show"}).find("two verbs"), std::string::npos);
  std::string e = cube_error("helloworld", {"hw0", "set", "action=forwardd"});
  EXPECT_NE(e.find("bad value 'forwardd' for 'action' (expected DROP|SLOWPATH|FORWARD"), std::string::npos) << e;
  e = cube_error("firewall", {"fw1", "set", "accept-established=maybe"});
  EXPECT_NE(e.find("expected true|false, or ON|OFF"), std::string::npos) << e;
  e = cube_error("helloworld", {"hw0", "ports", "p1", "show", "color"});
  EXPECT_NE(e.find("unknown word 'color'"), std::string::npos) << e;
  e = cube_error("simplebridge", {"br1", "fdb", "set", "aging-time"});  // a leaf after set wants its value
  EXPECT_NE(e.find("expected key=value, got 'aging-time'"), std::string::npos) << e;
  e = cube_error("helloworld", {"hw0", "del", "extra"});
  EXPECT_NE(e.find("unknown word 'extra'"), std::string::npos) << e;
}

TEST(PcnGrammar, PolycubectlWordOrdersNamingACube) {
  std::set<std::string> services = {"helloworld", "simplebridge"};
  std::map<std::string, std::string> cubes = {{"hw0", "helloworld"}, {"br1", "simplebridge"}};
  using W = std::vector<std::string>;
  EXPECT_EQ(pcn::pcn_word_order({"helloworld", "hw0", "ports", "add", "p1"}, services, cubes), (W{"hw0", "ports", "add", "p1"}));
  EXPECT_EQ(pcn::pcn_word_order({"del", "helloworld", "hw0"}, services, cubes), (W{"helloworld", "del", "hw0"}));
  EXPECT_EQ(pcn::pcn_word_order({"del", "hw0"}, services, cubes), (W{"hw0", "del"}));
  EXPECT_EQ(pcn::pcn_word_order({"helloworld", "add", "hw1"}, services, cubes), (W{"helloworld", "add", "hw1"}));
  EXPECT_EQ(pcn::pcn_word_order({"hw0", "show"}, services, cubes), (W{"hw0", "show"}));
  EXPECT_TRUE(pcn::words_need_cubes({"helloworld", "hw0"}, services));
  EXPECT_FALSE(pcn::words_need_cubes({"helloworld", "add", "hw0"}, services));
  EXPECT_FALSE(pcn::words_need_cubes({"hw0", "show"}, services));
  EXPECT_THROW(pcn::pcn_word_order({"simplebridge", "hw0", "show"}, services, cubes), pcn::UsageError);
  EXPECT_THROW(pcn::pcn_word_order({"del", "nosuch"}, services, cubes), pcn::UsageError);
  EXPECT_THROW(pcn::pcn_word_order({"del", "hw0", "extra"}, services, cubes), pcn::UsageError);
}

TEST(PcnGrammar, AttachAfterAndBeforeArePositions) {
  EXPECT_EQ(pcn::attach_input({"attach", "t2", "hw0:p1", "after=t1"})["position"], "after:t1");
  EXPECT_EQ(pcn::attach_input({"attach", "t2", "veth1", "before=t1"})["position"], "before:t1");
  EXPECT_EQ(pcn::attach_input({"attach", "t2", "veth1", "position=first"})["position"], "first");
  EXPECT_FALSE(pcn::attach_input({"attach", "t2", "veth1"}).contains("position"));
  EXPECT_THROW(pcn::attach_input({"attach", "t2", "veth1", "behind=t1"}), pcn::UsageError);
}

TEST(PcnOutput, YangIntegersPrintAsNumbersInYaml) {
  pcn::Schema schema("firewall", source_tree_module);
  const lysc_node *chain = schema.child(schema.top(), "chain");
  json answer = json::parse(R"({"firewall:chain":[{"name":"INGRESS","default-pkts":"2",
      "rule":[{"id":0,"src":"10.0.0.1/32","pkts":"18446744073709551615","bytes":"7"}]}]})");
  pcn::integers_as_numbers(schema, chain, answer);
  EXPECT_EQ(pcn::render(answer, "yaml"),
            "firewall:chain:\n  - default-pkts: 2\n    name: \"INGRESS\"\n    rule:\n"
            "      - bytes: 7\n        id: 0\n        pkts: 18446744073709551615\n        src: \"10.0.0.1/32\"\n");
}

TEST(PcnOutput, ANetdevsChainIsWhatAPacketArrivingThereMeets) {
  json topology = json::parse(R"({"polycube:topology":{
      "link":[{"from":"hw0:p1","to":"veth1","kind":"netdev"},{"from":"br1:p1","to":"hw0:p2","kind":"cube"}],
      "attachment":[{"cube":"t2","to":"hw0:p1","position":1},{"cube":"t1","to":"hw0:p1","position":0},
                    {"cube":"t3","to":"veth2"}]}})");
  EXPECT_EQ(pcn::netdev_chain(topology, "veth1"), json::parse(R"(["t1","t2","hw0:p1"])"));
  EXPECT_EQ(pcn::netdev_chain(topology, "veth2"), json::parse(R"(["t3"])"));
  EXPECT_TRUE(pcn::netdev_chain(topology, "veth3").empty());
}

}  // namespace
