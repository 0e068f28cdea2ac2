// packetcapture as a model-driven service: the handler of its generated
// model (codegen-yang). Attachment is the framework's; the capture file is
// an export of the cube (GET with a capture media type, see
// ServiceModel::export_as).
#include "packetcapture_model.h"

#include "packetcapture.h"
#include "packetcapture_gen.h"

namespace polycube::services {

namespace {

namespace model = polycube::gen::packetcapture;
using P = PacketCapture;

class Handler : public model::PacketcaptureHandler<P> {
 public:
  void update(P &p, const model::Packetcapture &d) override {
    p.set_filter(d.filter);  // first: the one that can refuse
    p.set_snaplen(d.snaplen);
    p.set_directions(P::directions_from_string(model::to_string(d.capture)));
  }
  model::PacketcaptureState state(P &p) override {
    P::Stats s = p.stats();
    model::PacketcaptureState out;
    out.stats = {s.seen,   s.matched,      s.captured,    s.ring_drops,
                 s.stored, s.stored_bytes, s.store_drops, static_cast<uint32_t>(p.filter_instructions())};
    return out;
  }
  model::PacketcaptureClearOutput clear(P &p, const model::PacketcaptureClearInput &) override {
    p.clear();
    return {};
  }
};

}  // namespace

ServiceModel packetcapture_model() {
  ServiceModel m = model::make_packetcapture_model<P>(std::make_shared<Handler>());
  m.exports = {kPcapMediaType, kPcapngMediaType};
  m.export_as = [](Runtime &rt, const std::string &name, const std::string &media_type) {
    auto cube = std::dynamic_pointer_cast<P>(find_cube(rt, name));
    if (!cube)
      throw Error(ErrorCode::kNotFound, "no packetcapture cube " + name);
    cube->drain();
    return media_type == kPcapngMediaType ? cube->pcapng() : cube->pcap();
  };
  return m;
}

}  // namespace polycube::services
