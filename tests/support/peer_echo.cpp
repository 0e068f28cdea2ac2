#include "peer_echo.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <stdexcept>

#include "testnet.h"

namespace pcntest {

namespace {

std::string peer_of(const sockaddr_in &a) {
  char buf[INET_ADDRSTRLEN];
  inet_ntop(AF_INET, &a.sin_addr, buf, sizeof buf);
  return std::string(buf) + ":" + std::to_string(ntohs(a.sin_port));
}

sockaddr_in address(const std::string &ip, uint16_t port) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  if (inet_pton(AF_INET, ip.c_str(), &a.sin_addr) != 1) throw std::invalid_argument("bad address " + ip);
  return a;
}

}  // namespace

PeerEcho::PeerEcho(const std::string &ns, uint16_t port, bool tcp) : tcp_(tcp) {
  thread_ = std::thread([this, ns, port] {
    int s = -1;
    try {
      enter_netns(ns);
      s = socket(AF_INET, tcp_ ? SOCK_STREAM : SOCK_DGRAM, 0);
      int one = 1;
      setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
      int buf = 8 << 20;
      setsockopt(s, SOL_SOCKET, SO_RCVBUFFORCE, &buf, sizeof buf);
      sockaddr_in a = address("0.0.0.0", port);
      if (bind(s, reinterpret_cast<sockaddr *>(&a), sizeof a) != 0 || (tcp_ && listen(s, 1024) != 0)) {
        close(s);
        s = -1;
      }
    } catch (const std::exception &) {
    }
    ready_ = true;
    if (s < 0) return;
    while (!stop_) {
      pollfd p{s, POLLIN, 0};
      if (poll(&p, 1, 50) <= 0) continue;
      sockaddr_in from{};
      socklen_t len = sizeof from;
      if (tcp_) {
        int c = accept(s, reinterpret_cast<sockaddr *>(&from), &len);
        if (c < 0) continue;
        std::string answer = peer_of(from);
        if (write(c, answer.data(), answer.size()) > 0) {
          std::lock_guard<std::mutex> l(mu_);
          peers_.push_back(answer);
        }
        close(c);
      } else {
        char data[2048];
        while (recvfrom(s, data, sizeof data, MSG_DONTWAIT, reinterpret_cast<sockaddr *>(&from), &len) >= 0) {
          std::string answer = peer_of(from);
          sendto(s, answer.data(), answer.size(), 0, reinterpret_cast<sockaddr *>(&from), len);
          {
            std::lock_guard<std::mutex> l(mu_);
            peers_.push_back(answer);
          }
          len = sizeof from;
        }
      }
    }
    close(s);
  });
  while (!ready_) std::this_thread::sleep_for(std::chrono::milliseconds(1));
}

PeerEcho::~PeerEcho() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
}

std::vector<std::string> PeerEcho::peers() const {
  std::lock_guard<std::mutex> l(mu_);
  return peers_;
}

std::string ask_peer(const std::string &ns, const std::string &dst, uint16_t port, bool tcp, uint16_t sport,
                     int timeout_ms) {
  std::string answer;
  std::thread t([&] {
    try {
      enter_netns(ns);
    } catch (const std::exception &) {
      return;
    }
    int s = socket(AF_INET, tcp ? SOCK_STREAM : SOCK_DGRAM, 0);
    if (s < 0) return;
    int one = 1;
    setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (sport) {
      sockaddr_in b = address("0.0.0.0", sport);
      bind(s, reinterpret_cast<sockaddr *>(&b), sizeof b);
    }
    timeval tv{timeout_ms / 1000, (timeout_ms % 1000) * 1000};
    setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    setsockopt(s, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    sockaddr_in a = address(dst, port);
    char buf[256];
    ssize_t n = -1;
    if (tcp) {
      if (connect(s, reinterpret_cast<sockaddr *>(&a), sizeof a) == 0) n = read(s, buf, sizeof buf);
    } else if (sendto(s, "?", 1, 0, reinterpret_cast<sockaddr *>(&a), sizeof a) == 1) {
      n = recv(s, buf, sizeof buf, 0);
    }
    if (n > 0) answer.assign(buf, size_t(n));
    close(s);
  });
  t.join();
  return answer;
}

}  // namespace pcntest
