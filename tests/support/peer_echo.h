// What a NAT did, seen from the far side: a server in a namespace answers
// every UDP datagram (or TCP connection) with the address and port it came
// from, and a client asks from another namespace. The first packet of a
// flow and its reply both have to be translated for the answer to arrive.
#pragma once

#include <atomic>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace pcntest {

class PeerEcho {
 public:
  // Listens on 0.0.0.0:`port` in namespace `ns` (full name).
  PeerEcho(const std::string &ns, uint16_t port, bool tcp = false);
  ~PeerEcho();
  PeerEcho(const PeerEcho &) = delete;
  PeerEcho &operator=(const PeerEcho &) = delete;
  // "a.b.c.d:port" of every request answered so far, in order.
  std::vector<std::string> peers() const;

 private:
  bool tcp_;
  std::atomic<bool> stop_{false}, ready_{false};
  mutable std::mutex mu_;
  std::vector<std::string> peers_;
  std::thread thread_;
};

// Sends one request from namespace `ns` (from source port `sport` if not
// 0) to `dst`:`port`; returns the answer ("" when none came in
// `timeout_ms`).
std::string ask_peer(const std::string &ns, const std::string &dst, uint16_t port, bool tcp = false, uint16_t sport = 0,
                     int timeout_ms = 3000);

}  // namespace pcntest
