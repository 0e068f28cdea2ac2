// NAT end to end: polycubed, pcn and RESTCONF, real namespaces and real
// traffic. Topology (TC, XDP_SKB or XDP_DRV):
//
//   in1 10.0.1.2 --- p1 [router r1] p2 --- 192.168.1.254 out (Linux router) 172.16.0.1 --- far 172.16.0.2
//   in2 10.0.2.2 --- p3     nat1 on p2, 192.168.1.1
//   in3 10.0.3.2 --- p4
//
// What the NAT did is read on the far side: the address and port a
// receiving socket sees (tests/support/peer_echo.h), captures, traceroute.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <thread>

#include "packet.h"
#include "pcnd.h"
#include "peer_echo.h"
#include "testnet.h"
#include "udpflow.h"

using namespace pcntest;
using nlohmann::json;

namespace {

class NatE2E : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(pcnd.start()) << "polycubed did not start"; }
  void TearDown() override { EXPECT_TRUE(pcnd.stop()) << "polycubed did not exit cleanly"; }

  std::string host(const std::string &name, const std::string &cidr, const std::string &gw) {
    net.add_ns(name);
    net.in(name, "sysctl -qw net.ipv6.conf.all.disable_ipv6=1");
    std::string v = net.add_host(name, "v" + name, cidr);
    EXPECT_EQ(net.in(name, "ip route add default via " + gw), 0);
    return v;
  }
  // The topology above; the NAT attached, no rule yet.
  void topology(const std::string &type = "TC") {
    type_ = type;
    std::string vin1 = host("in1", "10.0.1.2/24", "10.0.1.1");
    std::string vin2 = host("in2", "10.0.2.2/24", "10.0.2.1");
    std::string vin3 = host("in3", "10.0.3.2/24", "10.0.3.1");
    net.add_ns("out");
    net.add_ns("far");
    std::string vout = net.add_host("out", "vout", "192.168.1.254/24");
    net.in("out", "sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv4.ip_forward=1");
    net.in("far", "sysctl -qw net.ipv6.conf.all.disable_ipv6=1");
    net.in("out", "ip link add eth1 type veth peer name eth0 netns " + net.ns("far"));
    net.in("out", "ip addr add 172.16.0.1/24 dev eth1");
    net.in("out", "ip link set eth1 up");
    net.in("far", "ip addr add 172.16.0.2/24 dev eth0");
    net.in("far", "ip link set eth0 up");
    net.in("far", "ip link set lo up");
    net.in("far", "ip route add default via 172.16.0.1");
    if (type != "TC")  // native XDP on a veth needs NAPI on its peer
      for (const char *ns : {"in1", "in2", "in3", "out"}) net.in(ns, "ethtool -K eth0 gro on >/dev/null 2>&1");
    must("router add r1 type=" + type);
    must("r1 ports add p1 ip=10.0.1.1/24 peer=" + vin1);
    must("r1 ports add p2 ip=192.168.1.1/24 peer=" + vout);
    must("r1 ports add p3 ip=10.0.2.1/24 peer=" + vin2);
    must("r1 ports add p4 ip=10.0.3.1/24 peer=" + vin3);
    ASSERT_EQ(pcnd.rest("POST", "/router:router=r1",
                        R"({"router:route":[{"network":"172.16.0.0/24","nexthop":"192.168.1.254"}]})")
                  .status,
              201);
    must("nat add nat1 type=" + type);
    must("attach nat1 r1:p2 position=first");
    // Addresses the NAT answers for, other than the router's own, are
    // reached through the router (outside has no other way to know).
    std::string p2mac = port_mac("p2");
    for (const char *a : {"192.168.1.100", "192.168.1.101", "192.168.1.200"})
      net.in("out", std::string("ip neigh replace ") + a + " lladdr " + p2mac + " dev eth0");
  }
  std::string port_mac(const std::string &port) {
    json j = json::parse(pcnd.rest("GET", "/router:router=r1/ports=" + port).body);
    return j["router:ports"][0]["mac"].get<std::string>();
  }
  void must(const std::string &args) {
    PcnRun r = pcnd.pcn(args);
    ASSERT_EQ(r.rc, 0) << "pcn " << args << ": " << r.err;
  }
  json get(const std::string &path) {
    RestReply r = pcnd.rest("GET", path);
    return r.status == 200 ? json::parse(r.body) : json();
  }
  json stats() { return get("/nat:nat=nat1/stats")["nat:stats"]; }
  // Natting-table rows as "internal -> external proto rule".
  std::multiset<std::string> table() {
    std::multiset<std::string> out;
    json j = get("/nat:nat=nat1/natting-table");
    for (const auto &e : j["nat:natting-table"])
      out.insert(e["internal-src"].get<std::string>() + ":" + std::to_string(e["internal-sport"].get<int>()) + ">" +
                 e["internal-dst"].get<std::string>() + ":" + std::to_string(e["internal-dport"].get<int>()) + " " +
                 e["external-src"].get<std::string>() + ":" + std::to_string(e["external-sport"].get<int>()) + ">" +
                 e["external-dst"].get<std::string>() + ":" + std::to_string(e["external-dport"].get<int>()) + " " +
                 e["proto"].get<std::string>() + " " + e["originating-rule"].get<std::string>());
    return out;
  }
  std::string host_of(const std::string &peer) { return peer.substr(0, peer.find(':')); }
  uint16_t port_of(const std::string &peer) { return uint16_t(std::stoi(peer.substr(peer.find(':') + 1))); }

  TestNet net;
  Pcnd pcnd{net.prefix() + "nat"};
  std::string type_;
};

