#include "versions.h"

#include <spdlog/spdlog.h>

#include <ctime>
#include <set>

#include "polycube/error.h"
#include "polycube/strict_json.h"

namespace polycube::daemon {

using nlohmann::json;

namespace {

constexpr std::string_view kPrefix = "pcn-v1 ";

[[noreturn]] void malformed(const std::string &what) {
  throw Error(ErrorCode::kInvalid, "saved versions are malformed: " + what);
}

json parse_meta(std::string_view text) {
  StrictJson doc = parse_json(std::string(text));
  if (!doc.ok() || !doc.value.is_object()) malformed("a metadata line is not a JSON object");
  return std::move(doc.value);
}

// The next line of `s` from `pos` (without its newline); npos-safe.
std::string_view line_at(std::string_view s, size_t &pos) {
  size_t nl = s.find('\n', pos);
  if (nl == std::string_view::npos) malformed("a line is cut short");
  std::string_view out = s.substr(pos, nl - pos);
  pos = nl + 1;
  return out;
}

}  // namespace

int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string rfc3339(int64_t ms) {
  std::time_t secs = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[96];  // room for any int the compiler imagines in tm
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(ms % 1000));
  return buf;
}

json VersionEntry::meta() const {
  json m = {{"version", number}, {"time", time_ms}, {"cubes", cubes}};
  if (!user.empty()) m["user"] = user;
  if (!message.empty()) m["message"] = message;
  return m;
}

VersionEntry VersionEntry::from_meta(const json &m) {
  VersionEntry e;
  try {
    e.number = m.at("version").get<uint64_t>();
    e.time_ms = m.at("time").get<int64_t>();
    e.user = m.value("user", "");
    e.message = m.value("message", "");
    e.cubes = m.value("cubes", std::vector<std::string>{});
  } catch (const json::exception &x) {
    malformed(std::string("version metadata: ") + x.what());
  }
  return e;
}

json PendingConfirm::to_json() const {
  json j = {{"version", version}, {"revert-to", revert_to}, {"deadline", deadline_ms}};
  if (!user.empty()) j["user"] = user;
  return j;
}

PendingConfirm PendingConfirm::from_json(const json &j) {
  PendingConfirm p;
  try {
    p.version = j.at("version").get<uint64_t>();
    p.revert_to = j.at("revert-to").get<uint64_t>();
    p.deadline_ms = j.at("deadline").get<int64_t>();
    p.user = j.value("user", "");
  } catch (const json::exception &x) {
    malformed(std::string("pending confirmed commit: ") + x.what());
  }
  return p;
}

VersionHistory::VersionHistory(size_t kept, size_t max_undo_bytes)
    : kept_(std::max<size_t>(kept, 2)), max_undo_bytes_(max_undo_bytes) {}

const VersionEntry *VersionHistory::find(uint64_t v) const {
  if (!has(v)) return nullptr;
  return &entries_[v - oldest()];  // numbers are consecutive
}

void VersionHistory::start(const std::string &message) {
  VersionEntry e;
  e.number = current_ + (entries_.empty() && current_ == 0 ? 0 : 1);
  e.time_ms = now_ms();
  e.message = message;
  entries_.clear();
  undo_bytes_ = 0;
  current_ = e.number;
  entries_.push_back(std::move(e));
}

void VersionHistory::push(VersionEntry e) {
  if (!entries_.empty() && e.number != current_ + 1)
    throw Error(ErrorCode::kInvalid, "version " + std::to_string(e.number) + " does not follow " + std::to_string(current_));
  undo_bytes_ += e.undo.size();
  current_ = e.number;
  entries_.push_back(std::move(e));
  if (entries_.size() == 1) {  // the first one: nothing before it
    undo_bytes_ -= entries_.front().undo.size();
    entries_.front().undo.clear();
  }
  trim();
}

void VersionHistory::trim() {
  while (entries_.size() > 2 && (entries_.size() > kept_ || undo_bytes_ > max_undo_bytes_)) {
    // Dropping the oldest makes the next one the oldest reachable: not past
    // the version a pending confirmed commit goes back to.
    if (pending_ && entries_[1].number > pending_->revert_to) break;
    undo_bytes_ -= entries_.front().undo.size();
    entries_.pop_front();
    undo_bytes_ -= entries_.front().undo.size();
    entries_.front().undo.clear();  // nothing before it any more
    entries_.front().undo.shrink_to_fit();
  }
}

std::vector<const std::string *> VersionHistory::undo_since(uint64_t v) const {
  std::vector<const std::string *> out;
  for (auto it = entries_.rbegin(); it != entries_.rend() && it->number > v; ++it) out.push_back(&it->undo);
  return out;
}

std::vector<std::string> VersionHistory::cubes_between(uint64_t a, uint64_t b) const {
  std::set<std::string> names;
  for (const auto &e : entries_)
    if (e.number > a && e.number <= b) names.insert(e.cubes.begin(), e.cubes.end());
  return {names.begin(), names.end()};
}

std::string VersionHistory::record_payload(const json &meta, std::string_view undo, std::string_view edit) {
  std::string m = meta.dump();
  std::string out;
  out.reserve(kPrefix.size() + m.size() + undo.size() + edit.size() + 2);
  out.append(kPrefix);
  out += m;
  out += '\n';
  out.append(undo);
  out += '\n';
  out.append(edit);
  return out;
}

