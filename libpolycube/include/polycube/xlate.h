// Translated sessions on the control-plane side (polycube/xlate_shared.h):
// reading them, ending some (their claims with them), and collecting the
// expired ones and claims left without a session. Used by the services that
// translate flows (nat, lbrp) from their collector thread and their
// configuration changes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <functional>
#include <mutex>
#include <set>
#include <string>
#include <type_traits>
#include <vector>

#include "polycube/xlate_shared.h"

namespace polycube::xlate {

// One session as a service shows it: its first packet's tuple as it
// arrived, and the service's session value V (pcn_xlate_entry first).
template <class V>
struct Entry {
  pcn_tuple orig;
  V s;
};

class Sessions {
 public:
  // The service's two maps (dup'd: usable from any thread without the
  // runtime lock, whatever the cube does meanwhile); `value_size`: the
  // size of a session value (struct pcn_xlate_entry first).
  Sessions(int sessions_fd, int reverse_fd, size_t value_size);
  ~Sessions();
  Sessions(const Sessions &) = delete;
  Sessions &operator=(const Sessions &) = delete;

  // Every session: its first packet's tuple and its value.
  void for_each(const std::function<void(const pcn_tuple &, const void *)> &fn) const;
  // Every session, with its value read as V (the service's value type).
  template <class V>
  std::vector<Entry<V>> entries() const {
    static_assert(std::is_trivially_copyable_v<V>);
    std::vector<Entry<V>> out;
    for_each([&](const pcn_tuple &k, const void *v) {
      Entry<V> e{k, {}};
      std::memcpy(&e.s, v, sizeof(e.s));
      out.push_back(e);
    });
    return out;
  }
  // Deletes the sessions `pred` selects, with their claims; returns how many.
  size_t end_if(const std::function<bool(const pcn_tuple &, const void *)> &pred);
  // Deletes timed-out sessions and their claims, and claims without a
  // session (found so on two passes in a row, since a claim is made just
  // before its session); returns how many sessions went.
  size_t collect(uint64_t now);
  int sessions_fd() const { return sessions_fd_; }
  int reverse_fd() const { return reverse_fd_; }

 private:
  void drop_claim(const pcn_tuple &orig, const pcn_xlate_entry &s);

  int sessions_fd_ = -1, reverse_fd_ = -1;
  size_t value_size_;
  std::mutex mu_;                  // one collection at a time
  std::set<std::string> orphans_;  // claims (raw keys) without a session at the last pass
};

// The tuple of the other direction.
pcn_tuple reversed(const pcn_tuple &t);

}  // namespace polycube::xlate
