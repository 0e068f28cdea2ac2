// libpcap's own verdict on a frame (pcap_offline_filter), for checking the
// classic-to-eBPF translation. libpcap's headers stay in
// pcap_reference.cpp: its struct bpf_insn is not the kernel's.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

namespace pcntest {

class PcapReference {
 public:
  explicit PcapReference(const std::string &expression);  // throws std::runtime_error
  ~PcapReference();
  uint32_t verdict(const std::string &frame) const;  // 0: no match

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace pcntest
