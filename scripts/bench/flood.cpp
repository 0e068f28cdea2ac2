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
#include <cstdlib>
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

}  // namespace pcnbench
