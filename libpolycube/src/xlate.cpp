#include "polycube/xlate.h"

#include <bpf/bpf.h>
#include <unistd.h>

#include <cstring>
#include <vector>

#include "polycube/conntrack.h"
#include "polycube/error.h"

namespace polycube::xlate {

namespace {

std::string raw(const pcn_tuple &t) { return std::string(reinterpret_cast<const char *>(&t), sizeof(t)); }
bool same(const pcn_tuple &a, const pcn_tuple &b) { return std::memcmp(&a, &b, sizeof(a)) == 0; }

}  // namespace

pcn_tuple reversed(const pcn_tuple &t) {
  pcn_tuple r{};
  r.saddr = t.daddr;
  r.daddr = t.saddr;
  r.sport = t.dport;
  r.dport = t.sport;
  r.proto = t.proto;
  return r;
}

Sessions::Sessions(int sessions_fd, int reverse_fd, size_t value_size) : value_size_(value_size) {
  sessions_fd_ = ::dup(sessions_fd);
  reverse_fd_ = ::dup(reverse_fd);
  if (sessions_fd_ < 0 || reverse_fd_ < 0) {
    for (int fd : {sessions_fd_, reverse_fd_})
      if (fd >= 0) ::close(fd);
    throw Error(ErrorCode::kKernel, "cannot dup the session maps");
  }
}

Sessions::~Sessions() {
  ::close(sessions_fd_);
  ::close(reverse_fd_);
}

void Sessions::for_each(const std::function<void(const pcn_tuple &, const void *)> &fn) const {
  conntrack::for_each(sessions_fd_, value_size_, fn);
}

void Sessions::drop_claim(const pcn_tuple &orig, const pcn_xlate_entry &s) {
  pcn_tuple rev = reversed(s.xlated), holder{};
  if (bpf_map_lookup_elem(reverse_fd_, &rev, &holder) == 0 && same(holder, orig)) bpf_map_delete_elem(reverse_fd_, &rev);
}

size_t Sessions::end_if(const std::function<bool(const pcn_tuple &, const void *)> &pred) {
  std::vector<std::pair<pcn_tuple, pcn_xlate_entry>> doomed;
  for_each([&](const pcn_tuple &k, const void *v) {
    if (pred(k, v)) doomed.emplace_back(k, *static_cast<const pcn_xlate_entry *>(v));
  });
  for (const auto &[orig, s] : doomed) {
    bpf_map_delete_elem(sessions_fd_, &orig);
    drop_claim(orig, s);
  }
  return doomed.size();
}

size_t Sessions::collect(uint64_t now) {
  std::lock_guard<std::mutex> l(mu_);
  size_t n = conntrack::collect_expired(sessions_fd_, value_size_, now, [&](const pcn_tuple &orig, const void *v) {
    drop_claim(orig, *static_cast<const pcn_xlate_entry *>(v));
  });
  std::set<std::string> orphans;
  std::vector<pcn_tuple> remove;
  std::vector<unsigned char> value(value_size_);
  pcn_tuple rev{}, next{}, orig{};
  const void *prev = nullptr;
  while (bpf_map_get_next_key(reverse_fd_, prev, &next) == 0) {
    rev = next;
    prev = &rev;
    if (bpf_map_lookup_elem(reverse_fd_, &rev, &orig) != 0) continue;
    if (bpf_map_lookup_elem(sessions_fd_, &orig, value.data()) == 0 &&
        same(reversed(reinterpret_cast<const pcn_xlate_entry *>(value.data())->xlated), rev))
      continue;
    std::string k = raw(rev);
    if (orphans_.count(k)) remove.push_back(rev);
    else orphans.insert(k);
  }
  for (const auto &r : remove) bpf_map_delete_elem(reverse_fd_, &r);
  orphans_ = std::move(orphans);
  return n;
}

}  // namespace polycube::xlate