class NatModes : public NatE2E, public ::testing::WithParamInterface<std::string> {};

// Upstream issues 365 and 422: a one-line masquerade; the first packet of a
// flow and its replies are translated (UDP, TCP, ICMP echo), seen as the
// router's outside address on the far side.
TEST_P(NatModes, OneLineMasqueradeTranslatesTheFirstPacketAndItsReplies) {
  topology(GetParam());
  must("nat1 rule masquerade enable");
  PeerEcho udp(net.ns("far"), 9000), tcp(net.ns("far"), 9001, true);
  std::string a = ask_peer(net.ns("in1"), "172.16.0.2", 9000, false, 40001);
  EXPECT_EQ(a, "192.168.1.1:40001") << "the first datagram, translated, and its reply back";
  std::string t = ask_peer(net.ns("in2"), "172.16.0.2", 9001, true, 40002);
  EXPECT_EQ(t, "192.168.1.1:40002");
  // Ping, and the source the far side sees on the wire.
  std::string cap = "/tmp/" + net.prefix() + "icmp.txt";
  std::thread dump([&] { net.in("far", "timeout 5 tcpdump -n -l -c 1 -i eth0 icmp and icmp[0] == 8 > " + cap + " 2>/dev/null"); });
  std::this_thread::sleep_for(std::chrono::milliseconds(700));
  EXPECT_EQ(net.in("in1", "ping -c 2 -i 0.2 -W 2 -q 172.16.0.2 >/dev/null"), 0);
  dump.join();
  EXPECT_NE(sh_out("cat " + cap).find("192.168.1.1 > 172.16.0.2: ICMP echo request"), std::string::npos)
      << sh_out("cat " + cap);
  sh("rm -f " + cap);
  auto rows = table();
  EXPECT_EQ(rows.count("10.0.1.2:40001>172.16.0.2:9000 192.168.1.1:40001>172.16.0.2:9000 UDP masquerade"), 1u);
  EXPECT_EQ(rows.count("10.0.2.2:40002>172.16.0.2:9001 192.168.1.1:40002>172.16.0.2:9001 TCP masquerade"), 1u);
  EXPECT_EQ(stats()["masquerade-address"], "192.168.1.1");
  PcnRun show = pcnd.pcn("nat1 natting-table show");
  EXPECT_EQ(show.rc, 0);
  EXPECT_NE(show.out.find("masquerade"), std::string::npos) << show.out;
  // Turning masquerade off ends its sessions and stops translating.
  must("nat1 rule masquerade disable");
  EXPECT_TRUE(table().empty());
  EXPECT_EQ(ask_peer(net.ns("in1"), "172.16.0.2", 9000, false, 40003, 1000), "") << "172.16.0.2 has no route back to 10.0.1.2";
}

