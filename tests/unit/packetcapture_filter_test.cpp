// packetcapture's filters: tcpdump expressions compiled by libpcap to
// classic BPF and translated to eBPF (cbpf_to_ebpf) must give, on every
// test packet, the verdict libpcap's own interpreter gives
// (pcap_offline_filter). The translated program runs in the kernel with
// BPF_PROG_TEST_RUN, as TC and as XDP.
#include <bpf/bpf.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include "cbpf_to_ebpf.h"
#include "packet.h"
#include "pcap_filter.h"
#include "pcap_reference.h"
#include "polycube/error.h"
#include "progrun.h"

using namespace polycube;
using namespace polycube::services;
using namespace pcntest;

namespace {

const Mac kA = mac("02:00:00:00:00:01"), kB = mac("02:00:00:00:00:02"), kBcast = mac("ff:ff:ff:ff:ff:ff");

// A mix of what crosses a network: each family, ports, flags, fragments,
// options, VLAN tags, payloads that content filters look at.
std::vector<std::pair<std::string, std::string>> test_frames() {
  std::vector<std::pair<std::string, std::string>> f;
  auto add = [&](const std::string &what, const Packet &p) { f.emplace_back(what, build(p)); };
  add("tcp syn 10.0.0.1:40000 -> 10.0.0.2:80", Packet().eth(kB, kA).ipv4(ip("10.0.0.1"), ip("10.0.0.2")).with_tcp(40000, 80));
  add("tcp syn-ack 10.0.0.2:80 -> 10.0.0.1:40000",
      Packet().eth(kA, kB).ipv4(ip("10.0.0.2"), ip("10.0.0.1")).with_tcp(80, 40000, 0x12));
  add("tcp GET", Packet().eth(kB, kA).ipv4(ip("10.0.0.1"), ip("10.0.0.2")).with_tcp(40000, 80, 0x18)
                     .with_payload("GET / HTTP/1.1\r\nHost: x\r\n\r\n"));
  add("tcp 443 ttl 5", Packet().eth(kB, kA).ipv4(ip("192.168.0.7"), ip("10.1.2.3"), 5).with_tcp(50000, 443, 0x10));
  add("tcp 22", Packet().eth(kB, kA).ipv4(ip("10.0.0.1"), ip("10.0.0.9")).with_tcp(5555, 22, 0x18).with_payload(std::string(300, 'x')));
  add("udp dns", Packet().eth(kB, kA).ipv4(ip("10.0.0.1"), ip("8.8.8.8")).with_udp(33333, 53).with_payload(std::string(40, 'q')));
  add("udp 1500", Packet().eth(kA, kB).ipv4(ip("10.1.0.5"), ip("10.0.0.1")).with_udp(1500, 2500).with_payload(std::string(1000, 'u')));
  add("icmp echo", Packet().eth(kB, kA).ipv4(ip("10.0.0.1"), ip("10.0.0.2")).with_icmp(8, 0, 7, 1).with_payload("ping"));
  add("icmp reply", Packet().eth(kA, kB).ipv4(ip("10.0.0.2"), ip("10.0.0.1")).with_icmp(0, 0, 7, 1).with_payload("ping"));
  {
    Packet p = Packet().eth(kB, kA).ipv4(ip("10.0.0.1"), ip("10.0.0.2")).with_udp(1000, 2000).with_payload(std::string(64, 'f'));
    p.ip4->mf = true;  // first fragment
    add("udp first fragment", p);
    Packet q = Packet().eth(kB, kA).ipv4(ip("10.0.0.1"), ip("10.0.0.2"));
    q.ip4->proto = 17;
    q.ip4->frag_offset = 9;
    q.payload = std::string(40, 'g');
    add("later fragment", q);
  }
  {
    Packet p = Packet().eth(kB, kA).ipv4(ip("10.0.0.1"), ip("10.0.0.2")).with_tcp(1234, 80);
    p.ip4->options = std::string("\x01\x01\x01\x01\x94\x04\x00\x00", 8);  // NOPs, router alert
    add("tcp with ip options", p);
  }
  add("vlan 10 tcp 80", Packet().eth(kB, kA).vlan(10).ipv4(ip("10.0.0.1"), ip("10.0.0.2")).with_tcp(40000, 80));
  add("vlan 20 udp", Packet().eth(kB, kA).vlan(20).ipv4(ip("10.0.0.3"), ip("10.0.0.4")).with_udp(1, 2));
  add("ipv6 tcp 443", Packet().eth(kB, kA).ipv6(ip6("2001:db8::1"), ip6("2001:db8::2")).with_tcp(40000, 443));
  add("ipv6 udp", Packet().eth(kB, kA).ipv6(ip6("fe80::1"), ip6("ff02::1")).with_udp(546, 547));
  add("icmpv6 echo", Packet().eth(kB, kA).ipv6(ip6("2001:db8::1"), ip6("2001:db8::2")).with_icmp(128, 0, 1, 1));
  {
    Packet p = Packet().eth(kBcast, kA);
    p.ethertype = 0x0806;  // ARP request, who-has 10.0.0.2 tell 10.0.0.1
    p.payload = std::string("\x00\x01\x08\x00\x06\x04\x00\x01\x02\x00\x00\x00\x00\x01\x0a\x00\x00\x01"
                            "\x00\x00\x00\x00\x00\x00\x0a\x00\x00\x02", 28);
    add("arp request", p);
  }
  {
    Packet p = Packet().eth(kB, kA).ipv4(ip("10.0.0.1"), ip("10.0.0.2"));
    p.ip4->proto = 47;  // GRE, opaque here
    p.payload = std::string(24, '\0');
    add("gre", p);
  }
  add("multicast udp", Packet().eth(mac("01:00:5e:00:00:fb"), kA).ipv4(ip("10.0.0.1"), ip("224.0.0.251")).with_udp(5353, 5353));
  {
    // Loads past the end reject. (A TC test run refuses a frame cut inside
    // its IPv4 header, so the cut is in the TCP header.)
    Packet p = Packet().eth(kB, kA).ipv4(ip("10.0.0.1"), ip("10.0.0.2"));
    p.ip4->proto = 6;
    p.payload = std::string("\x9c\x40\x00\x50", 4);  // ports 40000 -> 80, then nothing
    add("truncated tcp header", p);
  }
  return f;
}

// At least 30 expressions, covering every classic instruction libpcap emits:
// absolute, indirect and MSH loads, length, every ALU operation with a
// constant and with X, scratch memory, and each jump.
const std::vector<std::string> kExpressions = {
    "",
    "tcp",
    "udp",
    "icmp",
    "ip",
    "ip6",
    "arp",
    "tcp port 80",
    "tcp dst port 80",
    "udp src port 53 or udp dst port 53",
    "host 10.0.0.1",
    "src host 10.0.0.1",
    "dst net 10.1.0.0/16",
    "net 192.168.0.0/24",
    "tcp port 80 and host 10.0.0.1",
    "not tcp",
    "tcp or udp",
    "portrange 1000-2000",
    "less 100",
    "greater 200",
    "ip[8] < 64",
    "tcp[tcpflags] & tcp-syn != 0",
    "tcp[tcpflags] & (tcp-syn|tcp-ack) == tcp-syn",
    "icmp[icmptype] == icmp-echo",
    "ether host 02:00:00:00:00:01",
    "ether broadcast",
    "ether proto 0x0806",
    "vlan 10",
    "vlan and udp",
    "ip6 and tcp port 443",
    "icmp6",
    "ip6 dst host ff02::1",
    "ip host 10.0.0.1 and not port 22",
    "ip[6:2] & 0x1fff != 0",
    "ip multicast",
    "tcp[13] = 18",
    "len > 100 and len < 500",
    "ip[0] & 0xf != 5",
    "tcp[((tcp[12:1] & 0xf0) >> 2):4] = 0x47455420",
    "ip[2:2] - ((ip[0] & 0xf) << 2) > 40",
    "ip[2:2] / 3 > 20",
    "ip[2:2] % 7 = 3",
    "ip[8] * 3 > 150",
    "(ip[1] ^ 0xff) = 0xff",
    "ip[2:2] >> ip[9] != 0",
    "ip[2:2] << (ip[8] & 0x3) > 300",
    "(ip[2:2] | 1) & 1 = 1",
    "ip[2:2] - ip[8] > ip[9] * 2",
    "proto 47",
    "ip[2:2] / (ip[8] - 64) > 0",
};

int load_filter(const std::string &expression, Mode mode) {
  std::vector<bpf_insn> prog = cbpf_to_ebpf(compile_filter(expression), mode, FilterExit{});
  std::string log(1 << 20, '\0');
  LIBBPF_OPTS(bpf_prog_load_opts, opts, .log_level = 1, .log_size = static_cast<uint32_t>(log.size()), .log_buf = log.data());
  if (is_xdp(mode)) opts.expected_attach_type = BPF_XDP;
  int fd = bpf_prog_load(is_xdp(mode) ? BPF_PROG_TYPE_XDP : BPF_PROG_TYPE_SCHED_CLS, "pc_filter_test", "GPL", prog.data(),
                         prog.size(), &opts);
  if (fd < 0) ADD_FAILURE() << "the kernel refuses '" << expression << "':\n" << log.c_str();
  return fd;
}

class FilterTranslation : public ::testing::TestWithParam<Mode> {};

TEST_P(FilterTranslation, VerdictsMatchLibpcapOnEveryTestPacket) {
  ASSERT_GE(kExpressions.size(), 30u);
  auto frames = test_frames();
  size_t matches = 0, checked = 0;
  for (const auto &expr : kExpressions) {
    PcapReference reference(expr);
    int fd = load_filter(expr, GetParam());
    ASSERT_GE(fd, 0);
    for (const auto &[what, frame] : frames) {
      uint32_t want = reference.verdict(frame);
      uint32_t got = 0;
      try {
        got = run_prog(fd, GetParam(), 1, frame).verdict;
      } catch (const std::exception &e) {
        ADD_FAILURE() << "'" << expr << "' on " << what << " (" << frame.size() << " bytes): " << e.what();
        continue;
      }
      EXPECT_EQ(got, want) << "'" << expr << "' on " << what;
      matches += want != 0;
      checked++;
    }
    close(fd);
  }
  // The table discriminates: neither everything nor nothing matches.
  EXPECT_GT(matches, checked / 10);
  EXPECT_LT(matches, checked * 9 / 10);
}

INSTANTIATE_TEST_SUITE_P(Modes, FilterTranslation, ::testing::Values(Mode::kTc, Mode::kXdpSkb),
                         [](const auto &i) { return std::string(i.param == Mode::kTc ? "Tc" : "Xdp"); });

TEST(FilterCompile, InvalidExpressionIsRefusedWithLibpcapsMessage) {
  try {
    compile_filter("tcp port eighty");
    FAIL() << "accepted";
  } catch (const Error &e) {
    EXPECT_EQ(e.code(), ErrorCode::kInvalid);
    EXPECT_NE(std::string(e.what()).find("tcp port eighty"), std::string::npos) << e.what();
  }
  EXPECT_THROW(compile_filter("host 999.1.1.1"), Error);
  EXPECT_THROW(compile_filter("and"), Error);
}

TEST(FilterTranslate, RefusesJumpsOutOfTheProgram) {
  std::vector<CbpfInsn> bad = {{0x05, 0, 0, 5}, {0x06, 0, 0, 1}};  // ja +5 past the end
  EXPECT_THROW(cbpf_to_ebpf(bad, Mode::kTc, FilterExit{}), Error);
  std::vector<CbpfInsn> unknown = {{0xff, 0, 0, 0}};
  EXPECT_THROW(cbpf_to_ebpf(unknown, Mode::kTc, FilterExit{}), Error);
}

}  // namespace
