#include "yang_library.h"

#include <functional>
#include <nlohmann/json.hpp>
#include <string>

namespace polycube::daemon {

using nlohmann::json;

HttpReply yang_library(Reconciler &rc) {
  json modules = json::array(), imports = json::array();
  std::string id;
  for (const auto &m : rc.modules()) {
    json e = {{"name", m.name}, {"namespace", m.ns}};
    if (!m.revision.empty()) e["revision"] = m.revision;
    (m.implemented ? modules : imports).push_back(e);
    id += m.name + "@" + m.revision + ";";
  }
  json set = {{"name", "polycube"}, {"module", modules}};
  if (!imports.empty()) set["import-only-module"] = imports;
  return HttpReply{200, json({{"ietf-yang-library:yang-library",
              {{"module-set", {set}},
               {"schema", {{{"name", "polycube"}, {"module-set", {"polycube"}}}}},
               {"datastore", {{{"name", "ietf-datastores:running"}, {"schema", "polycube"}}}},
               {"content-id", std::to_string(std::hash<std::string>{}(id))}}}}).dump()};
}

}  // namespace polycube::daemon
