// The audit log: one JSON line for every write and every refused attempt
// (401, 403), with who, from where, what, the answer's status and the
// configuration version before and after it:
//
//   {"time":"2026-12-03T13:05:01.123Z","user":"alice","role":"operator",
//    "auth":"token","source":"127.0.0.1:40112","method":"PATCH",
//    "path":"/restconf/data/bridge:bridge=br1","status":204,
//    "version-before":41,"version-after":42}
//
// The version is the configuration's version (`pcn versions`: it moves
// with every committed write and only then), so `pcn diff` and
// `pcn rollback` take it as it is.
// The file is rotated by size: <path> -> <path>.1 -> ... -> <path>.<keep>,
// the oldest dropped. Lines are appended with one write each (O_APPEND),
// not flushed to disk one by one: the audit of a write must not double
// its cost (the configuration's own journal is what is durable).
#pragma once

#include "rfc3339.h"

#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace polycube::daemon {

struct AuditRecord {
  std::string user, role, auth, source, method, path;
  int status = 0;
  uint64_t version_before = 0, version_after = 0;
};

class AuditLog {
 public:
  // `path` "": nothing is recorded. Throws std::runtime_error when the
  // file cannot be opened.
  AuditLog(std::string path, uint64_t max_bytes, unsigned keep);
  ~AuditLog();
  AuditLog(const AuditLog &) = delete;
  AuditLog &operator=(const AuditLog &) = delete;

  // Thread-safe; never throws (a failing disk is logged, once a minute).
  void record(const AuditRecord &r);
  // The entries at or after `since_ms` (ms since the epoch; 0: all) of
  // `user` ("" : anyone), oldest first, rotated files included.
  nlohmann::json read(int64_t since_ms, const std::string &user) const;
  const std::string &path() const { return path_; }

 private:
  void open_current();
  void rotate();
  std::string path_;
  uint64_t max_bytes_;
  unsigned keep_;
  mutable std::mutex mu_;
  int fd_ = -1;
  uint64_t size_ = 0;
  int64_t last_error_ms_ = 0;
};


}  // namespace polycube::daemon
