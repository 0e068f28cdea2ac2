// lbdsr as a model-driven service: the handler of its generated model.
#include "lbdsr_model.h"

#include "lbdsr.h"
#include "lbdsr_gen.h"

namespace polycube::services {

namespace {

namespace model = polycube::gen::lbdsr;
using nlohmann::json;

class Handler : public model::LbdsrHandler<Lbdsr> {
 public:
  void update(Lbdsr &lb, const model::Lbdsr &d) override {
    json j;
    to_json(j, d);
    lb.apply(Lbdsr::parse_config(j));
  }
  model::LbdsrState state(Lbdsr &lb) override {
    lbdsr_stats st = lb.stats();
    json j = {{"name", lb.name()},
              {"stats",
               {{"arp-answered", std::to_string(st.arp_answered)},
                {"balanced", std::to_string(st.balanced)},
                {"flows-created", std::to_string(st.flows_created)},
                {"dropped-no-backend", std::to_string(st.no_backend)},
                {"dropped-other", std::to_string(st.other)}}}};
    model::LbdsrState out;
    from_json(j, out);
    return out;
  }
};

}  // namespace

ServiceModel lbdsr_model() { return model::make_lbdsr_model<Lbdsr>(std::make_shared<Handler>()); }

}  // namespace polycube::services
