#include "word_order.h"

#include "cli_error.h"
#include "command.h"  // kVerbs

namespace pcn {

bool words_need_cubes(const std::vector<std::string> &w, const std::set<std::string> &services) {
  if (w.size() >= 2 && w[0] == "del") return true;
  return w.size() >= 2 && services.count(w[0]) && !kVerbs.count(w[1]);
}

std::vector<std::string> pcn_word_order(const std::vector<std::string> &w, const std::set<std::string> &services,
                                        const std::map<std::string, std::string> &cube_service) {
  if (w.size() >= 2 && w[0] == "del") {
    if (services.count(w[1])) {  // del <service> <cube>
      if (w.size() != 3) throw UsageError("usage: pcn del <service> <cube> (or pcn del <cube>)");
      return {w[1], "del", w[2]};
    }
    if (cube_service.count(w[1])) {  // del <cube>
      if (w.size() != 2) throw UsageError("unexpected '" + w[2] + "' after pcn del " + w[1]);
      return {w[1], "del"};
    }
    throw UsageError("no cube or service '" + w[1] + "' to delete");
  }
  if (w.size() >= 2 && services.count(w[0]) && !kVerbs.count(w[1])) {  // <service> <cube> [path...]
    auto c = cube_service.find(w[1]);
    if (c == cube_service.end()) return w;
    if (c->second != w[0]) throw UsageError("cube " + w[1] + " is a " + c->second + ", not a " + w[0]);
    return {w.begin() + 1, w.end()};
  }
  return w;
}

}  // namespace pcn
