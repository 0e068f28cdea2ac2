#include "name_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <vector>

#include "testnet.h"

namespace pcntest {

namespace {

sockaddr_in address(const std::string &ip, uint16_t port) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  inet_pton(AF_INET, ip.c_str(), &a.sin_addr);
  return a;
}

}  // namespace

NameServer::NameServer(const std::string &ns, uint16_t port, std::string name) : name_(std::move(name)) {
  std::atomic<bool> ready{false};
  thread_ = std::thread([this, ns, port, &ready] {
    int s = -1;
    try {
      enter_netns(ns);
      s = socket(AF_INET, SOCK_STREAM, 0);
      int one = 1;
      setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
      sockaddr_in a = address("0.0.0.0", port);
      if (bind(s, reinterpret_cast<sockaddr *>(&a), sizeof a) != 0 || listen(s, 1024) != 0) {
        close(s);
        s = -1;
      }
    } catch (const std::exception &) {
    }
    ready = true;
    if (s >= 0) serve(s);
  });
  while (!ready) std::this_thread::sleep_for(std::chrono::milliseconds(1));
}

NameServer::~NameServer() {
  stop_ = true;
  thread_.join();
}

void NameServer::serve(int listener) {
  std::vector<pollfd> fds{{listener, POLLIN, 0}};
  while (!stop_) {
    if (poll(fds.data(), fds.size(), 50) <= 0) continue;
    for (size_t i = fds.size(); i-- > 0;) {
      if (!(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      if (i == 0) {
        int c = accept(listener, nullptr, nullptr);
        if (c >= 0) {
          fds.push_back({c, POLLIN, 0});
          accepted_++;
        }
        continue;
      }
      char buf[256];
      if (read(fds[i].fd, buf, sizeof buf) > 0 && write(fds[i].fd, name_.data(), name_.size()) > 0) continue;
      close(fds[i].fd);
      fds.erase(fds.begin() + long(i));
    }
  }
  for (const auto &p : fds) close(p.fd);
}

int connect_from(const std::string &ns, const std::string &dst, uint16_t port, uint16_t sport) {
  int fd = -1;
  std::thread t([&] {
    try {
      enter_netns(ns);
    } catch (const std::exception &) {
      return;
    }
    int s = socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    timeval tv{2, 0};
    setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    setsockopt(s, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    sockaddr_in b = address("0.0.0.0", sport);
    sockaddr_in a = address(dst, port);
    if (bind(s, reinterpret_cast<sockaddr *>(&b), sizeof b) == 0 &&
        connect(s, reinterpret_cast<sockaddr *>(&a), sizeof a) == 0)
      fd = s;
    else
      close(s);
  });
  t.join();
  return fd;
}

std::string ask(int fd) {
  if (fd < 0 || write(fd, "?", 1) != 1) return "";
  char buf[64];
  ssize_t n = read(fd, buf, sizeof buf);
  return n > 0 ? std::string(buf, size_t(n)) : "";
}

}  // namespace pcntest
