// RESTCONF data resource paths (polycubed/src/restconf_path.cpp) against
// the real service modules: percent-decoding, path to XPath, whether a path
// names an action. Input: one path, as it follows /restconf/data/.
#include <cstddef>
#include <cstdint>

#include "datastore.h"
#include "fuzz_support.h"
#include "restconf_path.h"

using namespace polycube::daemon;

namespace {
Datastore &store() {
  static Datastore *ds = [] {
    pcnfuzz::quiet();
    auto *d = new Datastore();
    for (const auto &yang : pcnfuzz::service_modules()) d->load_module(yang);
    return d;
  }();
  return *ds;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  Datastore &ds = store();
  std::string path(reinterpret_cast<const char *>(data), size);
  try {
    std::string decoded = percent_decode(path);
    // Encoding what was decoded and decoding it again is the identity.
    if (percent_decode(percent_encode(decoded)) != decoded) __builtin_trap();
  } catch (const polycube::Error &) {
  }
  try {
    std::string xpath = ds.xpath(path);
    ds.get(xpath);  // the XPath it made is one libyang takes
  } catch (const polycube::Error &) {
  }
  try {
    ds.is_action(path);
  } catch (const polycube::Error &) {
  }
  return 0;
}
