#include "audit_log.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <spdlog/spdlog.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <ctime>
#include <stdexcept>
#include <vector>

#include "polycube/strict_json.h"

namespace polycube::daemon {

AuditLog::AuditLog(std::string path, uint64_t max_bytes, unsigned keep)
    : path_(std::move(path)), max_bytes_(max_bytes), keep_(keep) {
  if (path_.empty()) return;
  open_current();
  if (fd_ < 0) throw std::runtime_error("cannot open the audit log " + path_ + ": " + std::strerror(errno));
}

AuditLog::~AuditLog() {
  if (fd_ >= 0) close(fd_);
}

void AuditLog::open_current() {
  fd_ = ::open(path_.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
  struct stat st {};
  size_ = fd_ >= 0 && fstat(fd_, &st) == 0 ? static_cast<uint64_t>(st.st_size) : 0;
}

void AuditLog::rotate() {
  if (fd_ >= 0) close(fd_);
  fd_ = -1;
  if (keep_ == 0) {
    unlink(path_.c_str());
  } else {
    for (unsigned i = keep_; i > 1; i--)
      ::rename((path_ + "." + std::to_string(i - 1)).c_str(), (path_ + "." + std::to_string(i)).c_str());
    ::rename(path_.c_str(), (path_ + ".1").c_str());
  }
  open_current();
}

void AuditLog::record(const AuditRecord &r) {
  if (path_.empty()) return;
  nlohmann::json line = {{"time", format_rfc3339(now_ms())},
                         {"user", r.user},
                         {"role", r.role},
                         {"auth", r.auth},
                         {"source", r.source},
                         {"method", r.method},
                         {"path", r.path},
                         {"status", r.status},
                         {"version-before", r.version_before},
                         {"version-after", r.version_after}};
  // Whatever a client put in the path goes out as valid JSON (invalid
  // UTF-8 replaced), so one bad request cannot break the log's format.
  std::string text = line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
  std::lock_guard<std::mutex> lock(mu_);
  if (size_ > 0 && size_ + text.size() > max_bytes_) rotate();
  ssize_t n = fd_ >= 0 ? ::write(fd_, text.data(), text.size()) : -1;
  if (n == static_cast<ssize_t>(text.size())) {
    size_ += text.size();
    return;
  }
  int64_t now = now_ms();
  if (now - last_error_ms_ > 60000) {
    last_error_ms_ = now;
    spdlog::error("audit log {}: write failed: {}", path_, fd_ < 0 ? "not open" : std::strerror(errno));
  }
  if (fd_ < 0) open_current();
}

nlohmann::json AuditLog::read(int64_t since_ms, const std::string &user) const {
  nlohmann::json entries = nlohmann::json::array();
  if (path_.empty()) return entries;
  // Open every file at once (under the lock, so no rotation falls in
  // between), read them afterwards: a file renamed meanwhile stays open.
  std::vector<std::pair<int, uint64_t>> files;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (unsigned i = keep_; i >= 1; i--) {
      int fd = ::open((path_ + "." + std::to_string(i)).c_str(), O_RDONLY | O_CLOEXEC);
      struct stat st {};
      if (fd >= 0 && fstat(fd, &st) == 0) files.emplace_back(fd, static_cast<uint64_t>(st.st_size));
      else if (fd >= 0) close(fd);
    }
    int fd = ::open(path_.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd >= 0) files.emplace_back(fd, size_);
  }
  for (auto [fd, size] : files) {
    std::string text(size, '\0');
    size_t got = 0;
    while (got < size) {
      ssize_t n = ::pread(fd, text.data() + got, size - got, static_cast<off_t>(got));
      if (n <= 0) break;
      got += static_cast<size_t>(n);
    }
    close(fd);
    text.resize(got);
    for (size_t start = 0; start < text.size();) {
      size_t eol = text.find('\n', start);
      if (eol == std::string::npos) break;  // a line cut by a crash
      StrictJson doc = parse_json(std::string_view(text).substr(start, eol - start));
      start = eol + 1;
      if (!doc.ok() || !doc.value.is_object()) continue;
      const nlohmann::json &e = doc.value;
      if (!user.empty() && e.value("user", "") != user) continue;
      if (since_ms > 0) {
        auto t = parse_rfc3339(e.value("time", ""));
        if (!t || *t < since_ms) continue;
      }
      entries.push_back(std::move(doc.value));
    }
  }
  return entries;
}

}  // namespace polycube::daemon
