// A paced UDP stream between two namespaces, counted at both ends, for
// zero-loss assertions. The sender and receiver threads enter the
// namespaces with setns(2) (per thread); the caller stays in the root ns.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>
#include <thread>

namespace pcntest {

class UdpFlow {
 public:
  // Receiver binds dst_ip:port inside `dst_ns`; sender in `src_ns` sends
  // `count` datagrams, one every `gap_us` microseconds.
  UdpFlow(const std::string &src_ns, const std::string &dst_ns, const std::string &dst_ip, uint16_t port,
          uint64_t count, unsigned gap_us);
  ~UdpFlow();
  void start();
  // Waits for the sender, then up to `drain_ms` for stragglers.
  void finish(unsigned drain_ms = 500);
  uint64_t sent() const { return sent_; }
  uint64_t received() const { return received_; }
  bool sending() const { return !done_sending_; }
  // Ends the stream early (the sender stops after its current datagram).
  void stop_sending() { stop_tx_ = true; }

 private:
  std::string src_ns_, dst_ns_, dst_ip_;
  uint16_t port_;
  uint64_t count_;
  unsigned gap_us_;
  std::atomic<uint64_t> sent_{0}, received_{0};
  std::atomic<bool> done_sending_{false}, stop_{false}, stop_tx_{false}, ready_{false};
  std::thread rx_, tx_;
};

}  // namespace pcntest
