#include "packetcapture.h"

#include <bpf/libbpf.h>
#include <spdlog/spdlog.h>
#include <sys/epoll.h>
#include <time.h>

#include <cstring>

#include "cbpf_to_ebpf.h"
#include "packetcapture_bpf.h"
#include "pcap_filter.h"
#include "polycube/runtime.h"
#include "packetcapture_bpf_maps.h"

namespace polycube::services {

namespace maps = polycube::bpf_maps::packetcapture_bpf;

ServiceInfo PacketCapture::info() {
  ServiceInfo i{std::string(kServiceName),
                packetcapture_bpf(),
                {{"pc_ingress", PCN_SLOT_INGRESS}, {"pc_egress", PCN_SLOT_EGRESS}, {"pc_after_filter", PC_SLOT_AFTER_FILTER}},
                true};
  int cpus = libbpf_num_possible_cpus();
  i.max_entries[maps::pc_copy.name] = cpus > 0 ? static_cast<uint32_t>(cpus) : 1;
  return i;
}

PacketCapture::PacketCapture(Runtime &rt, const std::string &name, Mode mode)
    : Cube(rt, name, info(), CubeOptions{mode, 1}) {
  write_config();
  ring_ = ring_buffer__new(map_fd(maps::pc_ring), &PacketCapture::on_record, this, nullptr);
  if (!ring_)
    throw Error(ErrorCode::kKernel, "cube " + name + ": cannot read its ring buffer: " + std::strerror(errno));
  // Waits outside the lock, consumes under it: libbpf's consumer is not
  // safe to run from two threads (drain() consumes too), it would hand the
  // same records out twice.
  reader_ = std::thread([this] {
    int ep = ring_buffer__epoll_fd(ring_);
    epoll_event ev{};
    while (!stop_.load()) {
      epoll_wait(ep, &ev, 1, 100);
      std::lock_guard<std::mutex> lock(consume_mu_);
      ring_buffer__consume(ring_);
    }
  });
}

PacketCapture::~PacketCapture() {
  stop_ = true;
  if (reader_.joinable())
    reader_.join();
  if (ring_)
    ring_buffer__free(ring_);
}

uint32_t PacketCapture::directions_from_string(const std::string &s) {
  if (s == "INGRESS") return kIngress;
  if (s == "EGRESS") return kEgress;
  if (s == "BIDIRECTIONAL") return kIngress | kEgress;
  if (s == "OFF") return kNone;
  throw Error(ErrorCode::kInvalid, "unknown capture '" + s + "' (expected INGRESS, EGRESS, BIDIRECTIONAL or OFF)");
}

void PacketCapture::write_config() { map<uint32_t, pc_config>(maps::pc_config).set(0, config_); }

void PacketCapture::set_directions(uint32_t mask) {
  config_.directions = mask & (kIngress | kEgress);
  write_config();
}

void PacketCapture::set_snaplen(uint32_t snaplen) {
  if (snaplen < 1 || snaplen > PC_MAX_SNAPLEN)
    throw Error(ErrorCode::kInvalid, "snaplen " + std::to_string(snaplen) + " out of range 1.." +
                                         std::to_string(PC_MAX_SNAPLEN));
  config_.snaplen = snaplen;
  write_config();
}

void PacketCapture::set_filter(const std::string &expression) {
  if (expression == filter_ && (config_.filtered || expression.empty()))
    return;
  if (expression.empty()) {
    // Stop calling the filter before it goes.
    config_.filtered = 0;
    write_config();
    for (const auto &b : blocks())
      if (b.slot == PC_SLOT_FILTER)
        remove_block(PC_SLOT_FILTER);
    filter_.clear();
    filter_insns_ = 0;
    return;
  }
  std::vector<CbpfInsn> classic = compile_filter(expression);
  FilterExit exit{FilterExit::kTailCall, map_fd(maps::pc_scratch), map_fd(maps::pcn_blocks), PC_SLOT_AFTER_FILTER};
  std::vector<bpf_insn> prog = cbpf_to_ebpf(classic, mode(), exit);
  load_block_insns(PC_SLOT_FILTER, "pc_filter", prog.data(), prog.size());  // atomic swap
  config_.filtered = 1;
  write_config();
  filter_ = expression;
  filter_insns_ = classic.size();
  log().info("filter '{}': {} classic, {} eBPF instructions", expression, classic.size(), prog.size());
}

int PacketCapture::on_record(void *self, void *data, size_t size) {
  auto *pc = static_cast<PacketCapture *>(self);
  std::lock_guard<std::mutex> lock(pc->store_mu_);
  if (size < sizeof(pc_record_hdr) || pc->store_.size() + size > kStoreBytes) {
    pc->store_drops_++;
    return 0;
  }
  pc->store_.append(static_cast<const char *>(data), size);
  pc->stored_++;
  return 0;
}

PacketCapture::Stats PacketCapture::stats() const {
  Stats s;
  for (uint32_t dir : {PCN_SLOT_INGRESS, PCN_SLOT_EGRESS})
    for (const pc_stats &c : PercpuMap<uint32_t, pc_stats>(map_fd(maps::pc_stats)).get(dir)) {
      s.seen += c.seen;
      s.matched += c.matched;
      s.captured += c.captured;
      s.ring_drops += c.ring_drops;
    }
  std::lock_guard<std::mutex> lock(store_mu_);
  s.stored = stored_;
  s.store_drops = store_drops_;
  s.stored_bytes = store_.size();
  return s;
}

void PacketCapture::drain() {
  std::lock_guard<std::mutex> lock(consume_mu_);
  ring_buffer__consume(ring_);
}

std::vector<CapturedPacket> PacketCapture::packets() const {
  // The data path stamps CLOCK_TAI; files carry UTC.
  timespec tai{}, utc{};
  clock_gettime(CLOCK_TAI, &tai);
  clock_gettime(CLOCK_REALTIME, &utc);
  int64_t tai_minus_utc = (tai.tv_sec - utc.tv_sec) * 1000000000ll + (tai.tv_nsec - utc.tv_nsec);
  // Whole seconds: the two reads are apart by nanoseconds, the offset is leap seconds.
  tai_minus_utc = (tai_minus_utc + 500000000ll) / 1000000000ll * 1000000000ll;
  std::vector<CapturedPacket> out;
  out.reserve(stored_);
  for (size_t at = 0; at + sizeof(pc_record_hdr) <= store_.size();) {
    pc_record_hdr h;
    std::memcpy(&h, store_.data() + at, sizeof(h));
    at += sizeof(h);
    out.push_back({h.tstamp_ns - static_cast<uint64_t>(tai_minus_utc), h.len, h.dir == PCN_SLOT_EGRESS,
                   std::string_view(store_).substr(at, h.cap_len)});
    at += h.cap_len;
  }
  return out;
}

std::string PacketCapture::pcap() const {
  std::lock_guard<std::mutex> lock(store_mu_);
  return pcap_file(packets(), config_.snaplen);
}

std::string PacketCapture::pcapng() const {
  Stats s = stats();
  timespec now{};
  clock_gettime(CLOCK_REALTIME, &now);
  CaptureTotals totals{s.seen, s.ring_drops + s.store_drops,
                       static_cast<uint64_t>(now.tv_sec) * 1000000000ull + static_cast<uint64_t>(now.tv_nsec)};
  std::lock_guard<std::mutex> lock(store_mu_);
  return pcapng_file(packets(), config_.snaplen, name() + "@" + (attached_to().empty() ? "-" : attached_to()), totals);
}

void PacketCapture::clear() {
  std::lock_guard<std::mutex> lock(store_mu_);
  store_.clear();
  stored_ = 0;
}

}  // namespace polycube::services
