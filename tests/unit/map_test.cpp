// Typed map wrappers against real kernel maps.
#include <bpf/bpf.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <map>

#include "polycube/learned_table.h"
#include "polycube/map.h"

using namespace polycube;

namespace {

struct Value {
  uint32_t a;
  uint64_t b;
};

class KernelMap {
 public:
  KernelMap(bpf_map_type type, uint32_t key, uint32_t value, uint32_t n)
      : fd_(bpf_map_create(type, "pcn_unit", key, value, n, nullptr)) {}
  ~KernelMap() {
    if (fd_ >= 0) close(fd_);
  }
  int fd() const { return fd_; }

 private:
  int fd_;
};

TEST(Map, HashSetGetEraseIterate) {
  KernelMap km(BPF_MAP_TYPE_HASH, sizeof(uint64_t), sizeof(Value), 16);
  ASSERT_GE(km.fd(), 0);
  Map<uint64_t, Value> m(km.fd());
  EXPECT_FALSE(m.get(1).has_value());
  m.set(1, {10, 100});
  m.set(2, {20, 200});
  m.set(1, {11, 101});  // overwrite
  ASSERT_TRUE(m.get(1).has_value());
  EXPECT_EQ(m.get(1)->a, 11u);
  EXPECT_EQ(m.get(1)->b, 101u);
  uint64_t sum = 0;
  m.for_each([&](const uint64_t &k, const Value &v) { sum += k * v.a; });
  EXPECT_EQ(sum, 1u * 11 + 2u * 20);
  EXPECT_EQ(m.keys().size(), 2u);
  EXPECT_TRUE(m.erase(2));
  EXPECT_FALSE(m.erase(2));
  EXPECT_EQ(m.keys(), std::vector<uint64_t>{1});
}

TEST(Map, FullMapRaisesKernelError) {
  KernelMap km(BPF_MAP_TYPE_HASH, sizeof(uint32_t), sizeof(uint32_t), 2);
  Map<uint32_t, uint32_t> m(km.fd());
  m.set(1, 1);
  m.set(2, 2);
  try {
    m.set(3, 3);
    FAIL() << "a full hash accepted a new key";
  } catch (const Error &e) {
    EXPECT_EQ(e.code(), ErrorCode::kKernel);
  }
  EXPECT_EQ(m.keys().size(), 2u);
}

TEST(PercpuMap, OneValuePerPossibleCpu) {
  KernelMap km(BPF_MAP_TYPE_PERCPU_ARRAY, sizeof(uint32_t), sizeof(uint64_t), 4);
  PercpuMap<uint32_t, uint64_t> m(km.fd());
  m.set_all(3, 7);
  auto values = m.get(3);
  ASSERT_EQ(values.size(), static_cast<size_t>(libbpf_num_possible_cpus()));
  for (uint64_t v : values) EXPECT_EQ(v, 7u);
  EXPECT_TRUE(m.get(9).empty());  // out of range
}

// The entries of the map at fd by the key walk (get_next_key + lookup) that
// for_each_entry replaced: the reference for the batch reads.
std::map<std::vector<unsigned char>, std::vector<unsigned char>> key_walk(int fd, size_t ks, size_t vs) {
  std::map<std::vector<unsigned char>, std::vector<unsigned char>> out;
  std::vector<unsigned char> key(ks), next(ks), value(vs);
  const void *prev = nullptr;
  while (bpf_map_get_next_key(fd, prev, next.data()) == 0) {
    if (bpf_map_lookup_elem(fd, next.data(), value.data()) == 0) out[next] = value;
    key = next;
    prev = key.data();
  }
  return out;
}

std::map<std::vector<unsigned char>, std::vector<unsigned char>> batch_walk(int fd, size_t ks, size_t vs) {
  std::map<std::vector<unsigned char>, std::vector<unsigned char>> out;
  for_each_entry(fd, ks, vs, [&](const void *k, const void *v) {
    auto key = std::vector<unsigned char>(static_cast<const unsigned char *>(k), static_cast<const unsigned char *>(k) + ks);
    EXPECT_EQ(out.count(key), 0u) << "an entry read twice";
    out[key] = std::vector<unsigned char>(static_cast<const unsigned char *>(v), static_cast<const unsigned char *>(v) + vs);
  });
  return out;
}

// A large FDB-like table of every kind the services read: the batch read
// returns exactly the entries of the key walk (not one more, none twice).
TEST(Map, BatchReadEqualsKeyWalk) {
  const uint32_t n = 20000;
  size_t ncpus = static_cast<size_t>(libbpf_num_possible_cpus());
  for (auto type : {BPF_MAP_TYPE_HASH, BPF_MAP_TYPE_LRU_HASH, BPF_MAP_TYPE_PERCPU_HASH, BPF_MAP_TYPE_ARRAY}) {
    SCOPED_TRACE(libbpf_bpf_map_type_str(type));
    bool percpu = type == BPF_MAP_TYPE_PERCPU_HASH;
    size_t vs = percpu ? ncpus * sizeof(Value) : sizeof(Value);
    size_t ks = type == BPF_MAP_TYPE_ARRAY ? sizeof(uint32_t) : sizeof(uint64_t);  // little-endian: the low bytes
    KernelMap km(type, ks, sizeof(Value), 65536);
    ASSERT_GE(km.fd(), 0);
    if (type != BPF_MAP_TYPE_ARRAY) {
      EXPECT_TRUE(batch_walk(km.fd(), ks, vs).empty());
    }
    std::vector<Value> values(percpu ? ncpus : 1);
    for (uint64_t i = 0; i < n; i++) {
      uint64_t key = type == BPF_MAP_TYPE_ARRAY ? i : i * 0x9e3779b97f4a7c15ull;
      for (size_t c = 0; c < values.size(); c++) values[c] = {uint32_t(i), i * 1000 + c};
      ASSERT_EQ(bpf_map_update_elem(km.fd(), &key, values.data(), BPF_ANY), 0);
    }
    auto want = key_walk(km.fd(), ks, vs);
    auto got = batch_walk(km.fd(), ks, vs);
    EXPECT_EQ(got.size(), type == BPF_MAP_TYPE_ARRAY ? 65536u : n);
    EXPECT_TRUE(got == want);
  }
}

TEST(Map, BatchReadOfAnEmptyHash) {
  KernelMap km(BPF_MAP_TYPE_LRU_HASH, sizeof(uint64_t), sizeof(Value), 65536);
  Map<uint64_t, Value> m(km.fd());
  size_t seen = 0;
  m.for_each([&](const uint64_t &, const Value &) { seen++; });
  EXPECT_EQ(seen, 0u);
}

// A learned table read through its generation: after every change the data
// plane makes (insert then bump, LRU eviction, deletion, a changed value),
// and the control plane's own inserts (forget), it returns what a full walk
// returns.
TEST(LearnedTable, ReadsEqualTheWalkAfterEveryKindOfChange) {
  KernelMap table(BPF_MAP_TYPE_LRU_HASH, sizeof(uint64_t), sizeof(Value), 65536);
  KernelMap gen(BPF_MAP_TYPE_PERCPU_ARRAY, sizeof(uint32_t), sizeof(uint64_t), 1);
  ASSERT_GE(table.fd(), 0);
  ASSERT_GE(gen.fd(), 0);
  Map<uint64_t, Value> m(table.fd());
  PercpuMap<uint32_t, uint64_t> g(gen.fd());
  uint64_t generation = 0;
  auto learn = [&](uint64_t mac, uint32_t port) {  // what the data plane does
    m.set(mac, {port, mac});
    g.set_all(0, ++generation);  // any change of the sum
  };
  LearnedTable<uint64_t, Value> learned(table.fd(), gen.fd(), 65536);
  auto read = [&] {
    std::map<uint64_t, uint32_t> out;
    learned.for_each([&](const uint64_t &k, const Value &v) {
      EXPECT_EQ(out.count(k), 0u);
      out[k] = v.a;
    });
    return out;
  };
  auto walk = [&] {
    std::map<uint64_t, uint32_t> out;
    m.for_each([&](const uint64_t &k, const Value &v) { out[k] = v.a; });
    return out;
  };
  EXPECT_TRUE(read().empty());
  learn(1, 1);
  learn(2, 2);
  EXPECT_EQ(read(), walk());
  EXPECT_EQ(read().size(), 2u);  // the second read from the snapshot
  m.set(2, {7, 2});               // a moved port: a value, no new key
  EXPECT_EQ(read(), walk());
  EXPECT_EQ(read().at(2), 7u);
  m.erase(1);  // eviction or deletion
  EXPECT_EQ(read(), walk());
  learn(3, 3);
  EXPECT_EQ(read(), walk());
  EXPECT_EQ(read().size(), 2u);
  m.set(4, {4, 4});  // a static entry the control plane writes
  learned.forget();
  EXPECT_EQ(read(), walk());
  EXPECT_EQ(read().size(), 3u);
  // Beyond the size where lookups cost more than the walk: still exact.
  for (uint64_t i = 100; i < 1100; i++) learn(i, 9);
  EXPECT_EQ(read(), walk());
  EXPECT_EQ(read().size(), 1003u);
  for (uint64_t i = 100; i < 1100; i++) m.erase(i);
  EXPECT_EQ(read(), walk());
  EXPECT_EQ(read().size(), 3u);
}

}  // namespace
