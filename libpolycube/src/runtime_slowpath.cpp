// The slow path: packet-out through the runtime's own veth pair, and the
// thread that reads packet-in events from the hooks' ring buffers and runs
// the cubes' timers.
#include "polycube/runtime.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <spdlog/spdlog.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>

#include "leftovers.h"
#include "netlink.h"
#include "polycube/netdev.h"

namespace polycube {

void Runtime::ensure_inject_veth() {
  if (inject_a_)
    return;
  // Our own veth pair, named after this process so concurrent runtimes never
  // share it; deleted in the destructor. TC packet-out is sent on A and runs
  // the TC inject program at B's ingress; XDP packet-out is sent on B and
  // runs the XDP inject program (generic mode: its redirects take the skb
  // path, so they reach any netdev) at A.
  std::string a = inject_veth_name(getpid()), b = a + "b";
  netlink::delete_link(a);  // a dead process with our pid may have left it
  netlink::create_veth_pair(a, b);
  inject_if_ = a;  // from here on the destructor deletes it
  uint32_t ia = netdev_ifindex(a), ib = netdev_ifindex(b);
  tc_attach(ib, false, tc_.inject_fd);
  xdp_attach(ia, xdp_.inject_fd, false);
  if (inject_sock_ < 0) inject_sock_ = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
  check_kernel(inject_sock_ < 0 ? -errno : 0, "packet-out socket");
  inject_a_ = ia;  // ready: later calls skip all this
  inject_b_ = ib;
}

void Runtime::inject(uint32_t gport, Mode mode, const pcn_target &egress, const std::string &frame) {
  std::lock_guard<std::recursive_mutex> lock(mu_);
  const Hooks &h = hooks(mode);
  check_kernel(bpf_map_update_elem(h.inject_map, &gport, &egress, BPF_ANY) ? -errno : 0, "packet-out map");
  ensure_inject_veth();
  std::string buf;
  sockaddr_ll sll{};
  sll.sll_family = AF_PACKET;
  sll.sll_halen = ETH_ALEN;
  int mark = 0;
  if (is_xdp(mode)) {  // XDP has no mark: the global port id travels as a 4-byte prefix
    buf.assign(reinterpret_cast<const char *>(&gport), sizeof(gport));
    buf += frame;
    sll.sll_ifindex = static_cast<int>(inject_b_);
  } else {
    buf = frame;
    mark = static_cast<int>(gport);
    sll.sll_ifindex = static_cast<int>(inject_a_);
  }
  std::memcpy(sll.sll_addr, buf.data(), ETH_ALEN);
  check_kernel(setsockopt(inject_sock_, SOL_SOCKET, SO_MARK, &mark, sizeof(mark)) ? -errno : 0, "SO_MARK");
  check_kernel(sendto(inject_sock_, buf.data(), buf.size(), 0, reinterpret_cast<sockaddr *>(&sll), sizeof(sll)) < 0
                   ? -errno
                   : 0,
               "packet-out send");
}

void Runtime::slowpath_loop() {
  auto next_tick = std::chrono::steady_clock::now() + kTickInterval;
  while (!stop_) {
    int n = ring_buffer__poll(ring_, 100);
    if (n < 0 && n != -EINTR)
      spdlog::warn("slow path poll: {}", std::strerror(-n));
    auto now = std::chrono::steady_clock::now();
    if (now < next_tick) continue;
    next_tick = now + kTickInterval;
    std::vector<std::shared_ptr<Cube>> live;
    {
      std::lock_guard<std::recursive_mutex> lock(mu_);
      live.reserve(by_slot_.size());
      for (const auto &[slot, weak] : by_slot_)
        if (auto cube = weak.lock()) live.push_back(std::move(cube));
    }
    for (const auto &cube : live) {
      try {
        cube->on_tick(now);
      } catch (const std::exception &e) {
        spdlog::warn("cube {}: timer failed: {}", cube->name(), e.what());
      }
    }
  }
}

int Runtime::on_ring_event(void *ctx, void *data, size_t size) {
  auto *rt = static_cast<Runtime *>(ctx);
  if (size < sizeof(uint32_t))
    return 0;
  const auto *ev = static_cast<const pcn_pkt_event *>(data);
  std::shared_ptr<Cube> cube;
  {
    std::lock_guard<std::recursive_mutex> lock(rt->mu_);
    auto it = rt->by_slot_.find(ev->cube_slot);
    if (it != rt->by_slot_.end())
      cube = it->second.lock();
  }
  if (cube)
    cube->dispatch_packet_in(*ev, size);
  return 0;
}

}  // namespace polycube
