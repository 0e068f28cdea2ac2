// Firewall end to end: polycubed as its own process, a bridge between two
// namespaces, the firewall attached to the bridge port of host a, driven
// with pcn (the issue's exact commands) and RESTCONF; real ping, TCP and
// UDP traffic; rule edits persisted across a daemon restart; bad input
// refused with nothing changed; no accepted packet lost while the pipeline
// reshapes under a stream.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <random>
#include <set>
#include <sstream>

#include "../datapath/firewall_frames.h"
#include "firewall_fixture.h"
#include "pcnd.h"
#include "firewall.h"
#include "frames.h"
#include "polycube/runtime.h"
#include "simplebridge.h"
#include "testnet.h"
#include "udpflow.h"

using namespace pcntest;
using nlohmann::json;

namespace {

TEST_F(FirewallE2E, IssueCommandsWithPcn) {
  topology();
  EXPECT_TRUE(ping("a", "10.31.0.2"));
  ok("fw1 chain INGRESS append src=10.31.0.1/32 l4proto=ICMP action=DROP");
  EXPECT_FALSE(ping("a", "10.31.0.2", 3));  // exactly 3 echo requests enter and are dropped
  PcnRun show = pcn("fw1 chain INGRESS rule show -json");
  ASSERT_EQ(show.rc, 0) << show.err;
  json j = json::parse(show.out);
  auto list = j.contains("firewall:rule") ? j["firewall:rule"] : j;
  ASSERT_EQ(list.size(), 1u) << show.out;
  EXPECT_EQ(list[0]["id"], 0);
  EXPECT_EQ(list[0]["src"], "10.31.0.1/32");
  EXPECT_EQ(list[0]["l4proto"], "ICMP");
  EXPECT_EQ(list[0]["action"], "DROP");
  EXPECT_EQ(list[0]["pkts"], "3");
  EXPECT_EQ(list[0]["bytes"], std::to_string(3 * 98));
  EXPECT_EQ(blocks(), (std::set<std::string>{"fw_ingress", "fw_egress", "fw_action", "fw_match_src", "fw_match_proto"}));

  ok("fw1 chain INGRESS insert id=0 dst=10.0.0.0/8 dport=80 l4proto=TCP action=ACCEPT");
  json r = rules("INGRESS");
  ASSERT_EQ(r.size(), 2u);
  EXPECT_EQ(r[0]["dport"], "80");
  EXPECT_EQ(r[1]["src"], "10.31.0.1/32");
  EXPECT_EQ(r[1]["pkts"], "3");  // the counter moved with its rule
  EXPECT_EQ(blocks(), (std::set<std::string>{"fw_ingress", "fw_egress", "fw_action", "fw_match_src", "fw_match_dst",
                                              "fw_match_proto", "fw_match_dport"}));
  ok("fw1 chain INGRESS delete id=0");
  EXPECT_EQ(rules("INGRESS").size(), 1u);
  EXPECT_EQ(blocks(), (std::set<std::string>{"fw_ingress", "fw_egress", "fw_action", "fw_match_src", "fw_match_proto"}));
  ok("fw1 chain INGRESS delete id=0");
  EXPECT_TRUE(ping("a", "10.31.0.2"));
  EXPECT_EQ(blocks(), (std::set<std::string>{"fw_ingress", "fw_egress", "fw_action"}));

  ok("fw1 chain INGRESS set default=DROP");
  EXPECT_FALSE(ping("a", "10.31.0.2", 2));
  ok("fw1 chain INGRESS append l4proto=ICMP action=ACCEPT");
  ok("fw1 set accept-established=true");  // conntrack on: sessions are tracked
  EXPECT_TRUE(blocks().count("fw_conntrack"));
  EXPECT_TRUE(ping("a", "10.31.0.2"));
  PcnRun sessions = pcn("fw1 session-table show -json");
  ASSERT_EQ(sessions.rc, 0) << sessions.err;
  EXPECT_NE(sessions.out.find("\"ICMP\""), std::string::npos) << sessions.out;
  EXPECT_NE(sessions.out.find("\"ESTABLISHED\""), std::string::npos) << sessions.out;
  ok("detach fw1 sb1:p1");
  ok("fw1 chain INGRESS delete id=0");
  EXPECT_TRUE(ping("a", "10.31.0.2"));  // detached: the DROP default no longer applies
}

TEST_F(FirewallE2E, RulesAreConfigurationAndSurviveRestart) {
  topology();
  json batch = {{"firewall:input", {{"rules", json::array()}}}};
  for (int i = 0; i < 1000; i++)
    batch["firewall:input"]["rules"].push_back(
        {{"id", i}, {"src", "172.16." + std::to_string(i / 256) + "." + std::to_string(i % 256) + "/32"}, {"action", "DROP"}});
  batch["firewall:input"]["rules"].push_back({{"id", 1000}, {"src", "10.31.0.1/32"}, {"l4proto", "ICMP"}, {"action", "DROP"}});
  auto r = rest("POST", "/firewall:firewall=fw1/chain=INGRESS/batch", batch.dump());
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(json::parse(r.body)["firewall:output"]["count"], 1001);
  EXPECT_FALSE(ping("a", "10.31.0.2", 2));
  std::string before = config();
  ASSERT_TRUE(pcnd.stop());
  ASSERT_TRUE(pcnd.start());
  EXPECT_EQ(config(), before);
  EXPECT_EQ(rules("INGRESS").size(), 1001u);
  EXPECT_FALSE(ping("a", "10.31.0.2", 2));
  r = rest("POST", "/firewall:firewall=fw1/chain=INGRESS/delete", R"({"firewall:input":{"id":1000}})");
  EXPECT_EQ(r.status, 204) << r.body;
  EXPECT_TRUE(ping("a", "10.31.0.2"));
  // reset-counters is a plain action (runs on the cube, changes no config).
  r = rest("POST", "/firewall:firewall=fw1/chain=INGRESS/reset-counters", R"({"firewall:input":{}})");
  EXPECT_EQ(r.status, 204) << r.body;
}

TEST_F(FirewallE2E, InsertDeleteReplacePositions) {
  ok("firewall add fw1");
  auto post = [&](const std::string &action, const json &in) {
    auto r = rest("POST", "/firewall:firewall=fw1/chain=EGRESS/" + action, json{{"firewall:input", in}}.dump());
    EXPECT_TRUE(r.status == 200 || r.status == 204) << action << " " << in.dump() << " -> " << r.body;
  };
  auto srcs = [&]() {
    std::string out;
    for (const auto &r : rules("EGRESS")) out += r["src"].get<std::string>().substr(0, r["src"].get<std::string>().find('/')) + ",";
    return out;
  };
  for (const char *a : {"1.0.0.1", "1.0.0.2", "1.0.0.3"}) post("append", {{"src", a}});  // EGRESS created by append
  EXPECT_EQ(srcs(), "1.0.0.1,1.0.0.2,1.0.0.3,");
  post("insert", {{"id", 1}, {"src", "2.0.0.1"}});
  EXPECT_EQ(srcs(), "1.0.0.1,2.0.0.1,1.0.0.2,1.0.0.3,");
  post("insert", {{"id", 4}, {"src", "2.0.0.2"}});  // id = number of rules: at the end
  EXPECT_EQ(srcs(), "1.0.0.1,2.0.0.1,1.0.0.2,1.0.0.3,2.0.0.2,");
  post("replace", {{"id", 2}, {"src", "3.0.0.1"}, {"action", "ACCEPT"}});
  EXPECT_EQ(srcs(), "1.0.0.1,2.0.0.1,3.0.0.1,1.0.0.3,2.0.0.2,");
  EXPECT_EQ(rules("EGRESS")[2]["action"], "ACCEPT");
  post("delete", {{"id", 0}});
  EXPECT_EQ(srcs(), "2.0.0.1,3.0.0.1,1.0.0.3,2.0.0.2,");
  json ids = json::array();
  for (const auto &r : rules("EGRESS")) ids.push_back(r["id"]);
  EXPECT_EQ(ids, json::parse("[0,1,2,3]"));
  post("batch", {{"rules", {{{"id", 1}, {"src", "9.0.0.2"}}, {{"id", 0}, {"src", "9.0.0.1"}}}}});
  EXPECT_EQ(srcs(), "2.0.0.1,3.0.0.1,1.0.0.3,2.0.0.2,9.0.0.1,9.0.0.2,");
  post("batch", {{"flush", true}, {"rules", {{{"id", 0}, {"src", "8.0.0.1"}}}}});
  EXPECT_EQ(srcs(), "8.0.0.1,");
}

TEST_F(FirewallE2E, BadInputIsRefusedAndChangesNothing) {
  topology();
  auto r = rest("POST", "/firewall:firewall=fw1/chain=INGRESS/append",
                R"({"firewall:input":{"src":"10.0.0.1/32","action":"DROP"}})");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(json::parse(r.body)["firewall:output"]["id"], 0);
  std::string before = config();
  struct Case {
    std::string path, body;
    int status;
  } cases[] = {
      {"/chain=INGRESS/append", R"({"firewall:input":{"src":"10.0.0.300/32"}})", 400},
      {"/chain=INGRESS/append", R"({"firewall:input":{"src":"10.0.0.1/33"}})", 400},
      {"/chain=INGRESS/append", R"({"firewall:input":{"dport":"70000","l4proto":"TCP"}})", 400},
      {"/chain=INGRESS/append", R"({"firewall:input":{"dport":"90-80","l4proto":"TCP"}})", 400},
      {"/chain=INGRESS/append", R"({"firewall:input":{"dport":"80","l4proto":"ICMP"}})", 400},
      {"/chain=INGRESS/append", R"({"firewall:input":{"action":"REJECT"}})", 400},
      {"/chain=INGRESS/append", R"({"firewall:input":{"tcpflags":"SYN,FOO"}})", 400},
      {"/chain=INGRESS/insert", R"({"firewall:input":{"id":5,"action":"DROP"}})", 400},
      {"/chain=INGRESS/delete", R"({"firewall:input":{"id":1}})", 400},
      {"/chain=INGRESS/replace", R"({"firewall:input":{"id":1,"action":"DROP"}})", 400},
      {"/chain=FORWARD/append", R"({"firewall:input":{"action":"DROP"}})", 400},
      {"/chain=INGRESS/batch",
       R"({"firewall:input":{"rules":[{"id":0,"src":"1.1.1.1/32"},{"id":1,"dport":"65536","l4proto":"UDP"},{"id":2,"src":"2.2.2.2/32"}]}})", 400},
      {"/chain=INGRESS/batch",
       R"({"firewall:input":{"flush":true,"rules":[{"id":0,"src":"1.1.1.1/32"},{"id":1,"src":"1.1.1"}]}})", 400},
  };
  for (const auto &c : cases) {
    auto x = rest("POST", "/firewall:firewall=fw1" + c.path, c.body);
    EXPECT_EQ(x.status, c.status) << c.path << " " << c.body << " -> " << x.body;
    EXPECT_NE(x.body.find("ietf-restconf:errors"), std::string::npos) << x.body;
    EXPECT_EQ(config(), before) << c.path << " " << c.body;
  }
  EXPECT_EQ(rest("POST", "/firewall:firewall=nope/chain=INGRESS/append", R"({"firewall:input":{}})").status, 404);
  EXPECT_NE(pcn("fw1 chain INGRESS append src=10.0.0.1/40").rc, 0);
  EXPECT_EQ(config(), before);
  // Still serving.
  EXPECT_EQ(rest("GET", "/firewall:firewall=fw1").status, 200);
}

TEST_F(FirewallE2E, ConntrackInboundOnlyPolicyWithTcp) {
  topology();
  // Host a may open connections; nothing new may reach it. EGRESS of sb1:p1
  // is what goes towards a.
  ok("fw1 chain EGRESS append conntrack=ESTABLISHED action=ACCEPT");
  ok("fw1 chain EGRESS append conntrack=RELATED action=ACCEPT");
  ok("fw1 chain EGRESS set default=DROP");
  // a -> b: a TCP connection through, with data both ways.
  net.in("b", "sh -c 'echo pong | timeout 5 nc -l -p 5001 > /tmp/" + net.prefix() + "b.rx' &");
  sh("sleep 0.3");
  std::string got = net.in_out("a", "sh -c 'echo ping | timeout 3 nc -q 1 10.31.0.2 5001'");
  EXPECT_EQ(got, "pong");
  EXPECT_EQ(sh_out("cat /tmp/" + net.prefix() + "b.rx"), "ping");
  // b -> a: a new connection is dropped.
  net.in("a", "sh -c 'echo no | timeout 3 nc -l -p 5002' >/dev/null 2>&1 &");
  sh("sleep 0.3");
  EXPECT_NE(net.in("b", "sh -c 'echo x | timeout 2 nc -w 1 10.31.0.1 5002' >/dev/null 2>&1"), 0);
  EXPECT_FALSE(ping("b", "10.31.0.1", 2));
  EXPECT_TRUE(ping("a", "10.31.0.2"));
  auto st = json::parse(rest("GET", "/firewall:firewall=fw1/session-table").body);
  bool tcp = false;
  for (const auto &s : st["firewall:session-table"])
    if (s["l4proto"] == "TCP" && s["dport"] == 5001 && s["src"] == "10.31.0.1") tcp = true;
  EXPECT_TRUE(tcp) << st.dump();
  sh("rm -f /tmp/" + net.prefix() + "b.rx");
}

TEST_F(FirewallE2E, NoAcceptedPacketLostWhileThePipelineReshapes) {
  topology();
  ok("fw1 chain INGRESS append src=10.31.0.1/32 l4proto=UDP dport=7000 action=ACCEPT");
  ok("fw1 chain INGRESS set default=DROP");
  ping("a", "10.31.0.2", 1);  // ARP warm-up only: ICMP is dropped here, its result says nothing
  UdpFlow flow(net.ns("a"), net.ns("b"), "10.31.0.2", 7000, 1000000, 500);  // stopped after the edits
  flow.start();
  // 1,000 edits (the issue's figure) that add and remove fields in use
  // (blocks come and go) while the stream's rule stays first.
  const char *fields[] = {"dst=10.99.0.0/16", "sport=1000-2000 l4proto=TCP", "tcpflags=SYN l4proto=TCP",
                          "conntrack=INVALID", "dport=9999 l4proto=UDP"};
  int edits = 0;
  for (int i = 0; i < 500; i++) {
    ok(std::string("fw1 chain INGRESS append ") + fields[i % 5] + " action=DROP");
    ok("fw1 chain INGRESS delete id=1");
    edits += 2;
  }
  flow.stop_sending();
  flow.finish(1000);
  EXPECT_EQ(edits, 1000);
  EXPECT_GT(flow.sent(), 0u);
  EXPECT_EQ(flow.received(), flow.sent());
  json r = rules("INGRESS");
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0]["pkts"], std::to_string(flow.sent()));
}

}  // namespace

