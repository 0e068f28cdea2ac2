#include "rawsend.h"

#include "testnet.h"

#include <fcntl.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <sched.h>
#include <sys/socket.h>
#include <unistd.h>

#include <thread>

namespace pcntest {

int send_frames(const std::string &ns, const std::string &frame, int count, const std::string &ifname) {
  int sent = 0;
  std::thread t([&] {
    try {
      enter_netns(ns);
    } catch (const std::exception &) {
      return;
    }
    int s = socket(AF_PACKET, SOCK_RAW, 0);
    if (s < 0) return;
    sockaddr_ll sll{};
    sll.sll_family = AF_PACKET;
    sll.sll_ifindex = static_cast<int>(if_nametoindex(ifname.c_str()));
    sll.sll_halen = ETH_ALEN;
    for (int i = 0; i < count; i++)
      if (sendto(s, frame.data(), frame.size(), 0, reinterpret_cast<sockaddr *>(&sll), sizeof(sll)) ==
          static_cast<ssize_t>(frame.size()))
        sent++;
    close(s);
  });
  t.join();
  return sent;
}

}  // namespace pcntest
