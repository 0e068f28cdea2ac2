// TCP servers that answer with their name, and clients that hold a
// connection: what a load-balancer test needs to tell which backend got a
// connection and whether an established one still reaches it.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>
#include <thread>

namespace pcntest {

// A TCP server in namespace `ns` (full name) on 0.0.0.0:`port` that
// answers every message on a connection with `name`, keeping the
// connection until the client closes it.
class NameServer {
 public:
  NameServer(const std::string &ns, uint16_t port, std::string name);
  ~NameServer();
  NameServer(const NameServer &) = delete;
  NameServer &operator=(const NameServer &) = delete;
  size_t accepted() const { return accepted_; }

 private:
  void serve(int listener);

  std::string name_;
  std::atomic<bool> stop_{false};
  std::atomic<size_t> accepted_{0};
  std::thread thread_;
};

// A TCP connection from namespace `ns` (full name; the socket stays in it)
// from source port `sport`, or -1.
int connect_from(const std::string &ns, const std::string &dst, uint16_t port, uint16_t sport);

// Sends a message on `fd`; the server's answer ("" if none came in 2 s, or
// the connection broke).
std::string ask(int fd);

}  // namespace pcntest
