// A body on pcn's stdin (pcn-cli/src/body.cpp): JSON or YAML with its
// bounds (size, nesting, alias expansion), then applied leaf by leaf
// through a service's schema as `pcn <cube> set` and `pcn <service> add`
// do. Input: the body.
#include <cstddef>
#include <cstdint>

#include "body.h"
#include "cli_error.h"
#include "command.h"
#include "pcn_schemas.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  auto &schemas = pcnfuzz::pcn_schemas();
  std::string text(reinterpret_cast<const char *>(data), size);
  try {
    pcn::parse_body(text);
  } catch (const pcn::UsageError &) {
    return 0;
  }
  auto body = [&] { return text; };
  pcn::Schema &s = *schemas[size % schemas.size()];
  try {
    if (size & 1) pcn::cube_command(s, {"c1", "set"}, false, body);
    else pcn::service_command(s, {s.service(), "add", "c1"}, false, body);
  } catch (const pcn::UsageError &) {
  } catch (const std::runtime_error &) {
  }
  s.clear();
  return 0;
}
