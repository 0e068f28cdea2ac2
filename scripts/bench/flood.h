// The packet generator every pps benchmark uses: AF_PACKET sendmmsg with
// PACKET_QDISC_BYPASS from an interface inside a network namespace, one
// core, as fast as the kernel takes the frames.
#pragma once

#include <csignal>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace pcntest {
class TestNet;
}
namespace polycube {
struct EmbeddedObject;
}

namespace pcnbench {

// Sends `frames` round-robin (64 a system call) out of `ifname` in netns
// `ns` for `seconds`, or until *stop becomes non-zero; returns how many
// the kernel accepted.
uint64_t flood(const std::string &ns, const std::vector<std::string> &frames, double seconds,
               const volatile sig_atomic_t *stop = nullptr, const std::string &ifname = "eth0");

// New TCP connections/s from namespace `client_ns` (full name) to
// `dst`:`port` for `seconds`: two client threads connect and close with a
// RST (no TIME_WAIT); a server in `server_ns` listening on 0.0.0.0:`port`
// accepts and closes. Counts the connects that succeeded.
double tcp_connect_rate(const std::string &client_ns, const std::string &server_ns, const std::string &dst,
                        uint16_t port, double seconds);

// Packets received so far by `ifname` in namespace `ns` (short name) of `net`.
uint64_t rx_packets(pcntest::TestNet &net, const std::string &ns, const std::string &ifname = "eth0");

// Frames/s the generator sent and frames/s the receiver got.
struct Rate {
  double sent, rx;
};
// Floods `frames` from eth0 of namespace `sender` for 0.3 s (a warm-up
// that opens their flows: sessions, learned addresses), then for `seconds`,
// counting what eth0 of `receiver` (short names of `net`) got meanwhile.
Rate flood_and_count(pcntest::TestNet &net, const std::string &sender, const std::string &receiver,
                     const std::vector<std::string> &frames, double seconds);

// Runs `measure` while eth0 of namespace `ns` (short name) drops what
// arrives at its tc ingress with program `bench_sink` of `sink` (a build
// of router_sink.bpf.c): the receiver's stack is out of the figure.
Rate with_tc_sink(pcntest::TestNet &net, const std::string &ns, const polycube::EmbeddedObject &sink,
                  const std::function<Rate()> &measure);

// ---- Added cost over the bare path ----------------------------------
//
// A whole-path rate (generator, veths, function, receiver) says little
// about the function: the generator and the receiving stack dominate it.
// So every pps benchmark also measures, in the same run, the bare path:
// the same generator and the same receiver across one plain veth pair
// joining two namespaces directly, and prints
//   added ns/packet = 1e9 / pps - 1e9 / pps_bare
// for ours and for Linux, and ours_added / linux_added.
//
// Why subtraction is valid: with AF_PACKET + PACKET_QDISC_BYPASS the
// sender's sendmmsg() hands each frame to veth_xmit(), which queues it on
// the sending CPU's backlog (no RPS, no NAPI on these veths); the softirq
// that runs when the transmit path re-enables bottom halves carries it on
// the same CPU through the peer's TC/XDP hooks, the function (bridge,
// router, Linux forwarding), the next veth and the receiver. One CPU does
// the whole path serially, so time per packet is a sum of stage costs and
// 1/pps - 1/pps_bare is the stages the bare path lacks. Checked with
// scripts/bench/added_cost_check.sh (perf stat per CPU of
// net:netif_receive_skb and NET_RX softirqs while the bridge benchmark,
// pinned to CPU 0, floods): 100% of both on CPU 0 (2026-12-03). An
// unpinned generator may move between CPUs, but each batch's receive work
// follows it. Where it fails: when softirq work is deferred to
// ksoftirqd (sustained overload), the generator can run on the other CPU
// in parallel with it and the path becomes a two-stage pipeline, whose
// rate is bounded by the slower stage, not the sum; the XDP live-frames
// generator (xdp_flood.h) with gro on gives the receiving veth a NAPI,
// likewise on the generating CPU. What "added" contains besides the
// function: the second veth crossing (the function sits between two veth
// pairs, the bare path has one) — the same for ours and for Linux, so it
// inflates both added costs alike and pushes their ratio towards 1.
//
// The bare path's receiving namespace is set up like the benchmark's:
struct BareReceiver {
  std::string cidr;  // address of its eth0 ("" none): the stack handles the frames alike
  std::string mac;   // MAC of its eth0 (the frames' destination); "" random
  const polycube::EmbeddedObject *sink = nullptr;  // with_tc_sink's program, when the benchmark's receiver drops there
  bool gro = false;  // `ethtool -K eth0 gro on` (the XDP generator's frames need it)
};
// Runs `measure(sender, receiver)` twice (short names of `net`, both with an
// eth0 at either end of one veth pair; fresh namespaces every call) and
// returns the better rate (a floor: load only slows a run). `measure` calls the benchmark's own generator with
// the frames as the benchmark's receiver gets them.
Rate bare_path(pcntest::TestNet &net, const BareReceiver &receiver,
               const std::function<Rate(const std::string &sender, const std::string &receiver)> &measure);
// 1e9/pps - 1e9/bare_pps (0 when either is 0).
double added_ns(double pps, double bare_pps);
// One row: the bare path's rate and ns/packet.
void print_bare_row(const std::string &what, double bare_pps);
// One row: whole-path pps and ns/packet, ns/packet added over the bare
// path, and, when linux_pps > 0, the ratio ours_added / linux_added.
void print_added_row(const std::string &what, double pps, double bare_pps, double linux_pps = 0);

}  // namespace pcnbench
