#include "pcap_read.h"

#include <cstring>
#include <fstream>
#include <sstream>

namespace pcntest {

PcapFile read_pcap(const std::string &bytes) {
  PcapFile f;
  if (bytes.size() < 24) return f;
  uint32_t magic = 0;
  std::memcpy(&magic, bytes.data(), 4);
  if (magic != 0xa1b2c3d4u && magic != 0xa1b23c4du) return f;
  f.ok = true;
  f.nanosecond = magic == 0xa1b23c4du;
  std::memcpy(&f.snaplen, bytes.data() + 16, 4);
  for (size_t at = 24; at + 16 <= bytes.size();) {
    PcapRecord r;
    std::memcpy(&r.sec, bytes.data() + at, 4);
    std::memcpy(&r.frac, bytes.data() + at + 4, 4);
    std::memcpy(&r.caplen, bytes.data() + at + 8, 4);
    std::memcpy(&r.len, bytes.data() + at + 12, 4);
    r.data = bytes.substr(at + 16, r.caplen);
    at += 16 + r.caplen;
    f.records.push_back(std::move(r));
  }
  return f;
}

std::string read_file(const std::string &path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace pcntest
