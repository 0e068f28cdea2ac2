#include "journal.h"

#include <fcntl.h>
#include <signal.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>

#include "polycube/error.h"

namespace polycube::daemon {

namespace fs = std::filesystem;

namespace {

constexpr size_t kHeader = 16;                      // length, crc, seq
constexpr size_t kMaxPayload = size_t(1) << 31;     // a record longer than this is garbage
constexpr size_t kCompactFloor = size_t(4) << 20;   // never compact a journal smaller than this
constexpr size_t kPreallocate = size_t(1) << 20;    // zeros written ahead of the records at a time

void put_u32(std::string &s, uint32_t v) {
  for (int i = 0; i < 4; i++) s.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}
void put_u64(std::string &s, uint64_t v) {
  for (int i = 0; i < 8; i++) s.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}
uint64_t get_le(const char *p, int n) {
  uint64_t v = 0;
  for (int i = n - 1; i >= 0; i--) v = (v << 8) | static_cast<unsigned char>(p[i]);
  return v;
}

[[noreturn]] void io_error(const std::string &what) {
  throw Error(ErrorCode::kKernel, what + ": " + std::strerror(errno));
}

bool read_file(const std::string &path, std::string &out) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return false;
    io_error("cannot read " + path);
  }
  struct stat st {};
  if (::fstat(fd, &st) == 0) out.reserve(static_cast<size_t>(st.st_size));
  char buf[1 << 16];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      ::close(fd);
      io_error("cannot read " + path);
    }
    if (n == 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  return true;
}

void write_all(int fd, const char *p, size_t n, const std::string &what) {
  while (n > 0) {
    ssize_t w = ::write(fd, p, n);
    if (w < 0 && errno == EINTR) continue;
    if (w < 0) io_error(what);
    p += w;
    n -= static_cast<size_t>(w);
  }
}

void pwrite_all(int fd, const char *p, size_t n, size_t off, const std::string &what) {
  while (n > 0) {
    ssize_t w = ::pwrite(fd, p, n, static_cast<off_t>(off));
    if (w < 0 && errno == EINTR) continue;
    if (w < 0) io_error(what);
    p += w;
    off += static_cast<size_t>(w);
    n -= static_cast<size_t>(w);
  }
}

bool all_zero(std::string_view s) { return s.find_first_not_of('\0') == std::string_view::npos; }

void sync_dir(const std::string &file) {
  std::string dir = fs::path(file).parent_path().string();
  int dfd = ::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
}

// The records of `data` in order; stops at the first short or corrupt one.
// `good` receives the length of the intact prefix.
std::vector<Journal::Record> parse_records(const std::string &data, size_t &good) {
  std::vector<Journal::Record> out;
  size_t off = 0;
  while (data.size() - off >= kHeader) {
    const char *h = data.data() + off;
    size_t len = get_le(h, 4);
    uint32_t crc = static_cast<uint32_t>(get_le(h + 4, 4));
    if (len > kMaxPayload || data.size() - off - kHeader < len) break;  // torn
    if (record_crc(std::string_view(h + 8, 8 + len)) != crc) break;     // corrupt
    out.push_back({get_le(h + 8, 8), data.substr(off + kHeader, len)});
    off += kHeader + len;
  }
  good = off;
  return out;
}

}  // namespace

uint32_t record_crc(std::string_view bytes) {
  uLong crc = crc32(0L, Z_NULL, 0);
  // zlib takes uInt lengths; feed it in slices.
  while (!bytes.empty()) {
    uInt n = static_cast<uInt>(std::min<size_t>(bytes.size(), 1u << 30));
    crc = crc32(crc, reinterpret_cast<const Bytef *>(bytes.data()), n);
    bytes.remove_prefix(n);
  }
  return static_cast<uint32_t>(crc);
}

std::string frame_record(uint64_t seq, std::string_view payload) {
  std::string seq_and_payload;
  seq_and_payload.reserve(8 + payload.size());
  put_u64(seq_and_payload, seq);
  seq_and_payload.append(payload);
  std::string out;
  out.reserve(kHeader + payload.size());
  put_u32(out, static_cast<uint32_t>(payload.size()));
  put_u32(out, record_crc(seq_and_payload));
  out += seq_and_payload;
  return out;
}

Journal::Journal(std::string prefix) : prefix_(std::move(prefix)), compact_floor_(kCompactFloor) {
  if (const char *b = std::getenv("PCN_JOURNAL_COMPACT_BYTES")) compact_floor_ = std::strtoull(b, nullptr, 10);
  if (const char *f = std::getenv("PCN_JOURNAL_FAULT")) {
    std::string spec = f;
    auto colon = spec.find(':');
    if (colon != std::string::npos) {
      fault_point_ = spec.substr(0, colon);
      fault_seq_ = std::strtoull(spec.c_str() + colon + 1, nullptr, 10);
    }
  }
}

Journal::~Journal() {
  wait_compaction();
  if (fd_ >= 0) {
    ::fdatasync(fd_);
    ::close(fd_);
  }
}

