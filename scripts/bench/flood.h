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

}  // namespace pcnbench
