#include "flood.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <sched.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <stdexcept>
#include <thread>

#include "polycube/bpf_loader.h"
#include "polycube/netdev.h"
#include "testnet.h"

namespace pcnbench {

uint64_t flood(const std::string &ns, const std::vector<std::string> &frames, double seconds,
               const volatile sig_atomic_t *stop, const std::string &ifname) {
  uint64_t sent = 0;
  if (frames.empty()) return 0;
  // A thread of its own: setns() changes the calling thread's namespace.
  std::thread t([&] {
    int nsfd = open(("/var/run/netns/" + ns).c_str(), O_RDONLY);
    if (nsfd < 0 || setns(nsfd, CLONE_NEWNET) != 0) {
      if (nsfd >= 0) close(nsfd);
      return;
    }
    close(nsfd);
    int s = socket(AF_PACKET, SOCK_RAW, 0);
    if (s < 0) return;
    int one = 1;
    setsockopt(s, SOL_PACKET, PACKET_QDISC_BYPASS, &one, sizeof(one));
    sockaddr_ll sll{};
    sll.sll_family = AF_PACKET;
    sll.sll_ifindex = static_cast<int>(if_nametoindex(ifname.c_str()));
    sll.sll_halen = ETH_ALEN;
    const int kBatch = 64;
    iovec iov[kBatch];
    mmsghdr msgs[kBatch]{};
    for (int i = 0; i < kBatch; i++) {
      msgs[i].msg_hdr.msg_iov = &iov[i];
      msgs[i].msg_hdr.msg_iovlen = 1;
      msgs[i].msg_hdr.msg_name = &sll;
      msgs[i].msg_hdr.msg_namelen = sizeof(sll);
    }
    size_t next = 0;
    auto end = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
    while (!(stop && *stop) && std::chrono::steady_clock::now() < end) {
      for (int i = 0; i < kBatch; i++, next = (next + 1) % frames.size())
        iov[i] = {const_cast<char *>(frames[next].data()), frames[next].size()};
      int n = sendmmsg(s, msgs, kBatch, 0);
      if (n > 0) sent += n;
    }
    close(s);
  });
  t.join();
  return sent;
}

double tcp_connect_rate(const std::string &client_ns, const std::string &server_ns, const std::string &dst,
                        uint16_t port, double seconds) {
  std::atomic<bool> stop{false}, ready{false};
  std::thread server([&] {
    pcntest::enter_netns(server_ns);
    int s = socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    bind(s, reinterpret_cast<sockaddr *>(&a), sizeof a);
    listen(s, 4096);
    ready = true;
    while (!stop) {
      pollfd p{s, POLLIN, 0};
      if (poll(&p, 1, 50) <= 0) continue;
      int c = accept(s, nullptr, nullptr);
      if (c >= 0) close(c);
    }
    close(s);
  });
  while (!ready) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  std::atomic<uint64_t> done{0};
  auto client = [&] {
    pcntest::enter_netns(client_ns);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    inet_pton(AF_INET, dst.c_str(), &a.sin_addr);
    linger lg{1, 0};
    auto until = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
    while (std::chrono::steady_clock::now() < until) {
      int c = socket(AF_INET, SOCK_STREAM, 0);
      setsockopt(c, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
      timeval tv{1, 0};
      setsockopt(c, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
      if (connect(c, reinterpret_cast<sockaddr *>(&a), sizeof a) == 0) done++;
      close(c);
    }
  };
  std::thread c1(client), c2(client);
  c1.join();
  c2.join();
  stop = true;
  server.join();
  return done / seconds;
}

uint64_t rx_packets(pcntest::TestNet &net, const std::string &ns, const std::string &ifname) {
  return std::strtoull(net.in_out(ns, "cat /sys/class/net/" + ifname + "/statistics/rx_packets").c_str(), nullptr, 10);
}

Rate flood_and_count(pcntest::TestNet &net, const std::string &sender, const std::string &receiver,
                     const std::vector<std::string> &frames, double seconds) {
  flood(net.ns(sender), frames, 0.3);
  uint64_t before = rx_packets(net, receiver);
  uint64_t sent = flood(net.ns(sender), frames, seconds);
  std::this_thread::sleep_for(std::chrono::milliseconds(200));  // what is still in flight
  uint64_t got = rx_packets(net, receiver) - before;
  return {sent / seconds, got / seconds};
}

Rate with_tc_sink(pcntest::TestNet &net, const std::string &ns, const polycube::EmbeddedObject &sink,
                  const std::function<Rate()> &measure) {
  polycube::LoadSpec spec;
  auto obj = polycube::load_object(sink, spec);
  std::thread t([&] {  // attached from inside the namespace
    pcntest::enter_netns(net.ns(ns));
    polycube::tc_attach(if_nametoindex("eth0"), false, obj->prog_fd("bench_sink"));
  });
  t.join();
  Rate r = measure();
  net.in(ns, "tc qdisc del dev eth0 clsact");
  return r;
}

Rate bare_path(pcntest::TestNet &net, const BareReceiver &receiver,
               const std::function<Rate(const std::string &sender, const std::string &receiver)> &measure) {
  const std::string s = "bare_s", r = "bare_r";
  net.add_ns(s);
  net.add_ns(r);
  // Created in place: nothing of it is left in the root namespace, and
  // deleting the namespaces (TestNet's destructor) deletes the pair.
  if (pcntest::sh("ip link add eth0 netns " + net.ns(s) + " type veth peer name eth0 netns " + net.ns(r)) != 0)
    throw std::runtime_error("bare path: cannot create the veth pair");
  net.in(s, "ip link set eth0 up");
  if (!receiver.mac.empty()) net.in(r, "ip link set eth0 address " + receiver.mac);
  if (!receiver.cidr.empty()) net.in(r, "ip addr add " + receiver.cidr + " dev eth0");
  net.in(r, "ip link set eth0 up");
  if (receiver.gro) net.in(r, "ethtool -K eth0 gro on >/dev/null");
  // Best of two: the bare path is a floor, and a loaded machine only
  // ever makes a run slower.
  auto run = [&] {
    Rate a = measure(s, r), b = measure(s, r);
    return a.rx >= b.rx ? a : b;
  };
  return receiver.sink ? with_tc_sink(net, r, *receiver.sink, run) : run();
}

double added_ns(double pps, double bare_pps) { return pps > 0 && bare_pps > 0 ? 1e9 / pps - 1e9 / bare_pps : 0; }

void print_bare_row(const std::string &what, double bare_pps) {
  std::printf("%-44s %10.0f pps %7.1f ns/pkt  (bare path: nothing added)\n", what.c_str(), bare_pps,
              bare_pps > 0 ? 1e9 / bare_pps : 0.0);
}

void print_added_row(const std::string &what, double pps, double bare_pps, double linux_pps) {
  std::printf("%-44s %10.0f pps %7.1f ns/pkt  added %7.1f ns/pkt", what.c_str(), pps, pps > 0 ? 1e9 / pps : 0.0,
              added_ns(pps, bare_pps));
  if (linux_pps > 0) {
    double ours = added_ns(pps, bare_pps), lin = added_ns(linux_pps, bare_pps);
    if (lin > 0)
      std::printf("  added ratio vs Linux %.2f", ours / lin);
    else
      std::printf("  added ratio vs Linux n/a (Linux adds nothing measurable)");
  }
  std::printf("\n");
}

}  // namespace pcnbench
