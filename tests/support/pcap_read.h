// Reads the records of a pcap file (microsecond or nanosecond magic, host
// byte order, as libpcap and packetcapture write them), to compare
// captures frame by frame.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace pcntest {

struct PcapRecord {
  uint32_t sec = 0, frac = 0;  // frac: micro- or nanoseconds, as the file says
  uint32_t caplen = 0, len = 0;
  std::string data;
};

struct PcapFile {
  bool ok = false;         // a pcap header was there
  bool nanosecond = false;
  uint32_t snaplen = 0;
  std::vector<PcapRecord> records;
};

PcapFile read_pcap(const std::string &bytes);
std::string read_file(const std::string &path);

}  // namespace pcntest
