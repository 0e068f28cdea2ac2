// Test topology helper: network namespaces and veth pairs created under a
// unique prefix and always removed in the destructor (tests/cleanup.sh also
// removes leftovers of a crashed run by the same prefix).
#pragma once

#include <string>
#include <vector>

namespace pcntest {

// Runs a shell command; returns its exit status.
int sh(const std::string &cmd);
// Runs a shell command; returns its stdout (trailing newline removed).
std::string sh_out(const std::string &cmd);
// Moves the calling thread into network namespace `ns` (its full name);
// throws std::runtime_error if it cannot.
void enter_netns(const std::string &ns);

class TestNet {
 public:
  TestNet();
  ~TestNet();
  TestNet(const TestNet &) = delete;
  TestNet &operator=(const TestNet &) = delete;

  // Creates namespace `<prefix><name>`; returns its full name.
  std::string add_ns(const std::string &name);
  // Creates a veth pair: `host_if` stays in the root namespace (up, no
  // address), the other end goes into namespace `ns` as `eth0`-like `ns_if`
  // with address `cidr` (e.g. "10.0.0.1/24") and MAC `mac` if given.
  // Returns the full host-side name.
  std::string add_host(const std::string &ns, const std::string &host_if, const std::string &cidr,
                       const std::string &mac = "", const std::string &ns_if = "eth0");
  // Runs `cmd` inside namespace `ns` (short name).
  int in(const std::string &ns, const std::string &cmd) const;
  std::string in_out(const std::string &ns, const std::string &cmd) const;
  std::string ns(const std::string &name) const { return prefix_ + name; }
  std::string ifname(const std::string &name) const { return prefix_ + name; }
  const std::string &prefix() const { return prefix_; }

 private:
  std::string prefix_;
  std::vector<std::string> namespaces_, links_;
};

}  // namespace pcntest
