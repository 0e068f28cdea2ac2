// Typed map wrappers against real kernel maps.
#include <bpf/bpf.h>
#include <gtest/gtest.h>
#include <unistd.h>

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

}  // namespace