namespace {

// The same random rules in the pcn firewall (on the bridge port towards b)
// and in iptables (raw PREROUTING of b, every rule ACCEPT so the first match
// ends the walk and counts), the same random frames: every rule must count
// the same packets in both, and the defaults too.
namespace fwr = polycube::services::fw;

TEST(FirewallVsIptables, SameRulesCountTheSamePackets) {
  if (sh("command -v iptables-legacy >/dev/null") != 0) GTEST_SKIP() << "iptables-legacy not installed";
  TestNet net;
  net.add_ns("a");
  net.add_ns("b");
  std::string va = net.add_host("a", "va", "10.31.0.1/24", "02:00:00:00:00:01");
  std::string vb = net.add_host("b", "vb", "10.31.0.2/24", "02:00:00:00:00:02");
  for (const char *n : {"a", "b"}) net.in(n, "sysctl -qw net.ipv6.conf.all.disable_ipv6=1");
  polycube::Runtime rt;
  auto sb = rt.create<polycube::services::SimpleBridge>("sb1", polycube::Mode::kTc);
  sb->add_port("p1", va);
  sb->add_port("p2", vb);
  auto fw = rt.create<polycube::services::Firewall>("fw1", polycube::Mode::kTc);
  rt.attach("fw1", "sb1:p2");
  ASSERT_EQ(net.in("a", "ping -c 1 -W 1 -q 10.31.0.2 >/dev/null"), 0);  // the bridge learns both

  std::mt19937 rng(777);
  auto pick = [&](int n) { return static_cast<int>(rng() % n); };
  const char *nets[] = {"10.40.0.0", "10.41.0.0", "192.168.7.0"};
  auto addr = [&]() { return pcntest::ip(nets[pick(3)]) + (rng() % 64); };
  auto dotted = [](uint32_t a) {
    return std::to_string(a >> 24) + "." + std::to_string((a >> 16) & 255) + "." + std::to_string((a >> 8) & 255) + "." +
           std::to_string(a & 255);
  };
  fwr::Config c;
  std::string ipt = "*raw\n:PREROUTING ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n";
  for (int i = 0; i < 60; i++) {
    json j = {{"action", "ACCEPT"}};
    std::string r = "-A PREROUTING";
    if (pick(2)) {
      int len = std::vector<int>{16, 24, 26, 32}[pick(4)];
      uint32_t a = addr() & (~0u << (32 - len));
      j["src"] = dotted(a) + "/" + std::to_string(len);
      r += " -s " + dotted(a) + "/" + std::to_string(len);
    }
    if (pick(3) == 0) {
      uint32_t a = addr() & ~0u << 6;
      j["dst"] = dotted(a) + "/26";
      r += " -d " + dotted(a) + "/26";
    }
    int proto = pick(4);
    if (proto == 1 || proto == 2) {
      j["l4proto"] = proto == 1 ? "TCP" : "UDP";
      r += proto == 1 ? " -p tcp" : " -p udp";
      if (pick(2)) {
        int lo = 1000 + pick(20), hi = lo + pick(5);
        j["dport"] = std::to_string(lo) + "-" + std::to_string(hi);
        r += " --dport " + std::to_string(lo) + ":" + std::to_string(hi);
      }
      if (pick(3) == 0) {
        j["sport"] = std::to_string(2000 + pick(5));
        r += " --sport " + j["sport"].get<std::string>();
      }
      if (proto == 1 && pick(3) == 0) {
        j["tcpflags"] = "SYN,!ACK";
        r += " --tcp-flags SYN,ACK SYN";
      }
    } else if (proto == 3) {
      j["l4proto"] = "ICMP";
      r += " -p icmp";
    }
    c.chains[FW_EGRESS].rules.push_back(fwr::parse_rule(j));
    ipt += r + " -j ACCEPT\n";
  }
  ipt += "COMMIT\n";
  fw->apply(c);
  fw->reset_counters(FW_EGRESS);  // the warm-up ping took the default
  std::string file = "/tmp/" + net.prefix() + "ipt";
  {
    std::ofstream o(file);
    o << ipt;
  }
  ASSERT_EQ(net.in("b", "iptables-legacy-restore < " + file), 0);

  // Random frames, sent from a with AF_PACKET (python, one frame per line).
  std::string frames;
  const int kFrames = 400;
  for (int k = 0; k < kFrames; k++) {
    fwtest::Pkt p;
    p.src = addr();
    p.dst = addr();
    int proto = pick(3);
    p.proto = proto == 0 ? 6 : proto == 1 ? 17 : 1;
    p.sport = static_cast<uint16_t>(pick(2) ? 2000 + pick(5) : 3000 + pick(100));
    p.dport = static_cast<uint16_t>(1000 + pick(30));
    p.flags = pick(2) ? 0x02 : 0x12;
    if (p.proto == 1) p.sport = p.dport;
    std::string f = fwtest::frame(p);
    static const char *hex = "0123456789abcdef";
    for (unsigned char ch : f) frames += std::string{hex[ch >> 4], hex[ch & 15]};
    frames += "\n";
  }
  std::string ffile = file + ".frames";
  {
    std::ofstream o(ffile);
    o << frames;
  }
  ASSERT_EQ(net.in("a", "python3 -c \"import socket; s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW); "
                        "s.bind(('eth0', 0)); [s.send(bytes.fromhex(l.strip())) for l in open('" + ffile + "')]\""),
            0);
  sh("sleep 0.3");
  // iptables per-rule packet counters, in order, then the policy's.
  std::string listing = net.in_out("b", "iptables-legacy -t raw -L PREROUTING -v -x -n");
  std::vector<uint64_t> ipt_counts;
  uint64_t ipt_policy = 0;
  std::istringstream in(listing);
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("Chain PREROUTING", 0) == 0) {
      auto pos = line.find("policy ACCEPT ");
      ipt_policy = std::strtoull(line.c_str() + pos + 14, nullptr, 10);
      continue;
    }
    std::istringstream ls(line);
    std::string first;
    ls >> first;
    if (!first.empty() && std::isdigit(static_cast<unsigned char>(first[0]))) ipt_counts.push_back(std::stoull(first));
  }
  auto ours = fw->counters(FW_EGRESS);
  ASSERT_EQ(ipt_counts.size(), ours.size()) << listing;
  uint64_t matched = 0;
  for (size_t i = 0; i < ours.size(); i++) {
    EXPECT_EQ(ours[i].pkts, ipt_counts[i]) << "rule " << i;
    matched += ours[i].pkts;
  }
  EXPECT_EQ(fw->default_counter(FW_EGRESS).pkts, ipt_policy);
  EXPECT_EQ(matched + fw->default_counter(FW_EGRESS).pkts, static_cast<uint64_t>(kFrames));
  EXPECT_GT(matched, 50u);
  rt.detach("fw1", "sb1:p2");
  sh("rm -f " + file + " " + ffile);
}

}  // namespace
