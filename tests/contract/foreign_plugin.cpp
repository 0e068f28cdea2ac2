// A plugin as another build would make it: a real service (helloworld)
// whose build id is not this build's. plugin_build_id_check.sh checks that
// polycubed refuses it with a message saying why, and loads the others.
#include "helloworld_model.h"
#include "polycube/service_model.h"

extern "C" __attribute__((visibility("default"))) const char *pcn_service_plugin_build_id() {
  return "0123456789abcdef";
}

extern "C" __attribute__((visibility("default"))) const char *PCN_SERVICE_PLUGIN_ENTRY(polycube::ServiceModel *out) {
  *out = polycube::services::helloworld_model();
  return nullptr;
}
