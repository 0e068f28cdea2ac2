#include "xdp_flood.h"

#include <bpf/bpf.h>
#include <linux/bpf.h>
#include <net/if.h>

#include <algorithm>
#include <chrono>
#include <stdexcept>
#include <thread>

#include "polycube/bpf_loader.h"
#include "testnet.h"
#include "xdp_flood_bpf.h"
#include "xdp_flood_shared.h"

namespace pcnbench {

XdpFlows udp_source_ports(uint16_t sport, uint32_t flows) {
  const uint32_t udp = 14 + 20;  // Ethernet, IPv4 without options
  return XdpFlows{flows, udp, sport, udp + 6};
}

uint64_t xdp_flood(const std::string &ns, const std::string &frame, const XdpFlows &flows, double seconds,
                   const std::string &ifname) {
  uint64_t sent = 0;
  std::string error;
  // A thread of its own: setns() changes the calling thread's namespace,
  // and the program's redirect resolves the ifindex in that namespace.
  std::thread t([&] {
    try {
      pcntest::enter_netns(ns);
      uint32_t ifindex = if_nametoindex(ifname.c_str());
      if (!ifindex) throw std::runtime_error("no " + ifname + " in " + ns);
      polycube::LoadSpec spec;
      spec.rodata_u32 = {{"out_ifindex", ifindex},
                         {"flows", flows.flows ? flows.flows : 1},
                         {"vary_offset", flows.vary_offset},
                         {"vary_base", flows.base},
                         {"zero_offset", flows.zero_offset},
                         {"complement_offset", flows.complement_offset}};
      if (frame.size() > XDP_FLOOD_MAX_FRAME) throw std::runtime_error("frames are at most 256 bytes");
      auto obj = polycube::load_object(xdp_flood_bpf().xdp, spec);
      int fd = obj->prog_fd("xdp_flood");
      xdp_flood_frame tmpl{};
      std::copy(frame.begin(), frame.end(), tmpl.bytes);
      uint32_t zero = 0;
      if (bpf_map_update_elem(obj->map_fd("frame_template"), &zero, &tmpl, BPF_ANY) != 0)
        throw std::runtime_error("cannot write the frame template");
      // The frames enter as if received on `ifname` (the namespace's
      // device the redirect is resolved against).
      xdp_md ctx{};
      ctx.data_end = uint32_t(frame.size());
      ctx.ingress_ifindex = ifindex;
      const uint32_t kRepeat = 1u << 18;  // ~50 ms a call at 5 Mpps
      auto end = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
      while (std::chrono::steady_clock::now() < end) {
        LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = frame.data(), .data_size_in = uint32_t(frame.size()),
                    .ctx_in = &ctx, .ctx_size_in = sizeof ctx, .repeat = kRepeat,
                    .flags = BPF_F_TEST_XDP_LIVE_FRAMES, .batch_size = 64);
        if (int err = bpf_prog_test_run_opts(fd, &opts); err != 0)
          throw std::runtime_error("BPF_PROG_TEST_RUN (live frames): error " + std::to_string(err));
        sent += kRepeat;
      }
    } catch (const std::exception &e) {
      error = e.what();
    }
  });
  t.join();
  if (!error.empty()) throw std::runtime_error("xdp_flood: " + error);
  return sent;
}

Rate xdp_flood_and_count(pcntest::TestNet &net, const std::string &sender, const std::string &receiver,
                         const std::string &frame, const XdpFlows &flows, double seconds) {
  xdp_flood(net.ns(sender), frame, flows, 0.3);  // warm-up: opens the flows
  uint64_t before = rx_packets(net, receiver);
  auto t0 = std::chrono::steady_clock::now();
  uint64_t sent = xdp_flood(net.ns(sender), frame, flows, seconds);
  double took = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::this_thread::sleep_for(std::chrono::milliseconds(200));  // what is still in flight
  uint64_t got = rx_packets(net, receiver) - before;
  return {sent / took, got / took};
}

}  // namespace pcnbench
