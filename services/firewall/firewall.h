// firewall: a transparent cube filtering IPv4 per chain (INGRESS, EGRESS)
// with first-match rules, per-rule counters, connection tracking and a
// pipeline made only of the matcher blocks its rules need.
//
// Changes are incremental: an edit (splice) rewrites the entries of the
// chunks it touches (firewall_tables.h). Both generations of the tables
// hold the same rules between edits; an edit writes the inactive one,
// switches packets to it with one map write, and a worker then waits until
// no packet can still run the old one (an RCU grace period, ~20 ms) and
// applies the same writes to it, off the caller's path. The next edit waits
// for that worker first.
#pragma once

#include <array>
#include <atomic>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <set>
#include <string_view>
#include <thread>

#include "firewall_tables.h"
#include "polycube/cube.h"
#include "firewall_gen.h"

namespace polycube::services {

class Firewall : public Cube {
 public:
  Firewall(Runtime &rt, const std::string &name, Mode mode = Mode::kTc);
  ~Firewall() override;
  // The YANG module's name (codegen); make_firewall_model() checks it at compile time.
  static constexpr std::string_view kServiceName = gen::firewall::kServiceName;
  static ServiceInfo info();

  // One edit of a chain: the `remove` rules at `pos` are replaced by `rules`.
  struct Edit {
    int chain;
    size_t pos, remove;
    std::vector<fw::Rule> rules;
  };
  // Applies edits in order and switches packets to the result at once.
  // Throws before the switch, changing nothing, when an edit is out of
  // range, a chain would exceed FW_MAX_RULES or the kernel refuses a write.
  void edit(const std::vector<Edit> &edits);
  // The cube's `conntrack` leaf: kAuto (absent) tracks sessions while a
  // rule or accept-established needs them; kOn always; kOff never (the
  // model refuses what would need them).
  enum class Conntrack { kAuto, kOn, kOff };
  // accept-established, conntrack and each chain's default action.
  void set_options(bool accept_established, Conntrack conntrack, const std::array<uint32_t, 2> &default_action);
  Conntrack conntrack() const { return conntrack_; }
  // Whether a rule of either chain matches on the connection state.
  bool rules_use_conntrack() const;
  // Position of the first rule of `chain` in [from, to) equal to `r`
  // (every field and the action), or -1.
  long find_rule(int chain, const fw::Rule &r, size_t from, size_t to) const;
  // The whole configuration: computes the edits from what runs (common
  // head and tail kept; in between, a rule equal to one it replaces keeps
  // that one's counter).
  void apply(const fw::Config &cfg);
  // The rules of `chain`, in position order.
  std::vector<fw::Rule> rules(int chain) const;
  size_t rule_count(int chain) const;
  std::optional<fw::Rule> rule_at(int chain, size_t pos) const;

  struct Counter {
    uint64_t pkts = 0, bytes = 0;
  };
  // Per rule of `chain`, in position order; or only the rule at `pos`.
  std::vector<Counter> counters(int chain) const;
  Counter counter(int chain, size_t pos) const;
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
  // Sessions the last collection (every 5 s) left in the table.
  size_t sessions_at_last_collection() const { return sessions_kept_; }

  // Rules per chain, sessions, packets that met a chain's default action,
  // LOG events (firewall_metrics.cpp).
  void metrics(std::vector<MetricSample> &out) override;

  // Field names, in block order; program name of a field's matcher.
  static const char *field_name(int field);

 protected:
  void on_packet_in(const PacketIn &) override;

 private:
  void sync_packets();  // returns once no packet of the old generation runs
  void gc_loop();
  // Writes `ws` (per chain) into generation `gen`; throws on failure.
  void write(const std::array<fw::WriteSet, 2> &ws, uint32_t gen);
  void write_chains(uint32_t gen);
  // Rewrites generation `gen` from the tables (after a failed write).
  void rebuild(uint32_t gen);
  // Switches packets to the inactive generation holding `ws`, and hands
  // the other generation's catch-up to the worker.
  void commit(std::array<fw::WriteSet, 2> ws, std::vector<uint32_t> released);
  void settle();  // waits for the worker, then unloads blocks no longer used
  void worker_loop();
  bool needs(uint32_t slot) const;
  uint32_t take_slot();

  std::array<fw::ChainTables, 2> tables_;
  bool accept_established_ = false;
  Conntrack conntrack_ = Conntrack::kAuto;
  bool tracking() const;  // sessions tracked by the data plane
  std::array<uint32_t, 2> default_{FW_A_ACCEPT, FW_A_ACCEPT};
  uint32_t gen_ = 0;
  std::array<bool, 2> stale_{false, false};  // generation needs a rebuild
  std::vector<uint32_t> free_slots_;
  std::set<uint32_t> loaded_;  // optional blocks in the program array
  std::array<int, FW_NFIELDS> field_fd_{};
  int wild_fd_ = -1, rules_fd_ = -1, chains_fd_ = -1, active_fd_ = -1, counters_fd_ = -1;
  int sync_outer_ = -1, sync_inner_ = -1;
  int sessions_fd_ = -1;  // own dup: the GC thread never takes the runtime lock
  std::atomic<uint64_t> logged_{0};
  std::atomic<size_t> sessions_kept_{0};
  mutable std::mutex tables_mu_;  // tables_ against the slow-path thread (LOG rule ids)

  // The catch-up worker: the writes of the last switch, for the old
  // generation, and the counter slots they free.
  std::mutex work_mu_;
  std::condition_variable work_cv_;
  bool work_pending_ = false, work_stop_ = false;
  std::array<fw::WriteSet, 2> work_ws_;
  std::vector<uint32_t> work_released_;
  uint32_t work_gen_ = 0;
  std::thread worker_;

  std::mutex gc_mu_;
  std::condition_variable gc_cv_;
  bool stop_ = false;
  std::thread gc_;
};

}  // namespace polycube::services
