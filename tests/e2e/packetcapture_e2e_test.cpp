// End-to-end: packetcapture cubes on the ports of a bridge while a ping and
// a TCP transfer cross it, driven through pcn and RESTCONF. The capture
// files are read back by tshark and tcpdump; their frames must be the ones
// the sender's own interface saw (tcpdump in its namespace), byte for byte,
// snaplen must cut, and forwarding must be what it is without capture.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <thread>

#include <nlohmann/json.hpp>

#include "pcap_read.h"
#include "pcnd.h"
#include "testnet.h"

using namespace pcntest;

namespace {

using Frame = PcapRecord;

std::string slurp(const std::string &path) { return read_file(path); }

std::vector<Frame> frames_of(const std::string &file) {
  PcapFile f = read_pcap(file);
  EXPECT_TRUE(f.ok);
  return f.records;
}

uint64_t counter(const TestNet &net, const std::string &ns, const std::string &what) {
  return std::stoull(net.in_out(ns, "cat /sys/class/net/eth0/statistics/" + what));
}

class CaptureE2e : public ::testing::Test {
 protected:
  void SetUp() override {
    net.add_ns("a");
    net.add_ns("b");
    va = net.add_host("a", "va", "10.77.0.1/24", "02:00:00:00:07:01");
    vb = net.add_host("b", "vb", "10.77.0.2/24", "02:00:00:00:07:02");
    // Only the test's traffic, and frames as the sender wrote them (no
    // segmentation offload merging or splitting them on the way).
    for (const char *ns : {"a", "b"}) {
      net.in(ns, "sysctl -qw net.ipv6.conf.all.disable_ipv6=1; ethtool -K eth0 tso off gso off gro off >/dev/null 2>&1");
    }
    for (const auto &v : {va, vb}) sh("sysctl -qw net.ipv6.conf." + v + ".disable_ipv6=1");
    ASSERT_TRUE(pcnd.start());
    dir = pcnd.state_dir() + ".cap";
    sh("mkdir -p " + dir);
  }
  void TearDown() override {
    if (!tcpdump_pid.empty()) sh("kill -INT " + tcpdump_pid + " 2>/dev/null");
    if (!getenv("PCN_KEEP_CAPTURES")) sh("rm -rf " + dir);
  }
  int pcn(const std::string &args) {
    PcnRun r = pcnd.pcn(args);
    last_err = r.err;
    return r.rc;
  }
  // tcpdump on the sender's interface, for what it wrote and received.
  void start_tcpdump(const std::string &file) {
    tcpdump_pid = net.in_out("a", "tcpdump -i eth0 -n -U -w " + file + " >/dev/null 2>" + file + ".err & echo $!");
    for (int i = 0; i < 100 && sh("grep -q listening " + file + ".err") != 0; i++)
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  // Returns how many packets the kernel handed to tcpdump's socket
  // ("received by filter"): on a loaded machine tcpdump may be stopped
  // before it wrote them all, the count is exact.
  uint64_t stop_tcpdump(const std::string &file) {
    // Let it write what it has: the file stops growing.
    std::string size, last;
    for (int i = 0; i < 50; i++) {
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
      size = sh_out("stat -c %s " + file);
      if (size == last) break;
      last = size;
    }
    sh("kill -INT " + tcpdump_pid);
    for (int i = 0; i < 100 && sh("kill -0 " + tcpdump_pid + " 2>/dev/null") == 0; i++)
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    tcpdump_pid.clear();
    std::string n = sh_out("sed -n 's/^\\([0-9]*\\) packets\\? received by filter.*/\\1/p' " + file + ".err");
    return n.empty() ? 0 : std::stoull(n);
  }

  TestNet net;
  std::string va, vb, dir, tcpdump_pid, last_err;
  Pcnd pcnd{net.prefix() + "cap"};
};

TEST_F(CaptureE2e, PingAndTcpCapturedByteIdenticalReadByTsharkAndTcpdump) {
  ASSERT_EQ(pcn("bridge add br1"), 0) << last_err;
  ASSERT_EQ(pcn("br1 ports add p1 peer=" + va), 0) << last_err;
  ASSERT_EQ(pcn("br1 ports add p2 peer=" + vb), 0) << last_err;
  ASSERT_EQ(net.in("a", "ping -c 1 -W 2 -q 10.77.0.2 >/dev/null"), 0);  // learn, resolve

  ASSERT_EQ(pcn("packetcapture add pc1 capture=BIDIRECTIONAL"), 0) << last_err;
  ASSERT_EQ(pcn("attach pc1 br1:p1"), 0) << last_err;
  ASSERT_EQ(pcn("packetcapture add pc2 capture=INGRESS snaplen=96 filter=\"tcp port 5001\""), 0) << last_err;
  ASSERT_EQ(pcn("attach pc2 br1:p2"), 0) << last_err;  // ingress of p2: what b sends

  uint64_t a_tx = counter(net, "a", "tx_packets"), a_rx = counter(net, "a", "rx_packets");
  uint64_t b_tx = counter(net, "b", "tx_packets"), b_rx = counter(net, "b", "rx_packets");
  std::string sender = dir + "/sender.pcap";
  start_tcpdump(sender);
  ASSERT_EQ(net.in("a", "ping -c 3 -i 0.1 -W 2 -q 10.77.0.2 >/dev/null"), 0);
  // 300 kB over TCP, checked end to end.
  sh("head -c 300000 /dev/urandom > " + dir + "/sent");
  std::thread server([&] { net.in("b", "timeout 10 nc -l 10.77.0.2 5001 > " + dir + "/received"); });
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  EXPECT_EQ(net.in("a", "timeout 10 nc -N 10.77.0.2 5001 < " + dir + "/sent"), 0);
  server.join();
  uint64_t kernel_count = stop_tcpdump(sender);
  EXPECT_EQ(sh("cmp -s " + dir + "/sent " + dir + "/received"), 0) << "the transfer was corrupted";
  // Forwarding: what one side sent, the other received.
  uint64_t da_tx = counter(net, "a", "tx_packets") - a_tx, da_rx = counter(net, "a", "rx_packets") - a_rx;
  uint64_t db_tx = counter(net, "b", "tx_packets") - b_tx, db_rx = counter(net, "b", "rx_packets") - b_rx;
  EXPECT_EQ(da_tx, db_rx);
  EXPECT_EQ(db_tx, da_rx);
  EXPECT_GT(da_tx, 20u);

  std::string ours = dir + "/pc1.pcap", ours_ng = dir + "/pc1.pcapng", rest = dir + "/pc1.rest.pcap";
  ASSERT_EQ(pcn("pc1 dump > " + ours), 0) << last_err;
  ASSERT_EQ(pcn("pc1 dump format=pcapng > " + ours_ng), 0) << last_err;
  ASSERT_EQ(sh("curl -sf -H 'Accept: application/vnd.tcpdump.pcap' -o " + rest + " " + pcnd.url() +
               "/restconf/data/packetcapture:packetcapture=pc1"),
            0);

  // The frames a's interface saw, in both directions, are pc1's, byte for
  // byte. (Sorted: a's transmit and receive may interleave differently at
  // the two ends of the veth.)
  // tcpdump's count is the kernel's; its file may lack the last ones if it
  // was stopped before writing them (then each frame it did write is ours).
  std::vector<Frame> want = frames_of(slurp(sender)), got = frames_of(slurp(ours));
  EXPECT_EQ(got.size(), kernel_count) << "the sender's interface passed " << kernel_count << ", pc1 captured " << got.size();
  EXPECT_GE(want.size(), kernel_count / 2) << "tcpdump wrote too few to compare";
  std::vector<std::string> want_bytes, got_bytes;
  for (const auto &f : got) {
    EXPECT_EQ(f.caplen, f.len) << "a frame cut below the default snaplen";
    got_bytes.push_back(f.data);
  }
  for (const auto &f : want) want_bytes.push_back(f.data);
  std::sort(got_bytes.begin(), got_bytes.end());
  std::sort(want_bytes.begin(), want_bytes.end());
  if (want.size() == got.size())
    EXPECT_TRUE(got_bytes == want_bytes) << "pc1's frames differ from the sender's";
  else
    EXPECT_TRUE(std::includes(got_bytes.begin(), got_bytes.end(), want_bytes.begin(), want_bytes.end()))
        << "a frame the sender's interface saw is not in pc1's capture";
  EXPECT_EQ(slurp(rest), slurp(ours));  // the same file over plain RESTCONF

  // tshark and tcpdump read our files and count the same frames.
  std::string n = std::to_string(got.size());
  EXPECT_EQ(sh_out("tshark -r " + ours + " 2>/dev/null | wc -l"), n);
  EXPECT_EQ(sh_out("tcpdump -n -r " + ours + " 2>/dev/null | wc -l"), n);
  EXPECT_EQ(sh_out("tshark -r " + ours + " -Y 'icmp.type == 8' 2>/dev/null | wc -l"), "3");
  EXPECT_EQ(sh_out("tshark -r " + ours_ng + " 2>/dev/null | wc -l"), n);
  // pcapng records the direction: a's echo requests enter the bridge (inbound).
  EXPECT_EQ(sh_out("tshark -r " + ours_ng + " -Y 'icmp.type == 8' -T fields -e frame.packet_flags_direction 2>/dev/null | sort -u"),
            "0x00000001");
  EXPECT_EQ(sh_out("tshark -r " + ours_ng + " -Y 'icmp.type == 0' -T fields -e frame.packet_flags_direction 2>/dev/null | sort -u"),
            "0x00000002");

  // pc2: only b's TCP segments of the transfer, cut at 96 bytes.
  std::string cut = dir + "/pc2.pcap";
  ASSERT_EQ(pcn("pc2 dump > " + cut), 0) << last_err;
  std::vector<Frame> segs = frames_of(slurp(cut));
  size_t from_b = 0;
  for (const auto &f : got)
    if (f.data.substr(6, 6) == std::string("\x02\x00\x00\x00\x07\x02", 6) && f.data.size() > 37 &&
        f.data.substr(12, 2) == std::string("\x08\x00", 2) && f.data[23] == 6)
      from_b++;
  EXPECT_EQ(segs.size(), from_b);
  EXPECT_GT(segs.size(), 3u);
  for (const auto &f : segs) {
    EXPECT_EQ(f.caplen, std::min<uint32_t>(f.len, 96));
    EXPECT_EQ(f.data.substr(6, 6), std::string("\x02\x00\x00\x00\x07\x02", 6));
  }
  EXPECT_EQ(sh_out("tcpdump -n -r " + cut + " 'tcp src port 5001' 2>/dev/null | wc -l"), std::to_string(segs.size()));

  // Counters in `pcn pc1 show`.
  PcnRun show = pcnd.pcn("pc1 show");
  EXPECT_NE(show.out.find("ring-drops"), std::string::npos) << show.out;
  nlohmann::json stats = nlohmann::json::parse(pcnd.rest("GET", "/packetcapture:packetcapture=pc1/stats").body);
  stats = stats["packetcapture:stats"];
  // RFC 7951: 64-bit integers are strings.
  EXPECT_EQ(stats["captured"], std::to_string(got.size())) << stats;
  EXPECT_EQ(stats["ring-drops"], "0") << stats;
  EXPECT_EQ(stats["stored"], std::to_string(got.size())) << stats;
}

TEST_F(CaptureE2e, BadInputIsRefusedAndChangesNothing) {
  ASSERT_EQ(pcn("bridge add br1"), 0) << last_err;
  ASSERT_EQ(pcn("br1 ports add p1 peer=" + va), 0) << last_err;
  // An expression libpcap cannot compile: a clear 400, no cube.
  EXPECT_NE(pcn("packetcapture add pc1 filter=\"tcp port eighty\""), 0);
  EXPECT_NE(last_err.find("tcp port eighty"), std::string::npos) << last_err;
  EXPECT_EQ(pcnd.rest("GET", "/packetcapture:packetcapture=pc1").status, 404);

  ASSERT_EQ(pcn("packetcapture add pc1 filter=\"icmp\" snaplen=128"), 0) << last_err;
  RestReply r = pcnd.rest("PATCH", "/packetcapture:packetcapture=pc1",
                          R"({"packetcapture:packetcapture":[{"name":"pc1","filter":"host 999.0.0.1"}]})");
  EXPECT_EQ(r.status, 400) << r.body;
  EXPECT_NE(r.body.find("invalid filter"), std::string::npos) << r.body;
  r = pcnd.rest("PATCH", "/packetcapture:packetcapture=pc1", R"({"packetcapture:packetcapture":[{"name":"pc1","snaplen":0}]})");
  EXPECT_EQ(r.status, 400) << r.body;
  std::string conf = pcnd.rest("GET", "/packetcapture:packetcapture=pc1").body;
  EXPECT_NE(conf.find("\"filter\":\"icmp\""), std::string::npos) << conf;
  EXPECT_NE(conf.find("\"snaplen\":128"), std::string::npos) << conf;
  // Still filtering icmp: a ping is captured, and only it.
  ASSERT_EQ(pcn("attach pc1 br1:p1"), 0) << last_err;
  net.in("a", "ip neigh replace 10.77.0.2 lladdr 02:00:00:00:07:02 dev eth0");
  net.in("a", "ping -c 2 -i 0.1 -W 1 -q 10.77.0.2 >/dev/null; arping -c 1 -w 1 -I eth0 10.77.0.2 >/dev/null 2>&1");
  std::string file = dir + "/pc1.pcap";
  ASSERT_EQ(pcn("pc1 dump > " + file), 0) << last_err;
  std::vector<Frame> fs = frames_of(slurp(file));
  EXPECT_EQ(fs.size(), 2u);  // the echo requests (nothing answers: p1 is alone)
  for (const auto &f : fs) EXPECT_EQ(f.data.substr(12, 2), std::string("\x08\x00", 2));
  // A capture media type on a service that exports none: 406; dump to a terminal is refused by pcn.
  EXPECT_EQ(sh("curl -s -o /dev/null -w '%{http_code}' -H 'Accept: application/vnd.tcpdump.pcap' " + pcnd.url() +
               "/restconf/data/bridge:bridge=br1 | grep -q 406"),
            0);
  EXPECT_NE(pcn("br1 dump > /dev/null"), 0);
  EXPECT_NE(pcn("pc1 dump format=json > /dev/null"), 0);
}

}  // namespace
