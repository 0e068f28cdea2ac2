// End-to-end through the CLI: the quickstart topology built, shown and torn
// down with `pcn` only, against a running polycubed; wrong commands exit
// non-zero with one line naming the bad word or value; help comes from the
// schema.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <regex>

#include "pcnd.h"
#include "testnet.h"

using namespace pcntest;

namespace {

class Cli : public ::testing::Test {
 protected:
  void SetUp() override {
    for (int i = 1; i <= 3; i++) {
      std::string h = "h" + std::to_string(i);
      net.add_ns(h);
      v.push_back(net.add_host(h, "v" + std::to_string(i), "10.12.0." + std::to_string(i) + "/24"));
    }
    ASSERT_TRUE(pcnd.start());
  }
  void TearDown() override { EXPECT_TRUE(pcnd.stop()); }
  // stdin is /dev/null unless `input` is given.
  PcnRun pcn(const std::string &args, const std::string &input = "") { return pcnd.pcn(args, input); }
  bool ping(int from, int to) {
    return net.in("h" + std::to_string(from), "ping -c 3 -i 0.3 -W 1 -q 10.12.0." + std::to_string(to) + " >/dev/null") == 0;
  }

  TestNet net;
  std::vector<std::string> v;
  Pcnd pcnd{net.prefix() + "cli"};
};

TEST_F(Cli, QuickstartTopologyWithPcnOnly) {
  // h1, h2 -- br1 -- (connect) -- hw1 -- h3
  for (const std::string &cmd :
       {std::string("simplebridge add br1"), "br1 ports add p1 peer=" + v[0], "br1 ports add p2 peer=" + v[1],
        std::string("br1 ports add p3"), std::string("helloworld add hw1 action=FORWARD"), std::string("hw1 ports add in"),
        "hw1 ports add out peer=" + v[2], std::string("connect br1:p3 hw1:in"), std::string("br1 fdb set aging-time=120")}) {
    PcnRun r = pcn(cmd);
    ASSERT_EQ(r.rc, 0) << "pcn " << cmd << ": " << r.err;
    EXPECT_EQ(r.err, "");
  }
  EXPECT_TRUE(ping(1, 2));
  EXPECT_TRUE(ping(1, 3));
  EXPECT_TRUE(ping(3, 2));

  // The filtering database is the service's read-only data; flush is a
  // YANG action.
  PcnRun fdb = pcn("br1 fdb show");
  EXPECT_EQ(fdb.rc, 0) << fdb.err;
  EXPECT_NE(fdb.out.find("ADDRESS"), std::string::npos) << fdb.out;
  EXPECT_NE(fdb.out.find(sh_out("ip netns exec " + net.ns("h1") + " cat /sys/class/net/eth0/address") + "  "),
            std::string::npos)
      << fdb.out;
  EXPECT_EQ(pcn("br1 fdb flush").rc, 0);
  EXPECT_EQ(pcn("br1 fdb show").out.find("ADDRESS"), std::string::npos);
  EXPECT_TRUE(ping(1, 2));  // relearns

  PcnRun show = pcn("br1 show");
  EXPECT_EQ(show.rc, 0);
  EXPECT_NE(show.out.find("aging-time: 120"), std::string::npos) << show.out;
  EXPECT_NE(show.out.find("p3    hw1:in"), std::string::npos) << show.out;  // table row: NAME PEER
  PcnRun json = pcn("hw1 show -json");
  EXPECT_NE(json.out.find("\"action\": \"FORWARD\""), std::string::npos) << json.out;
  PcnRun yaml = pcn("br1 ports show -yaml");
  EXPECT_NE(yaml.out.find("- name: \"p1\""), std::string::npos) << yaml.out;
  PcnRun cubes = pcn("cubes");
  EXPECT_NE(cubes.out.find("sb_main"), std::string::npos) << cubes.out;
  EXPECT_NE(cubes.out.find("hw_main"), std::string::npos) << cubes.out;
  EXPECT_EQ(cubes.out.rfind("NAME  SERVICE       TYPE  PORTS", 0), 0u) << cubes.out;  // one row a cube
  EXPECT_NE(cubes.out.find("p3->hw1:in"), std::string::npos) << cubes.out;
  // Tables for people, like polycubectl's; -json and -yaml stay the answer.
  PcnRun services = pcn("services");
  EXPECT_EQ(services.out.rfind("NAME ", 0), 0u) << services.out;
  EXPECT_TRUE(std::regex_search(services.out, std::regex("\nhelloworld +hw1 *\n"))) << services.out;
  EXPECT_TRUE(std::regex_search(services.out, std::regex("\nsimplebridge +br1 *\n"))) << services.out;
  EXPECT_TRUE(std::regex_search(services.out, std::regex("\nrouter *\n"))) << services.out;  // no cube
  EXPECT_NE(pcn("services -json").out.find("\"polycube:services\""), std::string::npos);
  PcnRun ports = pcn("br1 ports show");
  EXPECT_EQ(ports.out.rfind("NAME  PEER", 0), 0u) << ports.out;  // no "ports:" heading
  EXPECT_NE(ports.out.find("\np3    hw1:in"), std::string::npos) << ports.out;
  PcnRun bridges = pcn("simplebridge show");
  EXPECT_EQ(bridges.out.rfind("NAME ", 0), 0u) << bridges.out;
  EXPECT_NE(bridges.out.find("p1,p2,p3"), std::string::npos) << bridges.out;  // its ports by name

  EXPECT_EQ(pcn("hw1 set action=DROP").rc, 0);
  EXPECT_FALSE(ping(1, 3));
  EXPECT_EQ(pcn("hw1 set action=FORWARD").rc, 0);
  EXPECT_TRUE(ping(1, 3));

  // Tear down with pcn only.
  for (const char *cmd : {"disconnect br1:p3 hw1:in", "br1 ports del p3", "helloworld del hw1", "simplebridge del br1"}) {
    PcnRun r = pcn(cmd);
    EXPECT_EQ(r.rc, 0) << "pcn " << cmd << ": " << r.err;
  }
  EXPECT_EQ(pcn("cubes -json").out, "{\n  \"polycube:cubes\": {\n    \"cube\": []\n  }\n}\n");
  EXPECT_FALSE(ping(1, 2));
  for (const auto &dev : v) EXPECT_EQ(sh_out("tc qdisc show dev " + dev + " | grep -c clsact"), "0");
}

TEST_F(Cli, WrongCommandsFailWithOneLineNamingTheProblem) {
  ASSERT_EQ(pcn("simplebridge add br1").rc, 0);
  struct Case {
    std::string args;
    int rc;
    std::string names;  // must appear in the one-line error
  } cases[] = {
      {"br1 fdb set aging-time=abc", 2, "abc"},
      {"br1 fdb set aging-time=0", 2, "range"},
      {"br1 colour", 2, "colour"},
      {"br9 show", 1, "br9"},
      {"br1 ports add p1 peer=no-such-dev", 1, "no-such-dev"},
      {"br1 ports del ghost", 1, "ghost"},
      {"simplebridge add br1", 1, "br1"},
      {"br1 set bogus=1", 2, "bogus"},
      {"connect br1:p1", 2, "connect"},
      {"br1 fdb set aging-time", 2, "aging-time"},
      // Did you mean: the path of a leaf one level down, near misses.
      {"br1 set aging-time=5", 2, "did you mean: fdb aging-time"},
      {"br1 prots show", 2, "did you mean: ports"},
      {"br1 fdb flsh", 2, "did you mean: flush"},
      {"simplebrige add br2", 1, "did you mean: simplebridge"},
      {"simplebridge ad br2", 2, "did you mean: add"},
  };
  for (const auto &c : cases) {
    PcnRun r = pcn(c.args);
    EXPECT_EQ(r.rc, c.rc) << "pcn " << c.args << ": " << r.err;
    EXPECT_EQ(r.err.find('\n'), std::string::npos) << "pcn " << c.args << ": more than one line: " << r.err;
    EXPECT_EQ(r.err.rfind("pcn: ", 0), 0u) << r.err;
    EXPECT_NE(r.err.find(c.names), std::string::npos) << "pcn " << c.args << ": " << r.err;
  }
  // An empty list is shown as empty (RESTCONF says 404), not as an error.
  PcnRun empty = pcn("br1 fdb entry show");
  EXPECT_EQ(empty.rc, 0) << empty.err;
  EXPECT_EQ(empty.out, "no entry\n");
  PcnRun empty_json = pcn("br1 ports show -json");
  EXPECT_EQ(empty_json.rc, 0) << empty_json.err;
  EXPECT_EQ(empty_json.out, "{}\n");
  // Nothing above changed the configuration.
  EXPECT_EQ(pcn("br1 show -json").out,
            "{\n  \"simplebridge:simplebridge\": [\n    {\n      \"name\": \"br1\"\n    }\n  ]\n}\n");
}

TEST_F(Cli, HelpComesFromTheSchema) {
  PcnRun top = pcn("--help");
  EXPECT_EQ(top.rc, 0);
  EXPECT_NE(top.out.find("usage: pcn"), std::string::npos);
  ASSERT_EQ(pcn("simplebridge add br1").rc, 0);
  PcnRun h = pcn("br1 ?");
  EXPECT_EQ(h.rc, 0);
  EXPECT_NE(h.out.find("ports"), std::string::npos) << h.out;
  EXPECT_NE(h.out.find("list (keys: name)"), std::string::npos) << h.out;
  EXPECT_NE(h.out.find("TC|XDP_SKB|XDP_DRV"), std::string::npos) << h.out;
  PcnRun f = pcn("br1 fdb ?");
  EXPECT_NE(f.out.find("aging-time"), std::string::npos) << f.out;
  EXPECT_NE(f.out.find("uint32"), std::string::npos) << f.out;
  EXPECT_NE(f.out.find("flush"), std::string::npos) << f.out;  // the YANG action
  PcnRun a = pcn("br1 fdb flush ?");  // explains the action instead of running it
  EXPECT_EQ(a.rc, 0);
  EXPECT_NE(a.out.find("Remove every learned entry"), std::string::npos) << a.out;
  EXPECT_NE(a.out.find("input: none"), std::string::npos) << a.out;
  PcnRun s = pcn("helloworld ?");
  EXPECT_NE(s.out.find("DROP|SLOWPATH|FORWARD"), std::string::npos) << s.out;
  EXPECT_EQ(pcn("").rc, 2);  // no words: usage, error status
}

TEST_F(Cli, BodiesOnStdinInJsonOrYaml) {
  // A YAML body for a new cube, typed by the schema (60 is a uint32, DEBUG an enum).
  PcnRun r = pcn("simplebridge add br1", "ports:\n  - name: p1\n    peer: " + v[0] + "\n  - name: p2\n    peer: " + v[1] +
                                             "\nfdb:\n  aging-time: 60\nloglevel: DEBUG\n");
  ASSERT_EQ(r.rc, 0) << r.err;
  EXPECT_TRUE(ping(1, 2));
  // A JSON body relative to the node addressed, through a real pipe too.
  r = pcn("br1 fdb set", R"({"aging-time": 90})");
  ASSERT_EQ(r.rc, 0) << r.err;
  std::string piped = sh_out("echo '{\"loglevel\":\"WARN\"}' | PCN_URL=" + pcnd.url() + " " PCN_BUILD_DIR
                             "/bin/pcn br1 set; echo rc=$?");
  EXPECT_NE(piped.find("rc=0"), std::string::npos) << piped;
  auto shown = nlohmann::json::parse(pcn("br1 show -json").out)["simplebridge:simplebridge"][0];
  shown["fdb"].erase("entry");  // learned addresses: read-only data, not what we wrote
  EXPECT_EQ(shown, nlohmann::json::parse(R"({"name":"br1","loglevel":"WARN","fdb":{"aging-time":90},
      "ports":[{"name":"p1","peer":")" + v[0] + R"("},{"name":"p2","peer":")" + v[1] + R"("}]})"))
      << shown.dump();
  // Bad bodies: refused before any request, one line naming the problem.
  struct Case {
    std::string args, body, names;
  } cases[] = {
      {"br1 fdb set", R"({"aging-time":"soon"})", "soon"},
      {"br1 set", "fdb: {bogus: 1}\n", "bogus"},
      {"br1 set", "- just\n- a list\n", "object"},
      {"br1 set", "{\"fdb\": [", "neither JSON nor YAML"},
      {"br1 ports add p3", R"({"peer":["x"]})", "single value"},
      // The daemon's strict JSON parser (polycube/strict_json.h), not a second reading as YAML.
      {"br1 fdb set", R"({"aging-time":1,"aging-time":2})", "appears twice"},
      {"br1 set", R"({"fdb":)" + std::string(100, '[') + std::string(100, ']') + "}", "nested deeper than 64"},
  };
  for (const auto &c : cases) {
    PcnRun bad = pcn(c.args, c.body);
    EXPECT_EQ(bad.rc, 2) << c.args << " <<< " << c.body << ": " << bad.err;
    EXPECT_EQ(bad.err.find('\n'), std::string::npos) << bad.err;  // one line
    EXPECT_NE(bad.err.find(c.names), std::string::npos) << bad.err;
  }
  EXPECT_NE(pcn("br1 show -json").out.find("\"aging-time\": 90"), std::string::npos);
}

TEST_F(Cli, AttachDetachTopologyAndCompletion) {
  for (const std::string &cmd :
       {std::string("simplebridge add br1"), "br1 ports add p1 peer=" + v[0], "br1 ports add p2 peer=" + v[1],
        std::string("transparenthelloworld add t1 ingress-action=DROP")}) {
    PcnRun r = pcn(cmd);
    ASSERT_EQ(r.rc, 0) << "pcn " << cmd << ": " << r.err;
  }
  ASSERT_TRUE(ping(1, 2));
  PcnRun r = pcn("attach t1 br1:p1 position=first");
  ASSERT_EQ(r.rc, 0) << r.err;
  EXPECT_FALSE(ping(1, 2));  // t1 drops what enters br1 from h1
  PcnRun topo = pcn("topology");
  EXPECT_EQ(topo.rc, 0) << topo.err;
  EXPECT_NE(topo.out.find("t1    0         first          br1:p1"), std::string::npos) << topo.out;
  EXPECT_NE(topo.out.find("br1:p1  netdev  " + v[0]), std::string::npos) << topo.out;
  EXPECT_EQ(pcn("attach t1 br1:p2").rc, 1);        // already attached
  EXPECT_EQ(pcn("attach t1").rc, 2);               // usage
  EXPECT_EQ(pcn("attach t1 br1:p2 first").rc, 2);  // position=...
  PcnRun wrong = pcn("detach t1 br1:p2");
  EXPECT_EQ(wrong.rc, 1);
  EXPECT_NE(wrong.err.find("attached to br1:p1"), std::string::npos) << wrong.err;
  ASSERT_EQ(pcn("detach t1 br1:p1").rc, 0);
  EXPECT_TRUE(ping(1, 2));

  // Completion answers from the daemon and the schema...
  auto words = [&](const std::string &args) { return pcn("__complete " + args).out; };
  EXPECT_NE(words("''").find("simplebridge\n"), std::string::npos);
  EXPECT_NE(words("''").find("br1\n"), std::string::npos);
  EXPECT_NE(words("''").find("topology\n"), std::string::npos);
  EXPECT_EQ(words("br1 ''"), "fdb\nports\nset\nshow\n");
  EXPECT_EQ(words("br1 ports ''"), "add\ndel\np1\np2\nshow\n");
  EXPECT_EQ(words("br1 fdb ''"), "del\nentry\nflush\nset\nshow\n");  // entry: read-only, for show
  EXPECT_EQ(words("br1 set l"), "loglevel=\n");
  EXPECT_EQ(words("br1 set loglevel=E"), "loglevel=ERR\n");
  EXPECT_EQ(words("attach ''"), "t1\n");
  EXPECT_EQ(words("attach t1 br1"), "br1:p1\nbr1:p2\n");
  EXPECT_EQ(words("simplebridge del ''"), "br1\n");
  // ...and the generated script drives it in a real bash.
  PcnRun script = pcn("completion bash");
  EXPECT_NE(script.out.find("complete -F _pcn pcn"), std::string::npos) << script.out;
  std::string file = "/tmp/" + net.prefix() + "pcn.bash";
  FILE *f = fopen(file.c_str(), "w");
  fwrite(script.out.data(), 1, script.out.size(), f);
  fclose(f);
  // bash sets COMP_LINE/COMP_POINT and splits COMP_WORDS at '=' and ':'; the
  // script completes from the line and answers only the part after the break.
  auto in_bash = [&](const std::string &line) {
    return sh_out("PATH=" PCN_BUILD_DIR "/bin:$PATH PCN_URL=" + pcnd.url() + " bash -c 'source " + file +
                  "; COMP_LINE=\"" + line + "\"; COMP_POINT=${#COMP_LINE}; _pcn; echo \"${COMPREPLY[*]}\"' </dev/null");
  };
  EXPECT_EQ(in_bash("pcn br1 po"), "ports");
  EXPECT_EQ(in_bash("pcn br1 set loglevel=W"), "WARN");
  EXPECT_EQ(in_bash("pcn attach t1 br1:p"), "p1 p2");
  sh("rm -f " + file);
}

}  // namespace
