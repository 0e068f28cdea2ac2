// helloworld as a model-driven service: the handler of its generated model
// (codegen-yang: helloworld_gen.h). Only the service's own leaf is here;
// type, ports and loglevel are the framework's.
#include "helloworld_model.h"

#include "helloworld.h"
#include "helloworld_gen.h"

namespace polycube::services {

namespace {

namespace model = polycube::gen::helloworld;

class Handler : public model::HelloworldHandler<HelloWorld> {
 public:
  void update(HelloWorld &hw, const model::Helloworld &d) override {
    hw.set_action(HelloWorld::action_from_string(model::to_string(d.action)));
  }
};

}  // namespace

ServiceModel helloworld_model() { return model::make_helloworld_model<HelloWorld>(std::make_shared<Handler>()); }

}  // namespace polycube::services