// Upstream issue 410: big transfers both ways through SNAT (iperf3 upload
// and download). Upload, TC: in1 leaves checksums (and segmentation) to
// offload, so its TCP segments are CHECKSUM_PARTIAL and the NAT updates
// only their pseudo-header part; the veth towards `out` has offload off, so
// the kernel completes them from what the NAT left and the far side
// verifies them. (XDP: generic XDP cannot redirect such GSO packets and a
// veth's native XDP hands them on with a checksum nobody completes, NAT or
// not, so in1 sends full checksums there, as every test namespace does.)
// Download: far computes full checksums, the NAT updates them, in1
// verifies them. No checksum error anywhere.
TEST_P(NatModes, IperfUploadAndDownloadThroughSnat) {
  topology(GetParam());
  must("nat1 rule snat append internal-net=10.0.1.0/24 external-ip=192.168.1.100");
  if (GetParam() == "TC") net.in("in1", "ethtool -K eth0 tx on >/dev/null 2>&1");  // TestNet turns it off
  sh("ethtool -K " + net.ifname("vout") + " tx off >/dev/null 2>&1");
  net.in("far", "ethtool -K eth0 tx off >/dev/null 2>&1");
  auto csum_errors = [&](const char *ns) {
    std::string o = net.in_out(ns, "nstat -az TcpInCsumErrors UdpInCsumErrors 2>/dev/null | awk 'NR>1 {s += $2} END {print s+0}'");
    return o.empty() ? -1 : std::stoi(o);
  };
  int far0 = csum_errors("far"), in0 = csum_errors("in1");
  net.in("far", "iperf3 -s -D -1 -p 5201 --logfile /dev/null");
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  std::string up = net.in_out("in1", "timeout 20 iperf3 -c 172.16.0.2 -p 5201 -t 2 --connect-timeout 3000 -J 2>/dev/null");
  net.in("far", "iperf3 -s -D -1 -p 5202 --logfile /dev/null");
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  std::string down = net.in_out("in1", "timeout 20 iperf3 -c 172.16.0.2 -p 5202 -t 2 -R --connect-timeout 3000 -J 2>/dev/null");
  for (auto *r : {&up, &down}) {
    json j = json::parse(*r, nullptr, false);
    ASSERT_FALSE(j.is_discarded()) << *r;
    ASSERT_FALSE(j.contains("error")) << j["error"];
    double bytes = j["end"]["sum_received"]["bytes"].get<double>();
    EXPECT_GT(bytes, 10e6) << (r == &up ? "upload" : "download");
    std::printf("iperf3 %s through SNAT (%s): %.0f Mbit/s\n", r == &up ? "upload" : "download", GetParam().c_str(),
                j["end"]["sum_received"]["bits_per_second"].get<double>() / 1e6);
  }
  EXPECT_EQ(csum_errors("far"), far0) << "segments with a bad checksum reached far";
  EXPECT_EQ(csum_errors("in1"), in0) << "segments with a bad checksum reached in1";
  // The connections were translated (the far side saw 192.168.1.100).
  bool seen = false;
  for (const auto &row : table()) seen |= row.find(" 192.168.1.100:") != std::string::npos && row.find("TCP snat 0") != std::string::npos;
  EXPECT_TRUE(seen);
}

INSTANTIATE_TEST_SUITE_P(Modes, NatModes, ::testing::Values("TC", "XDP_SKB", "XDP_DRV"),
                         [](const auto &info) { return info.param; });

// The issue's grammar: snat, dnat, port forwarding (before dnat), rule
// show, deleting one rule and all of them.
TEST_F(NatE2E, SnatDnatAndPortForwardingWithPcn) {
  topology();
  must("nat1 rule snat append internal-net=10.0.1.0/24 external-ip=192.168.1.100");
  must("nat1 rule masquerade enable");
  must("nat1 rule dnat append external-ip=192.168.1.200 internal-ip=10.0.2.2");
  must("nat1 rule port-forwarding append external-ip=192.168.1.200 external-port=8080 internal-ip=10.0.1.2 internal-port=80 proto=tcp");
  PcnRun show = pcnd.pcn("nat1 rule show");
  ASSERT_EQ(show.rc, 0) << show.err;
  for (const char *s : {"10.0.1.0/24", "192.168.1.100", "192.168.1.200", "8080", "10.0.2.2"})
    EXPECT_NE(show.out.find(s), std::string::npos) << s << " in\n" << show.out;

  PeerEcho far_udp(net.ns("far"), 9000);
  EXPECT_EQ(host_of(ask_peer(net.ns("in1"), "172.16.0.2", 9000)), "192.168.1.100") << "snat rule";
  EXPECT_EQ(host_of(ask_peer(net.ns("in2"), "172.16.0.2", 9000)), "192.168.1.1") << "masquerade for the rest";
  // From outside: port 8080 of .200 is forwarded to in1:80, the rest of .200 is in2.
  PeerEcho in1_80(net.ns("in1"), 80, true), in2_7000(net.ns("in2"), 7000, true);
  EXPECT_EQ(host_of(ask_peer(net.ns("far"), "192.168.1.200", 8080, true)), "172.16.0.2");
  EXPECT_EQ(in1_80.peers().size(), 1u);
  EXPECT_EQ(host_of(ask_peer(net.ns("far"), "192.168.1.200", 7000, true)), "172.16.0.2");
  EXPECT_EQ(in2_7000.peers().size(), 1u);
  auto rows = table();
  bool pf = false, dn = false;
  for (const auto &r : rows) {
    pf |= r.find("10.0.1.2:80 ") != std::string::npos && r.find("port-forwarding 0") != std::string::npos;
    dn |= r.find("10.0.2.2:7000 ") != std::string::npos && r.find("dnat 0") != std::string::npos;
  }
  EXPECT_TRUE(pf && dn) << "natting table";

  // Deleting the snat rule ends its sessions; in1 falls back to masquerade.
  must("nat1 rule snat del id=0");
  for (const auto &r : table()) EXPECT_EQ(r.find("snat 0"), std::string::npos) << r;
  EXPECT_EQ(host_of(ask_peer(net.ns("in1"), "172.16.0.2", 9000)), "192.168.1.1");
  must("nat1 rule del");
  EXPECT_TRUE(table().empty());
  json cfg = json::parse(pcnd.rest("GET", "/nat:nat=nat1?content=config").body);
  EXPECT_FALSE(cfg["nat:nat"][0].contains("rule")) << cfg.dump();
  EXPECT_EQ(ask_peer(net.ns("far"), "192.168.1.200", 7000, true, 0, 1000), "");
}

