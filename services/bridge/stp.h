// The spanning tree of one bridge (IEEE 802.1D configuration BPDUs, port
// roles as in 802.1w: root, designated, alternate). Pure logic, no kernel
// and no locks: the bridge feeds it received BPDUs and clock ticks and
// applies what it returns (BPDUs to send, port states to write, FDB flushes).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace polycube::services {

enum class StpState { kDisabled, kBlocking, kListening, kLearning, kForwarding };
enum class StpRole { kDisabled, kRoot, kDesignated, kAlternate, kBackup };
const char *to_string(StpState s);
const char *to_string(StpRole r);

// The fields of a configuration BPDU (times in seconds, as doubles).
struct Bpdu {
  uint64_t root_id = 0;
  uint32_t root_path_cost = 0;
  uint64_t bridge_id = 0;
  uint16_t port_id = 0;
  double message_age = 0, max_age = 20, hello_time = 2, forward_delay = 15;
  bool topology_change = false, topology_change_ack = false;
};

// Wire format: LLC + 35-byte configuration BPDU inside an 802.3 frame to
// 01:80:c2:00:00:00, padded to 60 bytes. parse() returns nullopt for
// anything but a configuration or RST BPDU.
std::string encode_bpdu(const Bpdu &b, const uint8_t src_mac[6]);
std::optional<Bpdu> parse_bpdu(const std::string &frame);

// "8000.02:00:00:00:00:01"
std::string bridge_id_string(uint64_t id);

struct StpTimers {
  double hello_time = 2, forward_delay = 15, max_age = 20;
};

class SpanningTree {
 public:
  static constexpr uint32_t kPortPathCost = 2000;  // 802.1D-2004 for 10 Gb/s

  struct Output {
    std::vector<std::pair<uint32_t, Bpdu>> send;          // port index, BPDU
    std::vector<std::pair<uint32_t, StpState>> states;    // port index, new state
    bool flush_fdb = false;                                // topology changed
  };

  void configure(uint64_t bridge_id, const StpTimers &t);
  void add_port(uint32_t index, double now);
  void remove_port(uint32_t index);
  // A BPDU arrived on port `index` at time `now` (seconds, monotonic).
  Output receive(uint32_t index, const Bpdu &b, double now);
  // Timers: aging of received information, state transitions, hellos.
  Output tick(double now);
  // Starts from scratch: every port blocking, this bridge root.
  Output restart(double now);

  StpState state(uint32_t index) const;
  StpRole role(uint32_t index) const;
  uint64_t bridge_id() const { return bridge_id_; }
  uint64_t root_id() const { return root_.root_id; }
  uint32_t root_path_cost() const { return root_.root_path_cost; }
  std::optional<uint32_t> root_port() const { return root_port_; }

 private:
  struct Vector {  // priority vector, compared lexicographically
    uint64_t root_id;
    uint32_t root_path_cost;
    uint64_t bridge_id;
    uint16_t port_id;
    auto operator<=>(const Vector &) const = default;
  };
  struct PortInfo {
    uint16_t port_id = 0;
    std::optional<Bpdu> received;  // designated info heard on this port
    double received_at = 0;
    StpRole role = StpRole::kDesignated;
    StpState state = StpState::kBlocking;
    double state_since = 0;
  };

  void recompute(double now, Output &out);
  void advance(double now, Output &out);
  void set_state(uint32_t index, PortInfo &p, StpState s, double now, Output &out);
  void hello(double now, Output &out);
  Bpdu designated_bpdu(const PortInfo &p) const;

  uint64_t bridge_id_ = 0;
  StpTimers t_;
  std::map<uint32_t, PortInfo> ports_;
  Bpdu root_;  // best root information (root_id, cost, message age)
  std::optional<uint32_t> root_port_;
  double last_hello_ = -1e9;
  double tc_until_ = 0;  // send BPDUs with the TC flag until then
};

}  // namespace polycube::services
