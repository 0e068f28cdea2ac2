#include "flood.h"

#include <fcntl.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <sched.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <thread>

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

uint64_t rx_packets(pcntest::TestNet &net, const std::string &ns, const std::string &ifname) {
  return std::strtoull(net.in_out(ns, "cat /sys/class/net/" + ifname + "/statistics/rx_packets").c_str(), nullptr, 10);
}

}  // namespace pcnbench
