// transparenthelloworld as a model-driven service: the handler of its
// generated model (codegen-yang). Attachment is the framework's.
#include "transparenthelloworld_model.h"

#include "transparenthelloworld.h"
#include "transparenthelloworld_gen.h"

namespace polycube::services {

namespace {

namespace model = polycube::gen::transparenthelloworld;
using T = TransparentHelloWorld;

class Handler : public model::TransparenthelloworldHandler<T> {
 public:
  void update(T &t, const model::Transparenthelloworld &d) override {
    t.set_action(T::kIngress, T::action_from_string(model::to_string(d.ingress_action)));
    t.set_action(T::kEgress, T::action_from_string(model::to_string(d.egress_action)));
  }
};

}  // namespace

ServiceModel transparenthelloworld_model() {
  return model::make_transparenthelloworld_model<T>(std::make_shared<Handler>());
}

}  // namespace polycube::services