// ICMP errors through the NAT: traceroute lists every hop (the time
// exceeded messages are translated back, quoted packet included), and path
// MTU discovery learns the narrow link beyond.
TEST_F(NatE2E, TracerouteAndPathMtuThroughNat) {
  topology();
  must("nat1 rule masquerade enable");
  std::string tr = net.in_out("in1", "traceroute -n -q 1 -w 2 -m 5 172.16.0.2 2>&1");
  std::vector<std::string> hops;
  std::istringstream lines(tr);
  std::string line;
  std::getline(lines, line);  // header
  while (std::getline(lines, line)) {
    std::istringstream w(line);
    std::string n, addr;
    w >> n >> addr;
    hops.push_back(addr);
  }
  EXPECT_EQ(hops, (std::vector<std::string>{"10.0.1.1", "192.168.1.254", "172.16.0.2"})) << tr;
  // A 1300-byte link beyond the NAT: the "fragmentation needed" from `out`
  // reaches in1 and names the MTU.
  net.in("out", "ip link set eth1 mtu 1300");
  net.in("far", "ip link set eth0 mtu 1300");
  std::string ping = net.in_out("in1", "ping -c 1 -W 2 -M do -s 1400 -n 172.16.0.2 2>&1 || true");
  EXPECT_NE(ping.find("mtu = 1300"), std::string::npos) << ping;
  // TCP then sends segments that fit.
  PeerEcho far_tcp(net.ns("far"), 9100, true);
  EXPECT_EQ(host_of(ask_peer(net.ns("in1"), "172.16.0.2", 9100, true)), "192.168.1.1");
}

// A tiny port range: new flows past it are dropped and counted (visible in
// `pcn nat1 show`), live flows go on.
TEST_F(NatE2E, PortExhaustionDropsNewFlowsOnly) {
  topology();
  must("nat1 set port-range=20000-20003");
  must("nat1 rule masquerade enable");
  PeerEcho far_udp(net.ns("far"), 9000);
  std::set<uint16_t> ports;
  for (uint16_t sport = 41000; sport < 41004; sport++) {
    std::string a = ask_peer(net.ns("in1"), "172.16.0.2", 9000, false, sport);
    ASSERT_EQ(host_of(a), "192.168.1.1") << "flow " << sport;
    ports.insert(port_of(a));
  }
  EXPECT_EQ(ports, (std::set<uint16_t>{20000, 20001, 20002, 20003}));
  EXPECT_EQ(ask_peer(net.ns("in1"), "172.16.0.2", 9000, false, 41004, 800), "");
  EXPECT_EQ(ask_peer(net.ns("in2"), "172.16.0.2", 9000, false, 41005, 800), "");
  EXPECT_EQ(stats()["dropped-ports-exhausted"], "2");
  PcnRun show = pcnd.pcn("nat1 show");
  EXPECT_NE(show.out.find("dropped-ports-exhausted: 2"), std::string::npos) << show.out;
  // The live flows keep their ports.
  for (uint16_t sport = 41000; sport < 41004; sport++)
    EXPECT_EQ(host_of(ask_peer(net.ns("in1"), "172.16.0.2", 9000, false, sport)), "192.168.1.1");
  EXPECT_EQ(stats()["sessions"], 4);
}

