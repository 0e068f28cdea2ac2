// From pcn's words (and a body on stdin) to one RESTCONF request, against
// the service's schema: which node the words name, the request's method,
// path and body. No I/O here but what `stdin_body` returns, so a fuzz
// target can drive it with a schema read from the source tree.
#pragma once

#include <functional>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "schema.h"

struct lysc_node;

namespace pcn {

struct Command {
  enum Kind {
    kHelp,        // print_help(node, where, !selected)
    kActionHelp,  // describe the action `node` at `where`
    kShow,        // GET path; node/selected say what an empty answer means
    kRequest,     // method path body, print the answer if any
  } kind = kShow;
  std::string method, path, body;  // path from /restconf/data on
  const lysc_node *node = nullptr;
  std::string where;     // "pcn br1 ports p1": the words that named `node`
  bool selected = true;  // `node` is one instance, not a whole list
  bool print_answer = false;  // an action's output
};

// `pcn <service> [add|del|show] [name] [k=v ...]`.
Command service_command(Schema &schema, const std::vector<std::string> &words, bool help,
                        const std::function<std::string()> &stdin_body);
// `pcn <cube> [path...] [verb|action] [keys...] [k=v ...]` for a cube of
// `schema`'s service.
Command cube_command(Schema &schema, const std::vector<std::string> &words, bool help,
                     const std::function<std::string()> &stdin_body);

std::string strip_prefix(const std::string &k);  // "mod:name" -> "name"
std::string percent_encode(const std::string &v);
// The XPath predicates and the RESTCONF key segment ("=k1,k2") of a list
// entry named by `values`, one per key of `list`.
std::pair<std::string, std::string> entry_keys(const lysc_node *list, const std::vector<std::string> &values);

extern const std::set<std::string> kVerbs;  // add del show set

}  // namespace pcn
