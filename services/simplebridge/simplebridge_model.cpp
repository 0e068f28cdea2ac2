// simplebridge as a model-driven service: the handler of its generated
// model (codegen-yang: simplebridge_gen.h): the aging time, the filtering
// database as read-only data, and the fdb/flush action.
#include "simplebridge_model.h"

#include "simplebridge.h"
#include "simplebridge_gen.h"

namespace polycube::services {

namespace {

namespace model = polycube::gen::simplebridge;

class Handler : public model::SimplebridgeHandler<SimpleBridge> {
 public:
  void update(SimpleBridge &sb, const model::Simplebridge &d) override {
    if (d.fdb.aging_time != sb.aging_time()) sb.set_aging_time(d.fdb.aging_time);
  }
  model::SimplebridgeState state(SimpleBridge &sb) override {
    model::SimplebridgeState s;
    for (const auto &e : sb.fdb()) s.fdb.entry.push_back({e.mac, e.port, e.age});
    return s;
  }
  model::SimplebridgeFdbFlushOutput fdb_flush(SimpleBridge &sb, const model::SimplebridgeFdbFlushInput &) override {
    sb.flush_fdb();
    return {};
  }
};

}  // namespace

ServiceModel simplebridge_model() { return model::make_simplebridge_model<SimpleBridge>(std::make_shared<Handler>()); }

}  // namespace polycube::services
