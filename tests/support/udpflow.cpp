#include "udpflow.h"

#include "testnet.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <stdexcept>

namespace pcntest {

UdpFlow::UdpFlow(const std::string &src_ns, const std::string &dst_ns, const std::string &dst_ip, uint16_t port,
                 uint64_t count, unsigned gap_us)
    : src_ns_(src_ns), dst_ns_(dst_ns), dst_ip_(dst_ip), port_(port), count_(count), gap_us_(gap_us) {}

UdpFlow::~UdpFlow() {
  stop_ = true;
  if (tx_.joinable()) tx_.join();
  if (rx_.joinable()) rx_.join();
}

void UdpFlow::start() {
  rx_ = std::thread([this] {
    enter_netns(dst_ns_);
    int s = socket(AF_INET, SOCK_DGRAM, 0);
    int buf = 8 << 20;
    setsockopt(s, SOL_SOCKET, SO_RCVBUFFORCE, &buf, sizeof(buf));
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port_);
    inet_pton(AF_INET, dst_ip_.c_str(), &a.sin_addr);
    bind(s, reinterpret_cast<sockaddr *>(&a), sizeof(a));
    ready_ = true;
    char data[2048];
    while (!stop_) {
      pollfd p{s, POLLIN, 0};
      if (poll(&p, 1, 50) > 0)
        while (recv(s, data, sizeof(data), MSG_DONTWAIT) > 0) received_++;
    }
    close(s);
  });
  while (!ready_) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  tx_ = std::thread([this] {
    enter_netns(src_ns_);
    int s = socket(AF_INET, SOCK_DGRAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port_);
    inet_pton(AF_INET, dst_ip_.c_str(), &a.sin_addr);
    char payload[64] = "polycube";
    auto next = std::chrono::steady_clock::now();
    for (uint64_t i = 0; i < count_ && !stop_ && !stop_tx_; i++) {
      if (sendto(s, payload, sizeof(payload), 0, reinterpret_cast<sockaddr *>(&a), sizeof(a)) == sizeof(payload))
        sent_++;
      next += std::chrono::microseconds(gap_us_);
      std::this_thread::sleep_until(next);
    }
    close(s);
    done_sending_ = true;
  });
}

void UdpFlow::finish(unsigned drain_ms) {
  if (tx_.joinable()) tx_.join();
  auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(drain_ms);
  while (received_ < sent_ && std::chrono::steady_clock::now() < until)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  stop_ = true;
  if (rx_.joinable()) rx_.join();
}

}  // namespace pcntest
