// firewall: a transparent cube filtering IPv4 per chain (INGRESS, EGRESS)
// with first-match rules, per-rule counters, connection tracking and a
// pipeline made only of the matcher blocks its rules need. Every change
// builds the next generation of tables and blocks beside the running one
// and switches to it with one map write (see apply()).
#pragma once

#include <atomic>
#include <condition_variable>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "firewall_rules.h"
#include "polycube/cube.h"

namespace polycube::services {

class Firewall : public Cube {
 public:
  Firewall(Runtime &rt, const std::string &name, Mode mode = Mode::kTc);
  ~Firewall() override;
  static ServiceInfo info();

  // Make the data plane classify with `cfg`: builds the inactive
  // generation, loads the blocks it needs, switches, waits for packets of
  // the old generation to finish, then drops the old tables and unused
  // blocks. A no-op when `cfg` is what runs. Throws before the switch on
  // failure (the old rules keep running).
  void apply(const fw::Config &cfg);
  const fw::Config &config() const { return cfg_; }

  struct Counter {
    uint64_t pkts = 0, bytes = 0;
  };
  // Per rule of `chain`, in position order.
  std::vector<Counter> counters(int chain) const;
  Counter default_counter(int chain) const;
  void reset_counters(int chain);

  struct Session {
    fw_ct_key key;
    fw_ct_entry entry;
  };
  std::vector<Session> sessions() const;
  // Deletes expired sessions; returns how many (the GC thread calls it).
  size_t collect_sessions();
  uint64_t logged() const { return logged_; }

  // Field names, in block order; program name of a field's matcher.
  static const char *field_name(int field);

 protected:
  void on_packet_in(const PacketIn &) override;

 private:
  void sync_packets();  // returns once no packet of the old generation runs
  void gc_loop();

  fw::Config cfg_;
  bool applied_ = false;
  uint32_t gen_ = 0;
  // LPM keys written for each generation, per field (to delete them).
  std::array<std::array<std::vector<fw_lpm_key>, FW_NFIELDS>, 2> keys_;
  // Counter slot of each rule position, per chain.
  std::array<std::vector<uint32_t>, 2> slots_;
  std::vector<uint32_t> free_slots_;
  std::set<uint32_t> loaded_;  // optional blocks in the program array
  int sync_outer_ = -1, sync_inner_ = -1;
  int sessions_fd_ = -1;  // own dup: the GC thread never takes the runtime lock
  std::atomic<uint64_t> logged_{0};
  std::mutex gc_mu_;
  std::condition_variable gc_cv_;
  bool stop_ = false;
  std::thread gc_;
};

}  // namespace polycube::services
