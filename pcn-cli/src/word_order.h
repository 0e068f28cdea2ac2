// polycubectl's word orders that name a cube, onto pcn's one order
// (`pcn <cube> [path...] [verb] ...` and `pcn <service> add|del|show ...`),
// so scripts written for polycubectl run unmodified:
//
//   pcn helloworld hw0 ports add p1   ->  pcn hw0 ports add p1
//   pcn del helloworld hw0            ->  pcn helloworld del hw0
//   pcn del hw0                       ->  pcn hw0 del
//
// A verb before the rest of a path (`pcn hw0 del ports p1`, `pcn r1 ports
// p1 show peer`) needs the schema and is read by cube_command.
#pragma once

#include <map>
#include <set>
#include <string>
#include <vector>

namespace pcn {

// Which daemon state `words` need to be put in order: the service names
// always, the cubes only for these forms (one request fewer otherwise).
bool words_need_cubes(const std::vector<std::string> &words, const std::set<std::string> &services);

// `cube_service`: each cube's service. A service followed by a cube of
// another service is refused (UsageError); a service followed by a word
// that is no cube is left as it is (service_command names the problem).
std::vector<std::string> pcn_word_order(const std::vector<std::string> &words, const std::set<std::string> &services,
                                        const std::map<std::string, std::string> &cube_service);

}  // namespace pcn
