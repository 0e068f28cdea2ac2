// Configuration versions: every committed write gets a number, a time, the
// user that made it and an optional message, and keeps what it takes to go
// back (its undo record). The history is bounded (a number of versions and
// a number of bytes of undo records) and lives in the journal: each
// version's metadata and undo record travel in the same journal record as
// the edit itself, and a snapshot carries the history it folds in, so a
// version exists exactly when its change does and costs no extra flush.
//
// An undo record has the format of a journal record (Datastore::
// journal_record, plus "replace" parts: a whole cube with its positional
// lists); applied to version N it gives version N-1. Going back from the
// current version C to V applies the undo records of C, C-1, ..., V+1 in
// one transaction, so it costs what changed since V, not the whole
// configuration.
//
// Confirmed commit (RFC 6241 8.4, Junos "commit confirmed"): a write made
// with a confirm timeout is reverted to the configuration before it unless
// confirmed in time. The pending state (which version, back to which one,
// until when) is journaled too, so it survives a restart; a follow-up
// confirmed write extends the deadline and keeps the original revert point.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace polycube::daemon {

// Who writes and why: from the request (authentication, the X-Pcn-Message
// header, ?confirm-timeout=).
struct WriteContext {
  std::string user;       // "" until authentication names one
  std::string message;    // optional
  uint32_t confirm_timeout = 0;  // seconds; 0: an ordinary write
};

// Milliseconds since the epoch, and their RFC 3339 form (UTC).
int64_t now_ms();
std::string rfc3339(int64_t ms);

struct VersionEntry {
  uint64_t number = 0;
  int64_t time_ms = 0;
  std::string user, message;
  std::vector<std::string> cubes;  // the cubes the change touched
  // Takes version `number` back to `number - 1`; "" for the oldest kept
  // version (nothing before it is reachable).
  std::string undo;
  nlohmann::json meta() const;  // everything but the undo record
  static VersionEntry from_meta(const nlohmann::json &meta);
};

// A confirmed commit waiting for its confirmation.
struct PendingConfirm {
  uint64_t version = 0;    // the latest confirmed write
  uint64_t revert_to = 0;  // the version before the first one
  int64_t deadline_ms = 0;
  std::string user;
  nlohmann::json to_json() const;
  static PendingConfirm from_json(const nlohmann::json &j);
  bool operator==(const PendingConfirm &) const = default;
};

class VersionHistory {
 public:
  // At most `kept` versions (at least 2) and `max_undo_bytes` of undo
  // records; the newest version is always kept, with the one before it.
  explicit VersionHistory(size_t kept = 100, size_t max_undo_bytes = size_t(64) << 20);

  uint64_t current() const { return current_.load(); }
  uint64_t oldest() const { return entries_.empty() ? 0 : entries_.front().number; }
  bool empty() const { return entries_.empty(); }
  bool has(uint64_t v) const { return !entries_.empty() && v >= oldest() && v <= current(); }
  const std::deque<VersionEntry> &entries() const { return entries_; }
  const VersionEntry *find(uint64_t v) const;
  const std::optional<PendingConfirm> &pending() const { return pending_; }
  size_t kept() const { return kept_; }

  // The first version of a history that starts now (a first start, or a
  // configuration saved without history).
  void start(const std::string &message);
  // The next version's number.
  uint64_t next() const { return current() + 1; }
  // Records a committed version (its number must be next()) and trims the
  // history to its bounds (never past a pending confirmed commit's revert
  // point).
  void push(VersionEntry e);
  void set_pending(std::optional<PendingConfirm> p) { pending_ = std::move(p); }
  // Undo records of the versions after `v`, newest first (v must be kept).
  std::vector<const std::string *> undo_since(uint64_t v) const;
  // The cubes changed between versions a < b: (module is not recorded,
  // names are global).
  std::vector<std::string> cubes_between(uint64_t a, uint64_t b) const;

  // Journal payloads. A record: "pcn-v1 " + meta + "\n" + undo + "\n" +
  // edit (the datastore's record; "" when the record only changes the
  // pending state). A snapshot: "pcn-v1 " + state + "\n" + one line of meta
  // and one of undo per version + the configuration. Payloads without the
  // prefix are an older polycubed's (configuration or edit alone).
  static std::string record_payload(const nlohmann::json &meta, std::string_view undo, std::string_view edit);
  std::string snapshot_payload(std::string_view config) const;
  struct Split {
    bool framed = false;
    nlohmann::json meta;                   // record: its meta; snapshot: the history's state
    std::string_view undo, body;           // body: the edit or the configuration
    std::vector<std::pair<std::string_view, std::string_view>> versions;  // snapshot: (meta, undo) lines
  };
  // Throws polycube::Error (kInvalid) on a malformed frame.
  static Split split_record(std::string_view payload);
  static Split split_snapshot(std::string_view payload);
  // Loading: the history a snapshot carries, then each record's part.
  void load_snapshot(const Split &s);
  void load_record(const Split &s);
  void clear();

  // GET polycube:versions.
  nlohmann::json to_json() const;

 private:
  void trim();
  size_t kept_, max_undo_bytes_;
  std::deque<VersionEntry> entries_;  // oldest first; back() is current
  size_t undo_bytes_ = 0;
  std::atomic<uint64_t> current_{0};
  std::optional<PendingConfirm> pending_;
};

// One thread that calls `fire` once the armed deadline passes (a pending
// confirmed commit's). Re-arming replaces the deadline.
class CommitTimer {
 public:
  explicit CommitTimer(std::function<void()> fire) : fire_(std::move(fire)) {}
  ~CommitTimer();
  void arm(int64_t deadline_ms);
  void disarm();

 private:
  void loop();
  std::function<void()> fire_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::optional<int64_t> deadline_;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace polycube::daemon