void Journal::fault(const char *point, uint64_t seq) const {
  if (seq == fault_seq_ && fault_point_ == point) {
    spdlog::warn("journal fault injection: killed at {} of record {}", point, seq);
    ::raise(SIGKILL);
  }
}

Journal::Loaded Journal::load() {
  Loaded out;
  std::string data;
  if (read_file(snapshot_path(), data)) {
    size_t good = 0;
    auto recs = parse_records(data, good);
    if (recs.size() != 1 || good != data.size())
      throw Error(ErrorCode::kInvalid, "snapshot " + snapshot_path() + " is corrupt");
    out.has_snapshot = true;
    out.snapshot = std::move(recs[0]);
    snapshot_bytes_ = data.size();
  }
  uint64_t expected = out.snapshot.seq + 1;
  bool stopped = false;
  for (const std::string &path : {old_journal_path(), journal_path()}) {
    data.clear();
    if (!read_file(path, data)) continue;
    size_t good = 0;
    auto recs = parse_records(data, good);
    for (auto &r : recs) {
      if (stopped) break;
      if (r.seq < expected) continue;  // already in the snapshot
      if (r.seq != expected) {         // a gap: what follows is not a prefix
        spdlog::error("journal {}: record {} follows {}; dropping it and the rest", path, r.seq, expected - 1);
        stopped = true;
        break;
      }
      expected++;
      out.records.push_back(std::move(r));
    }
    // Zeros after the records are space written ahead (write_at_end), not
    // a torn record: a record's header is never all zeros (its checksum).
    if (good != data.size() && !all_zero(std::string_view(data).substr(good))) {
      out.dropped_bytes += data.size() - good;
      spdlog::warn("journal {}: {} bytes of a torn or corrupt record dropped", path, data.size() - good);
      // Cut it off, so that later appends follow intact records.
      if (::truncate(path.c_str(), static_cast<off_t>(good)) != 0) io_error("cannot truncate " + path);
    }
    if (path == journal_path()) journal_bytes_ = good;
  }
  appended_ = durable_ = expected - 1;
  open_for_append();
  return out;
}

void Journal::open_for_append() {
  fd_ = ::open(journal_path().c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
  if (fd_ < 0) io_error("cannot open " + journal_path());
  struct stat st {};
  if (::fstat(fd_, &st) != 0) io_error("cannot stat " + journal_path());
  allocated_ = static_cast<size_t>(st.st_size);
  sync_dir(journal_path());
}

// Records are written into zeros written ahead of them, a MiB at a time:
// an fdatasync after an append that grows the file must also write the
// inode (its size), a second synchronous write; one after an overwrite
// inside the file flushes the data alone (measured 4.5 ms against 1.0 ms
// per record on this machine's disk). Called with mu_ held.
void Journal::write_at_end(const char *p, size_t n, const std::string &what) {
  if (journal_bytes_ + n > allocated_) {
    size_t grow = std::max(kPreallocate, journal_bytes_ + n - allocated_);
    std::string zeros(grow, '\0');
    pwrite_all(fd_, zeros.data(), zeros.size(), allocated_, what);
    allocated_ += grow;
  }
  pwrite_all(fd_, p, n, journal_bytes_, what);
}

uint64_t Journal::append(std::string_view payload) {
  std::lock_guard<std::mutex> l(mu_);
  if (fd_ < 0) throw Error(ErrorCode::kKernel, "journal not open");
  uint64_t seq = appended_ + 1;
  std::string rec = frame_record(seq, payload);
  if (seq == fault_seq_ && fault_point_ == "torn") {
    write_at_end(rec.data(), rec.size() / 2, "journal " + journal_path());
    fault("torn", seq);
  }
  try {
    write_at_end(rec.data(), rec.size(), "cannot append to " + journal_path());
  } catch (...) {
    // A partial record would hide every later one from a restore.
    if (::ftruncate(fd_, static_cast<off_t>(journal_bytes_)) != 0)
      spdlog::error("journal {}: cannot cut a failed append: {}", journal_path(), std::strerror(errno));
    else
      allocated_ = journal_bytes_;
    throw;
  }
  appended_ = seq;
  journal_bytes_ += rec.size();
  appended_cv_.notify_all();
  fault("before-sync", seq);
  return seq;
}

void Journal::wait_durable(uint64_t seq) {
  std::unique_lock<std::mutex> l(mu_);
  while (durable_ < seq) {
    if (syncing_) {
      flushed_.wait(l);
      continue;
    }
    // Leader: one flush covers every record appended so far.
    syncing_ = true;
    // When the last flush served several writers, they are likely to come
    // back: wait a fraction of a flush's time for one more record than it
    // served (as PostgreSQL's commit_delay with commit_siblings), so that
    // writers that were answered meanwhile share this flush too. A lone
    // writer never waits.
    if (last_group_ >= 2) {
      auto delay = std::min(last_flush_ / 4, std::chrono::steady_clock::duration(std::chrono::milliseconds(1)));
      appended_cv_.wait_for(l, delay, [&] { return appended_ - durable_ > last_group_; });
    }
    uint64_t target = appended_;
    int fd = fd_;
    l.unlock();
    auto start = std::chrono::steady_clock::now();
    int rc = ::fdatasync(fd);
    int err = errno;
    auto took = std::chrono::steady_clock::now() - start;
    l.lock();
    flushes_++;
    syncing_ = false;
    last_flush_ = took;
    last_group_ = target > durable_ ? target - durable_ : 0;
    if (rc == 0 && target > durable_) durable_ = target;
    flushed_.notify_all();
    if (rc != 0) {
      errno = err;
      io_error("cannot flush " + journal_path());
    }
  }
  fault("after-sync", seq);
}

uint64_t Journal::flushes() const {
  std::lock_guard<std::mutex> l(mu_);
  return flushes_;
}

uint64_t Journal::last_seq() const {
  std::lock_guard<std::mutex> l(mu_);
  return appended_;
}

bool Journal::wants_compaction() const {
  std::lock_guard<std::mutex> l(mu_);
  return !compacting_ && !compaction_failed_ && journal_bytes_ > std::max(compact_floor_, snapshot_bytes_);
}

void Journal::write_snapshot(std::string config, uint64_t seq) {
  std::string rec = frame_record(seq, config);
  std::string tmp = snapshot_path() + ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) io_error("cannot write " + tmp);
  try {
    write_all(fd, rec.data(), rec.size(), "cannot write " + tmp);
    if (::fdatasync(fd) != 0) io_error("cannot flush " + tmp);
  } catch (...) {
    ::close(fd);
    throw;
  }
  ::close(fd);
  if (::rename(tmp.c_str(), snapshot_path().c_str()) != 0) io_error("cannot rename " + tmp);
  sync_dir(snapshot_path());
  std::lock_guard<std::mutex> l(mu_);
  snapshot_bytes_ = rec.size();
}

