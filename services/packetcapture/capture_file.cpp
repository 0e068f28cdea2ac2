#include "capture_file.h"

#include <cstring>

namespace polycube::services {

namespace {

template <class T>
void put(std::string &out, T v) {
  char b[sizeof(T)];
  std::memcpy(b, &v, sizeof(T));
  out.append(b, sizeof(T));
}

void pad4(std::string &out) { out.append((4 - out.size() % 4) % 4, '\0'); }

constexpr uint16_t kLinkEthernet = 1;

}  // namespace

std::string pcap_file(const std::vector<CapturedPacket> &packets, uint32_t snaplen) {
  std::string out;
  put<uint32_t>(out, 0xa1b23c4d);  // nanosecond-resolution pcap
  put<uint16_t>(out, 2);
  put<uint16_t>(out, 4);
  put<int32_t>(out, 0);
  put<uint32_t>(out, 0);
  put<uint32_t>(out, snaplen);
  put<uint32_t>(out, kLinkEthernet);
  for (const auto &p : packets) {
    put<uint32_t>(out, static_cast<uint32_t>(p.tstamp_ns / 1000000000ull));
    put<uint32_t>(out, static_cast<uint32_t>(p.tstamp_ns % 1000000000ull));
    put<uint32_t>(out, static_cast<uint32_t>(p.data.size()));
    put<uint32_t>(out, p.len);
    out.append(p.data);
  }
  return out;
}

namespace {

// A pcapng block: type, total length, body (padded), total length again.
void block(std::string &out, uint32_t type, const std::string &body) {
  std::string b = body;
  pad4(b);
  put<uint32_t>(out, type);
  put<uint32_t>(out, static_cast<uint32_t>(b.size() + 12));
  out += b;
  put<uint32_t>(out, static_cast<uint32_t>(b.size() + 12));
}

void option(std::string &body, uint16_t code, const std::string &value) {
  put<uint16_t>(body, code);
  put<uint16_t>(body, static_cast<uint16_t>(value.size()));
  body += value;
  pad4(body);
}

template <class T>
std::string bytes(T v) {
  std::string s;
  put<T>(s, v);
  return s;
}

// pcapng timestamps: 64 bits in units of the interface's if_tsresol.
std::string ts_parts(uint64_t ns) { return bytes<uint32_t>(static_cast<uint32_t>(ns >> 32)) + bytes<uint32_t>(static_cast<uint32_t>(ns)); }

}  // namespace

std::string pcapng_file(const std::vector<CapturedPacket> &packets, uint32_t snaplen, const std::string &if_name,
                        const CaptureTotals &totals) {
  std::string out, body;
  // Section header: byte-order magic, version 1.0, section length unknown.
  put<uint32_t>(body, 0x1a2b3c4d);
  put<uint16_t>(body, 1);
  put<uint16_t>(body, 0);
  put<int64_t>(body, -1);
  put<uint16_t>(body, 0);  // opt_endofopt
  put<uint16_t>(body, 0);
  block(out, 0x0a0d0d0a, body);
  // Interface description: Ethernet, nanosecond timestamps (if_tsresol 9).
  body.clear();
  put<uint16_t>(body, kLinkEthernet);
  put<uint16_t>(body, 0);
  put<uint32_t>(body, snaplen);
  option(body, 2, if_name);            // if_name
  option(body, 9, std::string(1, 9));  // if_tsresol: 10^-9 s
  put<uint32_t>(body, 0);
  block(out, 1, body);
  for (const auto &p : packets) {
    body.clear();
    put<uint32_t>(body, 0);  // interface id
    body += ts_parts(p.tstamp_ns);
    put<uint32_t>(body, static_cast<uint32_t>(p.data.size()));
    put<uint32_t>(body, p.len);
    body += p.data;
    pad4(body);
    option(body, 2, bytes<uint32_t>(p.egress ? 2 : 1));  // epb_flags: direction outbound / inbound
    put<uint32_t>(body, 0);
    block(out, 6, body);
  }
  // Interface statistics: what crossed the cube and what was lost.
  body.clear();
  put<uint32_t>(body, 0);
  body += ts_parts(totals.end_ns);
  option(body, 4, bytes<uint64_t>(totals.received));  // isb_ifrecv
  option(body, 5, bytes<uint64_t>(totals.dropped));   // isb_ifdrop
  put<uint32_t>(body, 0);
  block(out, 5, body);
  return out;
}

}  // namespace polycube::services
