// packetcapture: a transparent cube that records the packets crossing the
// point it is attached to (a cube port or a netdev), per direction,
// filtered by a tcpdump expression, min(length, snaplen) bytes each with a
// nanosecond timestamp, and hands them out as pcap or pcapng. It never
// changes what it forwards.
#pragma once

#include <atomic>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>

#include "capture_file.h"
#include "packetcapture_shared.h"
#include "polycube/cube.h"
#include "packetcapture_gen.h"

struct ring_buffer;

namespace polycube::services {

class PacketCapture : public Cube {
 public:
  enum Directions : uint32_t { kNone = 0, kIngress = 1u << PCN_SLOT_INGRESS, kEgress = 1u << PCN_SLOT_EGRESS };
  // What the control plane keeps of the ring's records (bytes).
  static constexpr size_t kStoreBytes = 64u << 20;

  PacketCapture(Runtime &rt, const std::string &name, Mode mode = Mode::kTc);
  ~PacketCapture() override;
  // The YANG module's name (codegen); make_packetcapture_model() checks it at compile time.
  static constexpr std::string_view kServiceName = gen::packetcapture::kServiceName;
  static ServiceInfo info();
  // INGRESS, EGRESS, BIDIRECTIONAL or OFF.
  static uint32_t directions_from_string(const std::string &s);

  void set_directions(uint32_t mask);
  void set_snaplen(uint32_t snaplen);  // 1..PC_MAX_SNAPLEN
  // Compiles the tcpdump expression, translates it and swaps it in; "" for
  // every packet. Throws kInvalid (and changes nothing) for a bad one.
  void set_filter(const std::string &expression);
  const std::string &filter() const { return filter_; }
  size_t filter_instructions() const { return filter_insns_; }  // classic BPF

  struct Stats {
    uint64_t seen = 0, matched = 0, captured = 0, ring_drops = 0;
    uint64_t stored = 0, store_drops = 0;  // control plane: kept / lost to kStoreBytes
    uint64_t stored_bytes = 0;
  };
  Stats stats() const;

  // Everything captured since creation (or the last clear), as a file.
  std::string pcap() const;
  std::string pcapng() const;
  void clear();
  // Waits until the ring is empty (what the data path wrote is stored).
  void drain();

 private:
  static int on_record(void *self, void *data, size_t size);
  std::vector<CapturedPacket> packets() const;  // under store_mu_
  void write_config();

  pc_config config_{kIngress | kEgress, PC_MAX_SNAPLEN, 0, 0};
  std::string filter_;
  size_t filter_insns_ = 0;

  mutable std::mutex store_mu_;
  std::string store_;  // pc_record_hdr + data, back to back
  uint64_t stored_ = 0, store_drops_ = 0;

  std::mutex consume_mu_;  // one consumer of the ring at a time
  ring_buffer *ring_ = nullptr;
  std::atomic<bool> stop_{false};
  std::thread reader_;
};

}  // namespace polycube::services