void Journal::compact(std::string config) {
  uint64_t seq;
  {
    std::unique_lock<std::mutex> l(mu_);
    // A flush leader syncs fd_ without the lock: the file must stay open
    // until it is back, or its fdatasync fails (EBADF) on a record that
    // is durable, or syncs whatever file took the number.
    flushed_.wait(l, [&] { return !syncing_; });
    if (compacting_ || compaction_failed_ || fd_ < 0) return;
    // Every record so far is in `config`: flush them, then set the journal
    // aside so that new records go to a fresh file while the snapshot is
    // written.
    if (::fdatasync(fd_) != 0) io_error("cannot flush " + journal_path());
    durable_ = appended_;
    flushed_.notify_all();
    ::close(fd_);
    fd_ = -1;
    if (::rename(journal_path().c_str(), old_journal_path().c_str()) != 0) io_error("cannot rotate the journal");
    open_for_append();
    journal_bytes_ = 0;
    seq = appended_;
    compacting_ = true;
  }
  if (compactor_.joinable()) compactor_.join();
  compactor_ = std::thread([this, config = std::move(config), seq]() mutable {
    try {
      write_snapshot(std::move(config), seq);
      ::unlink(old_journal_path().c_str());
      std::lock_guard<std::mutex> l(mu_);
      compacting_ = false;
    } catch (const std::exception &e) {
      // The old journal stays (a restore still has every record) and no
      // later rotation may overwrite it.
      spdlog::error("journal compaction failed: {}", e.what());
      std::lock_guard<std::mutex> l(mu_);
      compacting_ = false;
      compaction_failed_ = true;
    }
  });
}

void Journal::rewrite(std::string config) {
  wait_compaction();
  uint64_t seq = last_seq();
  write_snapshot(std::move(config), seq);
  std::unique_lock<std::mutex> l(mu_);
  flushed_.wait(l, [&] { return !syncing_; });  // see compact()
  // The snapshot holds every record: the journals can go.
  ::unlink(old_journal_path().c_str());
  if (fd_ >= 0 && ::ftruncate(fd_, 0) != 0) io_error("cannot empty " + journal_path());
  if (fd_ >= 0 && ::fdatasync(fd_) != 0) io_error("cannot flush " + journal_path());
  journal_bytes_ = allocated_ = 0;
  durable_ = appended_;
  compaction_failed_ = false;
}

void Journal::wait_compaction() {
  if (compactor_.joinable()) compactor_.join();
}

void Journal::set_aside(const std::string &suffix) {
  wait_compaction();
  std::unique_lock<std::mutex> l(mu_);
  flushed_.wait(l, [&] { return !syncing_; });  // see compact()
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  for (const auto &p : {snapshot_path(), journal_path(), old_journal_path()})
    if (::access(p.c_str(), F_OK) == 0 && ::rename(p.c_str(), (p + suffix).c_str()) != 0)
      spdlog::error("cannot set {} aside: {}", p, std::strerror(errno));
  appended_ = durable_ = 0;
  journal_bytes_ = snapshot_bytes_ = 0;
  open_for_append();
}

}  // namespace polycube::daemon
