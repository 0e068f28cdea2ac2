// The bench most data-plane tests stand on: namespaces "a" and "b", each
// holding one end of a veth pair whose other end (va, vb) is in ours, a
// runtime of the test's own, and a cube whose ports p1 and p2 peer with va
// and vb. Frames enter through the runtime's real pinned ingress hook as if
// they had arrived on a netdev.
#pragma once

#include <memory>
#include <string>

#include "polycube/netdev.h"
#include "polycube/runtime.h"
#include "progrun.h"
#include "testnet.h"

namespace pcntest {

struct TwoHosts {
  TestNet net;
  std::string va, vb;
  std::unique_ptr<polycube::Runtime> rt;  // after net: destroyed first

  TwoHosts() {
    net.add_ns("a");
    net.add_ns("b");
    va = net.add_host("a", "va", "");
    vb = net.add_host("b", "vb", "");
    rt = std::make_unique<polycube::Runtime>();
  }

  // A cube of type T named `name`, p1 peering with va and p2 with vb.
  template <class T>
  std::shared_ptr<T> cube(const std::string &name, polycube::Mode mode) {
    auto c = rt->create<T>(name, mode);
    c->add_port("p1", va);
    c->add_port("p2", vb);
    return c;
  }

  // `frame` as if it had arrived on netdev `dev`, through the hook of `mode`.
  RunResult send(polycube::Mode mode, const std::string &dev, const std::string &frame, uint32_t repeat = 1) const {
    return run_ingress(rt->pin_root(), mode, dev, frame, repeat);
  }
};

}  // namespace pcntest