std::string VersionHistory::snapshot_payload(std::string_view config) const {
  json state = {{"current", current()}, {"versions", entries_.size()}};
  if (pending_) state["pending"] = pending_->to_json();
  std::string out(kPrefix);
  out += state.dump();
  out += '\n';
  for (const auto &e : entries_) {
    out += e.meta().dump();
    out += '\n';
    out += e.undo;
    out += '\n';
  }
  out.append(config);
  return out;
}

VersionHistory::Split VersionHistory::split_record(std::string_view payload) {
  Split s;
  if (payload.substr(0, kPrefix.size()) != kPrefix) {
    s.body = payload;  // an older polycubed's record: the edit alone
    return s;
  }
  s.framed = true;
  size_t pos = kPrefix.size();
  s.meta = parse_meta(line_at(payload, pos));
  s.undo = line_at(payload, pos);
  s.body = payload.substr(pos);
  return s;
}

VersionHistory::Split VersionHistory::split_snapshot(std::string_view payload) {
  Split s;
  if (payload.substr(0, kPrefix.size()) != kPrefix) {
    s.body = payload;  // an older polycubed's snapshot: the configuration alone
    return s;
  }
  s.framed = true;
  size_t pos = kPrefix.size();
  s.meta = parse_meta(line_at(payload, pos));
  if (!s.meta.contains("versions") || !s.meta["versions"].is_number_unsigned()) malformed("no version count");
  size_t n = s.meta["versions"].get<size_t>();
  for (size_t i = 0; i < n; i++) {
    std::string_view meta = line_at(payload, pos);
    std::string_view undo = line_at(payload, pos);
    s.versions.emplace_back(meta, undo);
  }
  s.body = payload.substr(pos);
  return s;
}

void VersionHistory::load_snapshot(const Split &s) {
  clear();
  if (!s.framed) return;
  for (const auto &[meta, undo] : s.versions) {
    VersionEntry e = VersionEntry::from_meta(parse_meta(meta));
    e.undo = std::string(undo);
    if (!entries_.empty() && e.number != current_ + 1) malformed("version numbers are not consecutive");
    undo_bytes_ += e.undo.size();
    current_ = e.number;
    entries_.push_back(std::move(e));
  }
  if (s.meta.contains("pending")) pending_ = PendingConfirm::from_json(s.meta["pending"]);
  if (entries_.empty() && s.meta.contains("current")) current_ = s.meta["current"].get<uint64_t>();
}

void VersionHistory::load_record(const Split &s) {
  if (!s.framed) return;
  if (s.meta.contains("version")) {
    VersionEntry e = VersionEntry::from_meta(s.meta);
    e.undo = std::string(s.undo);
    if (entries_.empty()) current_ = e.number - 1;  // an unframed snapshot before it
    push(std::move(e));
  }
  if (s.meta.contains("pending"))
    pending_ = s.meta["pending"].is_null() ? std::nullopt : std::optional(PendingConfirm::from_json(s.meta["pending"]));
  trim();  // a pending state that no longer holds the history back
}

void VersionHistory::clear() {
  entries_.clear();
  undo_bytes_ = 0;
  current_ = 0;
  pending_.reset();
}

json VersionHistory::to_json() const {
  json list = json::array();
  for (auto it = entries_.rbegin(); it != entries_.rend(); ++it) {
    json v = {{"number", it->number}, {"time", rfc3339(it->time_ms)}, {"cubes", it->cubes}};
    if (!it->user.empty()) v["user"] = it->user;
    if (!it->message.empty()) v["message"] = it->message;
    list.push_back(std::move(v));
  }
  json out = {{"current", current()}, {"oldest", oldest()}, {"kept", kept_}, {"version", list}};
  if (pending_) {
    int64_t left = pending_->deadline_ms - now_ms();
    json p = {{"version", pending_->version},
              {"revert-to", pending_->revert_to},
              {"deadline", rfc3339(pending_->deadline_ms)},
              {"seconds-left", left > 0 ? (left + 999) / 1000 : 0}};
    if (!pending_->user.empty()) p["user"] = pending_->user;
    out["pending-confirm"] = p;
  }
  return out;
}

CommitTimer::~CommitTimer() {
  {
    std::lock_guard<std::mutex> l(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void CommitTimer::arm(int64_t deadline_ms) {
  {
    std::lock_guard<std::mutex> l(mu_);
    deadline_ = deadline_ms;
    if (!thread_.joinable()) thread_ = std::thread([this] { loop(); });
  }
  cv_.notify_all();
}

void CommitTimer::disarm() {
  {
    std::lock_guard<std::mutex> l(mu_);
    deadline_.reset();
  }
  cv_.notify_all();
}

void CommitTimer::loop() {
  std::unique_lock<std::mutex> l(mu_);
  while (!stop_) {
    if (!deadline_) {
      cv_.wait(l);
      continue;
    }
    int64_t left = *deadline_ - now_ms();
    if (left > 0) {
      // The wall clock, not a steady one: the deadline is persisted as a
      // time of day and must mean the same after a restart.
      cv_.wait_for(l, std::chrono::milliseconds(std::min<int64_t>(left, 1000)));
      continue;
    }
    deadline_.reset();
    l.unlock();
    try {
      fire_();
    } catch (const std::exception &e) {
      spdlog::error("confirmed commit timer: {}", e.what());
    }
    l.lock();
  }
}

}  // namespace polycube::daemon
