#include "pcap_filter.h"

#include <pcap/pcap.h>

#include <memory>
#include <mutex>

#include "polycube/error.h"

namespace polycube::services {

std::vector<CbpfInsn> compile_filter(const std::string &expression) {
  // pcap_compile is not thread safe before libpcap 1.8 and keeps its
  // parser state per pcap_t; one lock keeps it simple.
  static std::mutex mu;
  std::lock_guard<std::mutex> lock(mu);
  std::unique_ptr<pcap_t, void (*)(pcap_t *)> dead(pcap_open_dead(DLT_EN10MB, kFilterSnaplen), pcap_close);
  if (!dead)
    throw Error(ErrorCode::kKernel, "libpcap: cannot open a dead handle");
  bpf_program prog{};
  if (pcap_compile(dead.get(), &prog, expression.c_str(), 1, PCAP_NETMASK_UNKNOWN) != 0)
    throw Error(ErrorCode::kInvalid, "invalid filter '" + expression + "': " + pcap_geterr(dead.get()));
  std::vector<CbpfInsn> out;
  out.reserve(prog.bf_len);
  for (u_int i = 0; i < prog.bf_len; i++) {
    const bpf_insn &in = prog.bf_insns[i];
    out.push_back({in.code, in.jt, in.jf, in.k});
  }
  pcap_freecode(&prog);
  return out;
}

}  // namespace polycube::services
