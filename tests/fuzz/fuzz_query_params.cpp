// RFC 8040 query parameters of GET (polycubed/src/query_params.cpp): parse
// the query, then shape a real answer (a bridge with ports and an FDB) with
// it, as the server does.
#include <cstddef>
#include <cstdint>

#include "fuzz_support.h"
#include "polycube/error.h"
#include "query_params.h"

using namespace polycube::daemon;

namespace {
const nlohmann::json &answer() {
  static const nlohmann::json a = nlohmann::json::parse(R"({"bridge:bridge":[{"name":"br1","type":"TC",
    "ports":[{"name":"p1","peer":"veth1","mode":"access","vlan":10},
             {"name":"p2","peer":"veth2","mode":"trunk","allowed":[10,20],"native-vlan":1}],
    "fdb":{"aging-time":300,"entry":[{"vlan":10,"address":"02:00:00:00:00:01","port":"p1","age":3}]},
    "stp":{"enabled":false}}]})");
  return a;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  std::string query(reinterpret_cast<const char *>(data), size);
  try {
    QueryParams q = QueryParams::parse(query);
    shape(answer(), q).dump();
  } catch (const polycube::Error &) {
  }
  return 0;
}
