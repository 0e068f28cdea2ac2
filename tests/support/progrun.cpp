#include "progrun.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

#include "polycube/netdev.h"

namespace pcntest {

RunResult run_pinned(const std::string &pin_path, polycube::Mode mode, uint32_t ifindex, const std::string &frame,
                     uint32_t repeat, uint32_t *duration_ns) {
  int fd = bpf_obj_get(pin_path.c_str());
  if (fd < 0) throw std::runtime_error("bpf_obj_get " + pin_path + ": " + std::strerror(errno));
  try {
    RunResult r = run_prog(fd, mode, ifindex, frame, repeat, duration_ns);
    close(fd);
    return r;
  } catch (...) {
    close(fd);
    throw;
  }
}

RunResult run_prog(int fd, polycube::Mode mode, uint32_t ifindex, const std::string &frame, uint32_t repeat,
                   uint32_t *duration_ns) {
  RunResult r;
  std::string out(frame.size() + 256, '\0');
  __sk_buff skb{};
  xdp_md xdp{};
  LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = frame.data(), .data_out = out.data(),
              .data_size_in = static_cast<uint32_t>(frame.size()), .data_size_out = static_cast<uint32_t>(out.size()),
              .repeat = static_cast<int>(repeat));
  if (polycube::is_xdp(mode)) {
    xdp.ingress_ifindex = ifindex;
    xdp.data_end = static_cast<uint32_t>(frame.size());
    opts.ctx_in = &xdp;
    opts.ctx_size_in = sizeof(xdp);
  } else {
    skb.ifindex = ifindex;
    opts.ctx_in = &skb;
    opts.ctx_size_in = sizeof(skb);
  }
  int err = bpf_prog_test_run_opts(fd, &opts);
  int saved = errno;
  if (err) throw std::runtime_error("BPF_PROG_TEST_RUN: " + std::string(std::strerror(saved)));
  r.verdict = opts.retval;
  out.resize(opts.data_size_out);
  r.out = out;
  if (duration_ns) *duration_ns = opts.duration;
  return r;
}

uint32_t hook_redirect(polycube::Mode mode) { return polycube::is_xdp(mode) ? XDP_REDIRECT : TC_ACT_REDIRECT; }
uint32_t hook_drop(polycube::Mode mode) { return polycube::is_xdp(mode) ? XDP_DROP : TC_ACT_SHOT; }

RunResult run_hook(const std::string &pin_root, polycube::Mode mode, const std::string &dev,
                   const std::string &frame) {
  std::string hook = pin_root + (polycube::is_xdp(mode) ? "/hooks/xdp_ingress" : "/hooks/tc_ingress");
  return run_pinned(hook, mode, polycube::netdev_ifindex(dev), frame);
}

}  // namespace pcntest
