#include "testnet.h"

#include <fcntl.h>
#include <sched.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <stdexcept>

namespace pcntest {

int sh(const std::string &cmd) {
  int rc = std::system(cmd.c_str());
  return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

std::string sh_out(const std::string &cmd) {
  std::string out;
  FILE *f = popen(cmd.c_str(), "r");
  if (!f) return out;
  std::array<char, 4096> buf;
  size_t n;
  while ((n = fread(buf.data(), 1, buf.size(), f)) > 0) out.append(buf.data(), n);
  pclose(f);
  while (!out.empty() && out.back() == '\n') out.pop_back();
  return out;
}

void enter_netns(const std::string &ns) {
  int fd = open(("/var/run/netns/" + ns).c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0 || setns(fd, CLONE_NEWNET) != 0) {
    if (fd >= 0) close(fd);
    throw std::runtime_error("setns " + ns);
  }
  close(fd);
}

TestNet::TestNet() {
  // "pt<pid>-": up to 7 pid digits keep host-side names within IFNAMSIZ
  // with short suffixes, and let scripts/cleanup.sh tell a dead run's
  // leftovers from a live run's.
  prefix_ = "pt" + std::to_string(getpid()) + "-";
}

TestNet::~TestNet() {
  for (const auto &l : links_) sh("ip link del " + l + " 2>/dev/null");
  for (const auto &n : namespaces_) sh("ip netns del " + n + " 2>/dev/null");
}

std::string TestNet::add_ns(const std::string &name) {
  std::string full = ns(name);
  sh("ip netns del " + full + " 2>/dev/null");
  if (sh("ip netns add " + full) != 0) throw std::runtime_error("cannot create netns " + full);
  namespaces_.push_back(full);
  sh("ip -n " + full + " link set lo up");
  // No IPv6: its autoconfiguration chatter (router solicitations, MLD, DAD)
  // would add packets to counters that tests assert exactly.
  sh("ip netns exec " + full + " sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1");
  return full;
}

std::string TestNet::add_host(const std::string &nsname, const std::string &host_if, const std::string &cidr,
                              const std::string &mac, const std::string &ns_if) {
  std::string host = ifname(host_if);
  std::string tmp = ifname(host_if + "p");
  if (host.size() > 15 || tmp.size() > 15) throw std::runtime_error("interface name too long: " + tmp);
  sh("ip link del " + host + " 2>/dev/null");
  if (sh("ip link add " + host + " type veth peer name " + tmp) != 0)
    throw std::runtime_error("cannot create veth " + host);
  links_.push_back(host);
  sh("sysctl -qw net.ipv6.conf." + host + ".disable_ipv6=1 net.ipv6.conf." + tmp + ".disable_ipv6=1");
  std::string n = ns(nsname);
  if (sh("ip link set " + tmp + " netns " + n) != 0 || sh("ip -n " + n + " link set " + tmp + " name " + ns_if) != 0)
    throw std::runtime_error("cannot move veth into " + n);
  if (!mac.empty()) sh("ip -n " + n + " link set " + ns_if + " address " + mac);
  if (!cidr.empty()) sh("ip -n " + n + " addr add " + cidr + " dev " + ns_if);
  sh("ip -n " + n + " link set " + ns_if + " up");
  sh("ip link set " + host + " up");
  // Offloads off: checksums stay valid on frames we forward or punt.
  sh("ip netns exec " + n + " ethtool -K " + ns_if + " tx off >/dev/null 2>&1");
  return host;
}

int TestNet::in(const std::string &nsname, const std::string &cmd) const {
  return sh("ip netns exec " + ns(nsname) + " " + cmd);
}

std::string TestNet::in_out(const std::string &nsname, const std::string &cmd) const {
  return sh_out("ip netns exec " + ns(nsname) + " " + cmd);
}

}  // namespace pcntest
