#include "polycube/map.h"

#include <algorithm>
#include <cstring>

namespace polycube {

namespace {

// Kernels or map types without batch operations answer one of these to the
// first BPF_MAP_LOOKUP_BATCH (ENOTSUPP, 524, is the kernel-internal one
// some paths leak).
bool batch_unsupported(int err) { return err == EINVAL || err == ENOTSUP || err == EOPNOTSUPP || err == 524; }

void walk_keys(int fd, size_t key_size, size_t value_size, const EntryFn &fn) {
  std::vector<unsigned char> key(key_size), next(key_size), value(value_size);
  const void *prev = nullptr;
  while (bpf_map_get_next_key(fd, prev, next.data()) == 0) {
    if (bpf_map_lookup_elem(fd, next.data(), value.data()) == 0) fn(next.data(), value.data());
    key = next;
    prev = key.data();
  }
}

}  // namespace

void for_each_entry(int fd, size_t key_size, size_t value_size, const EntryFn &fn) {
  // The batch cursor is opaque: a bucket index (u32) for hash maps, a key
  // for arrays; room for either.
  std::vector<unsigned char> in(std::max<size_t>(key_size, sizeof(uint64_t))), out(in.size());
  std::vector<unsigned char> keys, values;
  uint32_t chunk = 256;
  bool first = true;
  for (;;) {
    keys.resize(size_t(chunk) * key_size);
    values.resize(size_t(chunk) * value_size);
    uint32_t count = chunk;
    int err = bpf_map_lookup_batch(fd, first ? nullptr : in.data(), out.data(), keys.data(), values.data(), &count,
                                   nullptr) == 0
                  ? 0
                  : errno;
    if (err == ENOSPC && count == 0) {  // one hash bucket holds more than a chunk
      chunk *= 2;
      continue;
    }
    if (err && err != ENOENT) {
      if (first && batch_unsupported(err)) return walk_keys(fd, key_size, value_size, fn);
      check_kernel(-err, "map batch lookup");
    }
    for (uint32_t i = 0; i < count; i++) fn(keys.data() + size_t(i) * key_size, values.data() + size_t(i) * value_size);
    if (err == ENOENT) return;  // the last chunk
    std::memcpy(in.data(), out.data(), in.size());
    first = false;
  }
}

}  // namespace polycube
