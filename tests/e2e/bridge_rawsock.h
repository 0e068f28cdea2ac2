// Raw Ethernet I/O inside a test namespace, for VLAN tests on a kernel
// without the 8021q module: tagged frames are written byte for byte with an
// AF_PACKET socket, and received frames get their 802.1Q tag back in the
// bytes when the kernel had moved it into the skb (PACKET_AUXDATA).
#pragma once

#include <arpa/inet.h>
#include <fcntl.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <sched.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "packet.h"

namespace brtest {

// EtherType of our test frames (IEEE local experimental).
constexpr uint16_t kTestEtherType = 0x88b5;

class RawSocket {
 public:
  // An AF_PACKET socket on `ifname` inside netns `ns` (its full name). The
  // socket keeps that namespace after the helper thread that opened it ends.
  RawSocket(const std::string &ns, const std::string &ifname) {
    std::string err;
    std::thread t([&] {
      int nsfd = open(("/var/run/netns/" + ns).c_str(), O_RDONLY);
      if (nsfd < 0 || setns(nsfd, CLONE_NEWNET) != 0) {
        err = "cannot enter " + ns;
        if (nsfd >= 0) close(nsfd);
        return;
      }
      close(nsfd);
      fd_ = socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK, htons(ETH_P_ALL));
      ifindex_ = if_nametoindex(ifname.c_str());
      if (fd_ < 0 || !ifindex_) {
        err = "cannot open a raw socket on " + ifname;
        return;
      }
      sockaddr_ll sll{};
      sll.sll_family = AF_PACKET;
      sll.sll_protocol = htons(ETH_P_ALL);
      sll.sll_ifindex = static_cast<int>(ifindex_);
      int one = 1;
      if (bind(fd_, reinterpret_cast<sockaddr *>(&sll), sizeof(sll)) != 0 ||
          setsockopt(fd_, SOL_PACKET, PACKET_AUXDATA, &one, sizeof(one)) != 0)
        err = "cannot bind the raw socket on " + ifname;
    });
    t.join();
    if (!err.empty()) {
      if (fd_ >= 0) close(fd_);
      throw std::runtime_error(err);
    }
  }
  ~RawSocket() {
    if (fd_ >= 0) close(fd_);
  }
  RawSocket(const RawSocket &) = delete;
  RawSocket &operator=(const RawSocket &) = delete;

  void send(const std::string &frame) {
    sockaddr_ll sll{};
    sll.sll_family = AF_PACKET;
    sll.sll_ifindex = static_cast<int>(ifindex_);
    sll.sll_halen = ETH_ALEN;
    std::memcpy(sll.sll_addr, frame.data(), ETH_ALEN);
    if (sendto(fd_, frame.data(), frame.size(), 0, reinterpret_cast<sockaddr *>(&sll), sizeof(sll)) !=
        static_cast<ssize_t>(frame.size()))
      throw std::runtime_error("raw send failed");
  }

  // Every frame received so far (not those we sent), with the tag in the
  // bytes, keeping only test frames (EtherType kTestEtherType, tagged or not).
  std::vector<std::string> drain() {
    std::vector<std::string> out;
    for (;;) {
      char buf[2048];
      char cbuf[CMSG_SPACE(sizeof(tpacket_auxdata))];
      sockaddr_ll from{};
      iovec iov{buf, sizeof(buf)};
      msghdr msg{};
      msg.msg_name = &from;
      msg.msg_namelen = sizeof(from);
      msg.msg_iov = &iov;
      msg.msg_iovlen = 1;
      msg.msg_control = cbuf;
      msg.msg_controllen = sizeof(cbuf);
      ssize_t n = recvmsg(fd_, &msg, 0);
      if (n < 0) break;
      if (from.sll_pkttype == PACKET_OUTGOING || n < 14) continue;
      std::string f(buf, static_cast<size_t>(n));
      for (cmsghdr *c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
        if (c->cmsg_level != SOL_PACKET || c->cmsg_type != PACKET_AUXDATA) continue;
        tpacket_auxdata aux;
        std::memcpy(&aux, CMSG_DATA(c), sizeof(aux));
        if (aux.tp_status & TP_STATUS_VLAN_VALID) {
          uint16_t tpid = (aux.tp_status & TP_STATUS_VLAN_TPID_VALID) ? aux.tp_vlan_tpid : 0x8100;
          uint16_t tci = aux.tp_vlan_tci;
          std::string tag = {static_cast<char>(tpid >> 8), static_cast<char>(tpid & 0xff), static_cast<char>(tci >> 8),
                             static_cast<char>(tci & 0xff)};
          f.insert(12, tag);
        }
      }
      if (ethertype(f) == kTestEtherType) out.push_back(f);
    }
    return out;
  }

  // EtherType after an optional 802.1Q tag.
  static uint16_t ethertype(const std::string &f) {
    size_t at = vlan_of(f) ? 16 : 12;
    if (f.size() < at + 2) return 0;
    return static_cast<uint16_t>((static_cast<uint8_t>(f[at]) << 8) | static_cast<uint8_t>(f[at + 1]));
  }
  // The VLAN id of a tagged frame, 0 if untagged.
  static uint16_t vlan_of(const std::string &f) {
    if (f.size() < 18 || static_cast<uint8_t>(f[12]) != 0x81 || f[13] != 0) return 0;
    return static_cast<uint16_t>(((static_cast<uint8_t>(f[14]) << 8) | static_cast<uint8_t>(f[15])) & 0x0fff);
  }

 private:
  int fd_ = -1;
  unsigned ifindex_ = 0;
};

// A test frame: dst, src (colon form), an 802.1Q tag when vlan != 0, our
// EtherType and `payload`, padded to 60 bytes.
inline std::string test_frame(const std::string &dst, const std::string &src, uint16_t vlan,
                              const std::string &payload) {
  pcntest::Packet p;
  p.eth(pcntest::mac(dst), pcntest::mac(src)).with_payload(payload);
  if (vlan) p.vlan(vlan);
  p.ethertype = kTestEtherType;
  p.min_size = 60;
  return pcntest::build(p);
}

// The payload of a test frame (up to the first NUL of the padding).
inline std::string payload_of(const std::string &f) {
  size_t at = RawSocket::vlan_of(f) ? 18 : 14;
  if (f.size() < at) return "";
  std::string p = f.substr(at);
  return p.substr(0, p.find('\0'));
}

}  // namespace brtest
