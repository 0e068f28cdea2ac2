#include "polycube/conntrack.h"

#include "polycube/map.h"

#include <bpf/bpf.h>
#include <time.h>

#include <cstring>

#include <vector>

namespace polycube::conntrack {

uint64_t now_ns() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return uint64_t(ts.tv_sec) * 1000000000ull + uint64_t(ts.tv_nsec);
}

void for_each(int map_fd, size_t value_size, const std::function<void(const pcn_tuple &, const void *)> &fn) {
  for_each_entry(map_fd, sizeof(pcn_tuple), value_size, [&](const void *k, const void *v) {
    pcn_tuple key;
    std::memcpy(&key, k, sizeof key);
    fn(key, v);
  });
}

size_t collect_expired(int map_fd, size_t value_size, uint64_t now,
                       const std::function<void(const pcn_tuple &, const void *)> &on_expired) {
  std::vector<std::pair<pcn_tuple, std::vector<unsigned char>>> dead;
  for_each(map_fd, value_size, [&](const pcn_tuple &k, const void *v) {
    if (pcn_ct_expired(static_cast<const pcn_ct_entry *>(v), k.proto, now))
      dead.emplace_back(k, std::vector<unsigned char>(static_cast<const unsigned char *>(v),
                                                      static_cast<const unsigned char *>(v) + value_size));
  });
  size_t n = 0;
  for (const auto &[k, v] : dead) {
    // Deleted only if still expired: a packet may have revived it meanwhile.
    std::vector<unsigned char> now_value(value_size);
    if (bpf_map_lookup_elem(map_fd, &k, now_value.data()) != 0 ||
        !pcn_ct_expired(reinterpret_cast<const pcn_ct_entry *>(now_value.data()), k.proto, now))
      continue;
    if (on_expired) on_expired(k, now_value.data());
    if (bpf_map_delete_elem(map_fd, &k) == 0) n++;
  }
  return n;
}

Collector::Collector(std::chrono::milliseconds period, std::function<void()> collect) {
  thread_ = std::thread([this, period, collect = std::move(collect)] {
    std::unique_lock<std::mutex> l(mu_);
    while (true) {
      cv_.wait_for(l, period, [this] { return stop_ || woken_; });
      if (stop_) break;
      woken_ = false;
      l.unlock();
      collect();
      l.lock();
    }
  });
}

void Collector::wake() {
  {
    std::lock_guard<std::mutex> l(mu_);
    woken_ = true;
  }
  cv_.notify_all();
}

Collector::~Collector() {
  {
    std::lock_guard<std::mutex> l(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

}  // namespace polycube::conntrack
