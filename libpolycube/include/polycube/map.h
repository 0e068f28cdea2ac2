// Typed wrappers over BPF map file descriptors. They do not own the fd (the
// cube or runtime that created the map does); they are cheap to copy.
#pragma once

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include <cerrno>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "polycube/error.h"

namespace polycube {

template <class K, class V>
class Map {
 public:
  explicit Map(int fd = -1) : fd_(fd) {}
  int fd() const { return fd_; }

  std::optional<V> get(const K &key) const {
    V value{};
    if (bpf_map_lookup_elem(fd_, &key, &value) != 0)
      return std::nullopt;
    return value;
  }
  void set(const K &key, const V &value, uint64_t flags = BPF_ANY) {
    check_kernel(bpf_map_update_elem(fd_, &key, &value, flags) ? -errno : 0, "map update");
  }
  // Returns false when the key was absent.
  bool erase(const K &key) { return bpf_map_delete_elem(fd_, &key) == 0; }

  void for_each(const std::function<void(const K &, const V &)> &fn) const {
    K key{}, next{};
    const K *prev = nullptr;
    while (bpf_map_get_next_key(fd_, prev, &next) == 0) {
      V value{};
      if (bpf_map_lookup_elem(fd_, &next, &value) == 0)
        fn(next, value);
      key = next;
      prev = &key;
    }
  }
  std::vector<K> keys() const {
    std::vector<K> out;
    for_each([&](const K &k, const V &) { out.push_back(k); });
    return out;
  }

 private:
  int fd_;
};

// Per-CPU map: one value per possible CPU.
template <class K, class V>
class PercpuMap {
 public:
  explicit PercpuMap(int fd = -1) : fd_(fd), ncpus_(libbpf_num_possible_cpus()) {}
  std::vector<V> get(const K &key) const {
    std::vector<V> values(ncpus_ > 0 ? ncpus_ : 1);
    if (bpf_map_lookup_elem(fd_, &key, values.data()) != 0)
      return {};
    return values;
  }
  void set_all(const K &key, const V &value) {
    std::vector<V> values(ncpus_ > 0 ? ncpus_ : 1, value);
    check_kernel(bpf_map_update_elem(fd_, &key, values.data(), BPF_ANY) ? -errno : 0,
                 "percpu map update");
  }

 private:
  int fd_;
  int ncpus_;
};

}  // namespace polycube
