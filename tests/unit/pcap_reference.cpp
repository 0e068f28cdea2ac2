#include "pcap_reference.h"

#include <pcap/pcap.h>

#include <stdexcept>

namespace pcntest {

struct PcapReference::Impl {
  bpf_program prog{};
};

PcapReference::PcapReference(const std::string &expression) : impl_(std::make_unique<Impl>()) {
  pcap_t *dead = pcap_open_dead(DLT_EN10MB, 262144);
  if (!dead) throw std::runtime_error("pcap_open_dead");
  if (pcap_compile(dead, &impl_->prog, expression.c_str(), 1, PCAP_NETMASK_UNKNOWN) != 0) {
    std::string err = pcap_geterr(dead);
    pcap_close(dead);
    throw std::runtime_error("pcap_compile '" + expression + "': " + err);
  }
  pcap_close(dead);
}

PcapReference::~PcapReference() { pcap_freecode(&impl_->prog); }

uint32_t PcapReference::verdict(const std::string &frame) const {
  pcap_pkthdr h{};
  h.caplen = h.len = static_cast<bpf_u_int32>(frame.size());
  return static_cast<uint32_t>(
      pcap_offline_filter(&impl_->prog, &h, reinterpret_cast<const u_char *>(frame.data())));
}

}  // namespace pcntest
