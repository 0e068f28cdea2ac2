// Typed wrappers over BPF map file descriptors. They do not own the fd (the
// cube or runtime that created the map does); they are cheap to copy.
#pragma once

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include <cerrno>
#include <cstring>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "polycube/error.h"

namespace polycube {

using EntryFn = std::function<void(const void *key, const void *value)>;

// Calls fn for every entry of the map at fd, read with BPF_MAP_LOOKUP_BATCH:
// one syscall per chunk of entries instead of two per entry (get_next_key
// + lookup), falling back to that key walk where the kernel or map type has
// no batch lookup. value_size is what one lookup copies out (for per-CPU
// maps: possible CPUs x the value rounded up to 8 bytes). Entries added or
// removed during the walk may or may not be seen, as with the key walk.
void for_each_entry(int fd, size_t key_size, size_t value_size, const EntryFn &fn);

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
    for_each_entry(fd_, sizeof(K), sizeof(V), [&](const void *k, const void *v) {
      K key;
      V value;
      std::memcpy(&key, k, sizeof key);  // the kernel's buffers are not aligned for K and V
      std::memcpy(&value, v, sizeof value);
      fn(key, value);
    });
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
