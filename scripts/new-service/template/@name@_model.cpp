// @name@ as a model-driven service: the handler of its generated model
// (codegen-yang: @name@_gen.h). Only the service's own leaves are here;
// type, ports and loglevel are the framework's.
#include "@name@_model.h"

#include "@name@.h"
#include "@name@_gen.h"

namespace polycube::services {

namespace {

namespace model = polycube::gen::@name@;

class Handler : public model::@Name@Handler<@Name@Cube> {
 public:
  void update(@Name@Cube &cube, const model::@Name@ &desired) override {
    if (desired.forward != cube.forward()) cube.set_forward(desired.forward);
  }
  model::@Name@State state(@Name@Cube &cube) override {
    model::@Name@State s;
    s.forwarded = cube.forwarded();
    return s;
  }
};

}  // namespace

ServiceModel @name@_model() { return model::make_@name@_model<@Name@Cube>(std::make_shared<Handler>()); }

}  // namespace polycube::services
