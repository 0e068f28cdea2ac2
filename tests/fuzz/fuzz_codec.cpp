// codegen-yang's generated RFC 7951 codec: decode a JSON document into the
// typed model of a module, encode it, decode and encode again. What the
// codec produces it must accept, and one round trip must be a fixed point.
// Modules: tests/unit/codegen-test.yang (every type family) and the
// services with the richest models. Input: one byte choosing the type,
// then the JSON.
#include <cstddef>
#include <cstdint>

#include "bridge_gen.h"
#include "codegen-test_gen.h"
#include "ddosmitigator_gen.h"
#include "firewall_gen.h"
#include "fuzz_support.h"
#include "router_gen.h"

using nlohmann::json;

namespace {

template <class T>
void round_trip(const json &in) {
  T first;
  try {
    from_json(in, first);
  } catch (const polycube::Error &) {
    return;  // refused, with the field named: fine
  }
  json once;
  to_json(once, first);
  T second;
  from_json(once, second);  // must not throw: we wrote it
  json twice;
  to_json(twice, second);
  if (once != twice) __builtin_trap();
}

using Decoder = void (*)(const json &);
namespace g = polycube::gen;
const Decoder kTypes[] = {
    round_trip<g::codegen_test::CodegenTest>,        round_trip<g::codegen_test::CodegenTestState>,
    round_trip<g::codegen_test::CodegenTestLimitsRuleMoveInput>,
    round_trip<g::firewall::Firewall>,               round_trip<g::firewall::FirewallState>,
    round_trip<g::firewall::FirewallChainBatchInput>, round_trip<g::bridge::Bridge>,
    round_trip<g::bridge::BridgeState>,              round_trip<g::router::Router>,
    round_trip<g::router::RouterState>,              round_trip<g::ddosmitigator::Ddosmitigator>,
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size == 0) return 0;
  // The codec decodes what libyang validated: a few levels deep at most.
  auto shallow = [](int depth, json::parse_event_t, json &) {
    if (depth > 64) throw std::invalid_argument("deep");
    return true;
  };
  json in;
  try {
    in = json::parse(reinterpret_cast<const char *>(data) + 1, reinterpret_cast<const char *>(data) + size, shallow,
                     false);
  } catch (const std::invalid_argument &) {
    return 0;
  }
  if (in.is_discarded()) return 0;
  kTypes[data[0] % std::size(kTypes)](in);
  return 0;
}
