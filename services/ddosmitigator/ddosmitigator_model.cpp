// ddosmitigator as a model-driven service: the handler of its generated
// model (codegen-yang). The framework creates the cube and attaches it;
// this applies the blacklists and reports counters.
#include "ddosmitigator_model.h"

#include "ddosmitigator.h"
#include "ddosmitigator_gen.h"

namespace polycube::services {

namespace {

namespace model = polycube::gen::ddosmitigator;
using D = DdosMitigator;

class Handler : public model::DdosmitigatorHandler<D> {
 public:
  void update(D &d, const model::Ddosmitigator &want) override {
    std::vector<std::string> src, dst;
    for (const auto &e : want.blacklist_src) src.push_back(e.ip);
    for (const auto &e : want.blacklist_dst) dst.push_back(e.ip);
    d.set_blacklists(src, dst);
  }
  model::DdosmitigatorState state(D &d) override {
    model::DdosmitigatorState s;
    for (const auto &e : d.entries(D::List::kSrc)) s.blacklist_src.push_back({e.ip, e.drop_pkts, e.drop_bytes});
    for (const auto &e : d.entries(D::List::kDst)) s.blacklist_dst.push_back({e.ip, e.drop_pkts, e.drop_bytes});
    D::Stats st = d.stats();
    s.stats = {st.drop_pkts, st.drop_bytes, st.drop_pps, st.src_entries, st.dst_entries};
    return s;
  }
  model::DdosmitigatorResetCountersOutput reset_counters(D &d, const model::DdosmitigatorResetCountersInput &) override {
    d.reset_counters();
    return {};
  }
};

}  // namespace

ServiceModel ddosmitigator_model() { return model::make_ddosmitigator_model<D>(std::make_shared<Handler>()); }

}  // namespace polycube::services
