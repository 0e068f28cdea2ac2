// Compiled by service_contract_check.sh, never linked: the generated model of
// helloworld with a cube class whose kServiceName is SERVICE_NAME (or that
// has none, without SERVICE_NAME). Only "helloworld" may compile.
#include "helloworld_gen.h"
#include "polycube/cube.h"

namespace {

struct Probe : polycube::Cube {
#ifdef SERVICE_NAME
  static constexpr std::string_view kServiceName = SERVICE_NAME;
#endif
  Probe(polycube::Runtime &rt, const std::string &name, polycube::Mode mode)
      : Cube(rt, name, polycube::ServiceInfo{}, polycube::CubeOptions{mode}) {}
};

struct Handler : polycube::gen::helloworld::HelloworldHandler<Probe> {
  void update(Probe &, const polycube::gen::helloworld::Helloworld &) override {}
};

}  // namespace

polycube::ServiceModel probe_model() {
  return polycube::gen::helloworld::make_helloworld_model<Probe>(std::make_shared<Handler>());
}
