// Durable storage of the configuration: a snapshot plus an append-only
// journal of the edits committed since, so that a write costs in proportion
// to what it changed, not to the whole configuration.
//
//   <prefix>.snapshot      one record: the whole configuration at sequence S
//   <prefix>.journal       records S+1, S+2, ... appended by every commit
//   <prefix>.journal.old   the journal a compaction is folding into a new
//                          snapshot (gone once that snapshot is durable)
//
// A record is framed as [payload length: u32 LE][CRC-32 of the rest: u32 LE]
// [sequence: u64 LE][payload]. Reading stops at the first record that is
// short (a write torn by a crash or power loss) or whose checksum does not
// match; that tail is cut off the file, never applied, so a restore sees an
// exact prefix of the committed edits.
//
// Durability: append() writes a record; wait_durable() returns once it is
// on stable storage. One fdatasync serves every writer waiting at the time
// (group commit), so concurrent writers share the flush.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace polycube::daemon {

class Journal {
 public:
  // `prefix`: path without extension (e.g. /var/lib/polycube/config).
  explicit Journal(std::string prefix);
  ~Journal();
  Journal(const Journal &) = delete;
  Journal &operator=(const Journal &) = delete;

  struct Record {
    uint64_t seq;
    std::string payload;
  };
  struct Loaded {
    bool has_snapshot = false;
    Record snapshot{0, ""};       // the configuration at snapshot.seq
    std::vector<Record> records;  // after it, in order
    size_t dropped_bytes = 0;     // torn or corrupt tail cut off the journal
  };
  // Reads what is on disk and prepares for appending after it. Call once,
  // before the first append.
  Loaded load();
  bool loaded() const { return fd_ >= 0; }

  // Appends one record (written, not yet durable); returns its sequence
  // number. Throws polycube::Error (kKernel) if the write fails.
  uint64_t append(std::string_view payload);
  // Blocks until record `seq` is on stable storage (group commit). Throws
  // if the flush fails.
  void wait_durable(uint64_t seq);
  uint64_t last_seq() const;
  // fdatasync calls made for appends so far (group commit shows as fewer
  // flushes than records).
  uint64_t flushes() const;
  // Should the journal be folded into a snapshot now? (journal larger than
  // the snapshot and than a floor, so the cost of compaction amortises to a
  // constant factor of the bytes appended.)
  bool wants_compaction() const;
  // Starts a compaction: `config` is the whole configuration as of the last
  // appended record. The journal is set aside (new records go to a fresh
  // one) and the snapshot is written, flushed and renamed into place by a
  // background thread, which then removes the old journal. No-op while a
  // compaction is already running.
  void compact(std::string config);
  // Waits for a running compaction to finish.
  void wait_compaction();
  // The same, synchronously and from scratch: the snapshot becomes
  // `config` (as of the last record) and both journals are emptied. Used
  // once a restore has replayed them.
  void rewrite(std::string config);

  // Renames the files with `suffix` appended (a configuration that could
  // not be restored, kept for a human) and starts an empty journal.
  void set_aside(const std::string &suffix);
  // The files (for tests and for setting a rejected configuration aside).
  std::string snapshot_path() const { return prefix_ + ".snapshot"; }
  std::string journal_path() const { return prefix_ + ".journal"; }
  std::string old_journal_path() const { return prefix_ + ".journal.old"; }

 private:
  void open_for_append();
  void write_at_end(const char *p, size_t n, const std::string &what);
  void write_snapshot(std::string config, uint64_t seq);
  void fault(const char *point, uint64_t seq) const;

  std::string prefix_;
  mutable std::mutex mu_;
  std::condition_variable flushed_;
  std::condition_variable appended_cv_;  // a leader waiting for more records
  uint64_t last_group_ = 0;                // records the last flush made durable
  std::chrono::steady_clock::duration last_flush_{};
  int fd_ = -1;
  uint64_t appended_ = 0, durable_ = 0;
  bool syncing_ = false;
  size_t journal_bytes_ = 0, snapshot_bytes_ = 0;
  // The journal file's size: records end at journal_bytes_, zeros follow
  // (see write_at_end).
  size_t allocated_ = 0;
  uint64_t flushes_ = 0;
  size_t compact_floor_;
  std::thread compactor_;
  bool compacting_ = false;
  bool compaction_failed_ = false;  // its old journal is kept: no further rotation
  // Test-only fault injection (PCN_JOURNAL_FAULT=<point>:<seq>, point one
  // of torn, before-sync, after-sync): the process kills itself with
  // SIGKILL at that point of that record. PCN_JOURNAL_COMPACT_BYTES lowers
  // the compaction floor (4 MiB) so that tests see compactions.
  std::string fault_point_;
  uint64_t fault_seq_ = 0;
};

// The frame of one record (see above), and the CRC-32 used in it.
std::string frame_record(uint64_t seq, std::string_view payload);
uint32_t record_crc(std::string_view bytes);

}  // namespace polycube::daemon