// 10,000 concurrent UDP flows from two hosts using the same source ports:
// each gets its own external port (no tuple twice), every reply finds its
// way back.
TEST_F(NatE2E, TenThousandConcurrentFlows) {
  topology();
  must("nat1 rule masquerade enable");
  // Gateway MACs learned by the hosts (the raw frames below need them).
  for (const char *h : {"in1", "in2"}) net.in(h, "ping -c 1 -W 2 -q " + std::string(h[2] == '1' ? "10.0.1.1" : "10.0.2.1") + " >/dev/null");
  const int kPerHost = 5000;
  std::set<std::string> seen;
  std::mutex seen_mu;
  std::atomic<bool> stop{false}, ready{false};
  // Far side: answers every datagram to where it came from.
  std::thread far([&] {
    enter_netns(net.ns("far"));
    int s = socket(AF_INET, SOCK_DGRAM, 0);
    int buf = 32 << 20;
    setsockopt(s, SOL_SOCKET, SO_RCVBUFFORCE, &buf, sizeof buf);
    setsockopt(s, SOL_SOCKET, SO_SNDBUFFORCE, &buf, sizeof buf);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(9000);
    bind(s, reinterpret_cast<sockaddr *>(&a), sizeof a);
    ready = true;
    char data[256];
    while (!stop) {
      pollfd p{s, POLLIN, 0};
      if (poll(&p, 1, 50) <= 0) continue;
      sockaddr_in from{};
      socklen_t len = sizeof from;
      while (recvfrom(s, data, sizeof data, MSG_DONTWAIT, reinterpret_cast<sockaddr *>(&from), &len) >= 0) {
        char ipb[INET_ADDRSTRLEN];
        inet_ntop(AF_INET, &from.sin_addr, ipb, sizeof ipb);
        {
          std::lock_guard<std::mutex> l(seen_mu);
          seen.insert(std::string(ipb) + ":" + std::to_string(ntohs(from.sin_port)));
        }
        sendto(s, data, 1, 0, reinterpret_cast<sockaddr *>(&from), len);
        len = sizeof from;
      }
    }
    close(s);
  });
  while (!ready) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  // Each inside host: raw UDP frames from source ports 30000.. to far:9000,
  // and a packet socket counting the replies that come back to them.
  auto run_host = [&](const std::string &ns, const std::string &self, const std::string &gw_port, std::atomic<int> *back) {
    enter_netns(net.ns(ns));
    int tx = socket(AF_PACKET, SOCK_RAW, 0), rx = socket(AF_PACKET, SOCK_RAW, htons(ETH_P_IP));
    int buf = 32 << 20;
    setsockopt(rx, SOL_SOCKET, SO_RCVBUFFORCE, &buf, sizeof buf);
    sockaddr_ll sll{};
    sll.sll_family = AF_PACKET;
    sll.sll_ifindex = static_cast<int>(if_nametoindex("eth0"));
    sll.sll_halen = ETH_ALEN;
    sll.sll_protocol = htons(ETH_P_IP);
    bind(rx, reinterpret_cast<sockaddr *>(&sll), sizeof sll);
    Mac own = mac(sh_out("ip netns exec " + net.ns(ns) + " cat /sys/class/net/eth0/address"));
    Mac gw = mac(gw_port);
    for (int i = 0; i < kPerHost; i++) {
      std::string f = pcntest::build(Packet{}.eth(gw, own).ipv4(ip(self), ip("172.16.0.2")).with_udp(uint16_t(30000 + i), 9000).with_payload("x"));
      sendto(tx, f.data(), f.size(), 0, reinterpret_cast<sockaddr *>(&sll), sizeof sll);
      if (i % 200 == 199) std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    std::set<uint16_t> got;
    auto until = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    char frame[2048];
    while (int(got.size()) < kPerHost && std::chrono::steady_clock::now() < until) {
      pollfd p{rx, POLLIN, 0};
      if (poll(&p, 1, 100) <= 0) continue;
      ssize_t n;
      while ((n = recv(rx, frame, sizeof frame, MSG_DONTWAIT)) > 0) {
        Packet r = parse(std::string(frame, size_t(n)));
        if (r.ip4 && r.udp && r.ip4->dst == ip(self) && r.udp->sport == 9000) got.insert(r.udp->dport);
      }
    }
    *back = int(got.size());
    close(tx);
    close(rx);
  };
  std::atomic<int> back1{0}, back2{0};
  auto t0 = std::chrono::steady_clock::now();
  std::thread h1(run_host, "in1", "10.0.1.2", port_mac("p1"), &back1);
  std::thread h2(run_host, "in2", "10.0.2.2", port_mac("p3"), &back2);
  h1.join();
  h2.join();
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  stop = true;
  far.join();
  EXPECT_EQ(seen.size(), 2u * kPerHost) << "distinct external (address, port) seen by the far side";
  for (const auto &p : seen) EXPECT_EQ(host_of(p), "192.168.1.1");
  EXPECT_EQ(back1.load(), kPerHost) << "replies translated back to in1";
  EXPECT_EQ(back2.load(), kPerHost) << "replies translated back to in2";
  EXPECT_EQ(stats()["sessions"], 2 * kPerHost);
  std::printf("10,000 concurrent flows (two hosts, same source ports) in %.1f s\n", secs);
}

// A daemon restart (kill -9, then start) under a UDP stream: no datagram
// lost, and the flow keeps its external port (the sessions live in pinned
// maps the new daemon takes over).
TEST_F(NatE2E, DaemonRestartUnderTrafficLosesNothing) {
  topology();
  must("nat1 rule masquerade enable");
  UdpFlow flow(net.ns("in1"), net.ns("far"), "172.16.0.2", 7200, 2500, 1000);
  flow.start();
  std::this_thread::sleep_for(std::chrono::milliseconds(400));
  auto before = table();
  ASSERT_EQ(before.size(), 1u);
  pcnd.kill9();
  std::this_thread::sleep_for(std::chrono::milliseconds(400));
  ASSERT_TRUE(pcnd.start()) << "polycubed did not restart";
  EXPECT_EQ(table(), before) << "the session (and its external port) carried over";
  flow.finish();
  std::printf("NAT restart under traffic: sent %llu received %llu\n", (unsigned long long)flow.sent(),
              (unsigned long long)flow.received());
  EXPECT_GT(flow.sent(), 1000u);
  EXPECT_EQ(flow.received(), flow.sent());
  PeerEcho far_udp(net.ns("far"), 9000);
  EXPECT_EQ(host_of(ask_peer(net.ns("in1"), "172.16.0.2", 9000)), "192.168.1.1") << "new flows after the restart";
}

// Bad input gets 400 with a clear message and changes nothing.
TEST_F(NatE2E, BadInputIsRefusedAndChangesNothing) {
  topology();
  must("nat1 rule snat append internal-net=10.0.1.0/24 external-ip=192.168.1.100");
  must("nat1 rule port-forwarding append external-ip=192.168.1.200 external-port=8080 internal-ip=10.0.1.2 internal-port=80");
  must("nat add nat2");
  std::string before = pcnd.rest("GET", "?content=config").body;
  struct Case {
    const char *what, *path, *body, *needle;
  };
  const Case cases[] = {
      {"overlapping snat networks", "/nat:nat=nat1/rule/snat/append",
       R"({"nat:input":{"internal-net":"10.0.0.0/8","external-ip":"192.168.1.101"}})", "overlap"},
      {"host bits in a prefix", "/nat:nat=nat1/rule/snat/append",
       R"({"nat:input":{"internal-net":"10.0.3.1/24","external-ip":"192.168.1.101"}})", "10.0.3.0/24"},
      {"port 0", "/nat:nat=nat1/rule/port-forwarding/append",
       R"({"nat:input":{"external-ip":"192.168.1.200","external-port":0,"internal-ip":"10.0.1.2","internal-port":80}})", ""},
      {"port above 65535", "/nat:nat=nat1/rule/port-forwarding/append",
       R"({"nat:input":{"external-ip":"192.168.1.200","external-port":70000,"internal-ip":"10.0.1.2","internal-port":80}})", ""},
      {"a forwarded port twice", "/nat:nat=nat1/rule/port-forwarding/append",
       R"({"nat:input":{"external-ip":"192.168.1.200","external-port":8080,"internal-ip":"10.0.2.2","internal-port":81}})", "both forward"},
      {"not an IPv4 address", "/nat:nat=nat1/rule/dnat/append",
       R"({"nat:input":{"external-ip":"2001:db8::1","internal-ip":"10.0.1.2"}})", "IPv4"},
      {"a bad dotted quad", "/nat:nat=nat1/rule/dnat/append",
       R"({"nat:input":{"external-ip":"192.168.1.300","internal-ip":"10.0.1.2"}})", "IPv4"},
      {"masquerade on a NAT that is not attached", "/nat:nat=nat2/rule/masquerade/enable", R"({"nat:input":{}})",
       "not attached"},
  };
  for (const auto &c : cases) {
    RestReply r = pcnd.rest("POST", c.path, c.body);
    EXPECT_EQ(r.status, 400) << c.what << ": " << r.body;
    EXPECT_NE(r.body.find("ietf-restconf:errors"), std::string::npos) << c.what;
    if (*c.needle) {
      EXPECT_NE(r.body.find(c.needle), std::string::npos) << c.what << ": " << r.body;
    }
    EXPECT_EQ(pcnd.rest("GET", "?content=config").body, before) << c.what << " changed the configuration";
  }
  RestReply range = pcnd.rest("PATCH", "/nat:nat=nat1", R"({"nat:nat":[{"name":"nat1","port-range":"5000-4000"}]})");
  EXPECT_EQ(range.status, 400) << range.body;
  RestReply range2 = pcnd.rest("PATCH", "/nat:nat=nat1", R"({"nat:nat":[{"name":"nat1","port-range":"0-100"}]})");
  EXPECT_EQ(range2.status, 400) << range2.body;
  EXPECT_EQ(pcnd.rest("GET", "?content=config").body, before);
  // The same through pcn: exit status 1 and one line on stderr.
  PcnRun p = pcnd.pcn("nat1 rule snat append internal-net=10.0.0.0/8 external-ip=192.168.1.101");
  EXPECT_EQ(p.rc, 1);
  EXPECT_NE(p.err.find("overlap"), std::string::npos) << p.err;
  PcnRun q = pcnd.pcn("nat2 rule masquerade enable");
  EXPECT_EQ(q.rc, 1);
  EXPECT_NE(q.err.find("not attached"), std::string::npos) << q.err;
  EXPECT_EQ(pcnd.rest("GET", "?content=config").body, before);
  // And the NAT still works as configured.
  PeerEcho far_udp(net.ns("far"), 9000);
  EXPECT_EQ(host_of(ask_peer(net.ns("in1"), "172.16.0.2", 9000)), "192.168.1.100");
}

// Differential against Linux: the same topology, rules and flows, once
// with the router and the NAT cube, once with a Linux router namespace
// doing iptables SNAT / MASQUERADE / DNAT. The far side must see the same
// translations and the same flows must get through.
class NatVsIptables : public NatE2E {
 protected:
  // `a`:`ia` <-> `b`:`ib`, a veth pair between two namespaces.
  void link(const std::string &a, const std::string &ia, const std::string &b, const std::string &ib) {
    ASSERT_EQ(sh("ip -n " + net.ns(a) + " link add " + ia + " type veth peer name " + ib + " netns " + net.ns(b)), 0);
    net.in(a, "ip link set " + ia + " up");
    net.in(b, "ip link set " + ib + " up");
  }
  void ns(const std::string &name) {
    net.add_ns(name);
    net.in(name, "sysctl -qw net.ipv6.conf.all.disable_ipv6=1");
    net.in(name, "ip link set lo up");
  }
  // lin1, lin2 --- lr (Linux, iptables) --- lout --- lfar, addressed as the
  // pcn topology.
  void linux_topology() {
    for (const char *n : {"lin1", "lin2", "lin3", "lr", "lout", "lfar"}) ns(n);
    link("lr", "eth0", "lin1", "eth0");
    link("lr", "eth2", "lin2", "eth0");
    link("lr", "eth3", "lin3", "eth0");
    link("lr", "eth1", "lout", "eth0");
    link("lout", "eth1", "lfar", "eth0");
    auto addr = [&](const char *n, const char *ifc, const char *a) { net.in(n, std::string("ip addr add ") + a + " dev " + ifc); };
    addr("lin1", "eth0", "10.0.1.2/24");
    addr("lin2", "eth0", "10.0.2.2/24");
    addr("lin3", "eth0", "10.0.3.2/24");
    addr("lr", "eth3", "10.0.3.1/24");
    addr("lr", "eth0", "10.0.1.1/24");
    addr("lr", "eth2", "10.0.2.1/24");
    addr("lr", "eth1", "192.168.1.1/24");
    addr("lout", "eth0", "192.168.1.254/24");
    addr("lout", "eth1", "172.16.0.1/24");
    addr("lfar", "eth0", "172.16.0.2/24");
    net.in("lin1", "ip route add default via 10.0.1.1");
    net.in("lin2", "ip route add default via 10.0.2.1");
    net.in("lin3", "ip route add default via 10.0.3.1");
    net.in("lfar", "ip route add default via 172.16.0.1");
    net.in("lr", "ip route add 172.16.0.0/24 via 192.168.1.254");
    for (const char *n : {"lr", "lout"}) net.in(n, "sysctl -qw net.ipv4.ip_forward=1");
    std::string mac = net.in_out("lr", "cat /sys/class/net/eth1/address");
    for (const char *a : {"192.168.1.100", "192.168.1.200"})
      net.in("lout", std::string("ip neigh replace ") + a + " lladdr " + mac + " dev eth0");
    const char *rules[] = {
        "-t nat -A PREROUTING -i eth1 -d 192.168.1.200 -p tcp --dport 8080 -j DNAT --to-destination 10.0.1.2:80",
        "-t nat -A PREROUTING -i eth1 -d 192.168.1.200 -j DNAT --to-destination 10.0.2.2",
        "-t nat -A POSTROUTING -o eth1 -s 10.0.1.0/24 -j SNAT --to-source 192.168.1.100",
        "-t nat -A POSTROUTING -o eth1 -j MASQUERADE"};
    for (const char *r : rules) ASSERT_EQ(net.in("lr", std::string("iptables-legacy ") + r), 0) << r;
  }
  // The flows, from namespaces named by `p` ("" for pcn's, "l" for Linux's);
  // what the far side (or the inside server) saw and what got through.
  std::map<std::string, std::string> observe(const std::string &p) {
    std::map<std::string, std::string> seen;
    auto nsn = [&](const std::string &n) { return net.ns(p + n); };
    PeerEcho udp(nsn("far"), 9000), tcp(nsn("far"), 9001, true);
    PeerEcho in1_80(nsn("in1"), 80, true), in2_7000(nsn("in2"), 7000, true);
    auto cls = [&](const std::string &answer, uint16_t own) {
      if (answer.empty()) return std::string("unreachable");
      return host_of(answer) + (port_of(answer) == own ? " port kept" : " port remapped");
    };
    seen["udp in1 40001"] = cls(ask_peer(nsn("in1"), "172.16.0.2", 9000, false, 40001), 40001);
    seen["udp in2 40002"] = cls(ask_peer(nsn("in2"), "172.16.0.2", 9000, false, 40002), 40002);
    seen["tcp in1 40003"] = cls(ask_peer(nsn("in1"), "172.16.0.2", 9001, true, 40003), 40003);
    // Two masqueraded hosts, one source port: the second is remapped.
    seen["clash in2 40010"] = cls(ask_peer(nsn("in2"), "172.16.0.2", 9000, false, 40010), 40010);
    seen["clash in3 40010"] = cls(ask_peer(nsn("in3"), "172.16.0.2", 9000, false, 40010), 40010);
    seen["ping in1"] = net.in(p + "in1", "ping -c 1 -W 2 -q 172.16.0.2 >/dev/null") == 0 ? "reachable" : "unreachable";
    std::string pf = ask_peer(nsn("far"), "192.168.1.200", 8080, true);
    seen["inbound 200:8080"] = pf.empty() ? "unreachable" : "seen from " + host_of(pf) + " at in1:80";
    std::string dn = ask_peer(nsn("far"), "192.168.1.200", 7000, true);
    seen["inbound 200:7000"] = dn.empty() ? "unreachable" : "seen from " + host_of(dn) + " at in2:7000";
    seen["inbound 100:9000"] = ask_peer(nsn("far"), "192.168.1.100", 9000, false, 0, 800).empty() ? "unreachable" : "reachable";
    std::string tr = net.in_out(p + "in1", "traceroute -n -q 1 -w 2 -m 4 172.16.0.2 2>&1 | tail -n +3 | awk '{print $2}' | xargs");
    seen["traceroute in1 beyond the gateway"] = tr;
    return seen;
  }
};

TEST_F(NatVsIptables, SameTranslationsAndReachability) {
  topology();
  must("nat1 rule snat append internal-net=10.0.1.0/24 external-ip=192.168.1.100");
  must("nat1 rule masquerade enable");
  must("nat1 rule dnat append external-ip=192.168.1.200 internal-ip=10.0.2.2");
  must("nat1 rule port-forwarding append external-ip=192.168.1.200 external-port=8080 internal-ip=10.0.1.2 internal-port=80 proto=tcp");
  linux_topology();
  auto pcn = observe(""), lin = observe("l");
  EXPECT_EQ(pcn, lin);
  for (const auto &[flow, what] : pcn) std::printf("  %-34s pcn: %-28s linux: %s\n", flow.c_str(), what.c_str(), lin[flow].c_str());
  // And the expected ones, so that two identical failures cannot pass.
  EXPECT_EQ(pcn["udp in1 40001"], "192.168.1.100 port kept");
  EXPECT_EQ(pcn["udp in2 40002"], "192.168.1.1 port kept");
  EXPECT_EQ(pcn["clash in3 40010"], "192.168.1.1 port remapped");
  EXPECT_EQ(pcn["inbound 200:8080"], "seen from 172.16.0.2 at in1:80");
  EXPECT_EQ(pcn["inbound 200:7000"], "seen from 172.16.0.2 at in2:7000");
  EXPECT_EQ(pcn["inbound 100:9000"], "unreachable");
  EXPECT_EQ(pcn["ping in1"], "reachable");
}

}  // namespace
