#include "polycube/maglev_tables.h"

#include <bpf/bpf.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <string>

#include "polycube/error.h"

namespace polycube::maglev {

Tables::Tables(int outer_fd, std::chrono::milliseconds grace) : outer_fd_(outer_fd), grace_(grace) {
  bpf_map_info info{};
  uint32_t len = sizeof(info);
  check_kernel(bpf_obj_get_info_by_fd(outer_fd, &info, &len) ? -errno : 0, "maglev tables: map info");
  capacity_ = info.max_entries;
}

Tables::~Tables() = default;  // the tables go with the cube's map

uint32_t Tables::acquire(std::vector<Endpoint> endpoints) {
  std::erase_if(endpoints, [](const Endpoint &e) { return e.weight == 0; });
  if (endpoints.empty()) return kNone;
  std::sort(endpoints.begin(), endpoints.end());
  std::lock_guard<std::mutex> l(mu_);
  collect_locked(false);
  if (auto it = by_key_.find(endpoints); it != by_key_.end()) {
    entries_[it->second].users++;
    return it->second;
  }
  uint32_t index;
  if (!free_.empty()) {
    index = free_.back();
  } else if (next_ < capacity_) {
    index = next_;
  } else if (collect_locked(true), !free_.empty()) {  // tables still in their grace period, if nothing else
    index = free_.back();
  } else {
    throw Error(ErrorCode::kInvalid, "maglev: every one of the " + std::to_string(capacity_) +
                                         " tables of this cube is in use (distinct backend sets and weights)");
  }
  std::vector<uint16_t> table = build(endpoints);
  builds_++;
  int inner = bpf_map_create(BPF_MAP_TYPE_ARRAY, "pcn_maglev", sizeof(uint32_t), sizeof(pcn_maglev_table), 1, nullptr);
  check_kernel(inner < 0 ? -errno : 0, "maglev: create a table");
  uint32_t zero = 0;
  int err = bpf_map_update_elem(inner, &zero, table.data(), BPF_ANY) ? -errno : 0;
  if (!err) err = bpf_map_update_elem(outer_fd_, &index, &inner, BPF_ANY) ? -errno : 0;
  ::close(inner);  // the outer map holds it now
  check_kernel(err, "maglev: write a table");
  if (!free_.empty() && free_.back() == index) free_.pop_back();
  else next_++;
  by_key_[endpoints] = index;
  entries_[index] = Entry{std::move(endpoints), 1};
  return index;
}

void Tables::release(uint32_t index) {
  if (index == kNone) return;
  std::lock_guard<std::mutex> l(mu_);
  auto it = entries_.find(index);
  if (it == entries_.end() || it->second.users == 0) return;
  if (--it->second.users == 0) {
    it->second.released_at = std::chrono::steady_clock::now();
    released_.push_back({it->second.released_at, index});
  }
}

size_t Tables::collect() {
  std::lock_guard<std::mutex> l(mu_);
  return collect_locked(false);
}

// Tables whose last release is older than the grace period (or every
// unused one, `all`: the map is full) leave the map. A record older than
// its table's last release is stale: the newer one counts.
size_t Tables::collect_locked(bool all) {
  auto now = std::chrono::steady_clock::now();
  size_t n = 0;
  while (!released_.empty()) {
    auto [when, index] = released_.front();
    if (!all && now - when < grace_) break;  // records are in time order
    released_.pop_front();
    auto it = entries_.find(index);
    if (it == entries_.end() || it->second.users > 0 || it->second.released_at != when) continue;
    bpf_map_delete_elem(outer_fd_, &index);
    by_key_.erase(it->second.key);
    entries_.erase(it);
    free_.push_back(index);
    n++;
  }
  return n;
}

size_t Tables::size() const {
  std::lock_guard<std::mutex> l(mu_);
  return entries_.size();
}

size_t Tables::builds() const {
  std::lock_guard<std::mutex> l(mu_);
  return builds_;
}

}  // namespace polycube::maglev
