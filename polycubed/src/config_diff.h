// What changed in one cube's configuration, leaf by leaf: for `pcn diff`
// between versions and the plan of a declarative apply. Paths are RESTCONF
// paths below the cube ("ports=p1/peer", "chain=INGRESS/rule=3/action").
// Entries of keyed lists are matched by their keys; a positional list (the
// firewall's rules, keyed by position) is compared as a sequence: the
// common head and tail are skipped, so inserting one rule in front of 1,000
// shows as one added rule, not 1,000 changed ones.
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "datastore.h"

namespace polycube::daemon {

struct LeafChange {
  std::string path;
  std::optional<std::string> before, after;  // absent: the node did not exist
};

// `before` / `after`: a cube's list instance (module prefix stripped, with
// its positional lists), null when the cube does not exist on that side.
std::vector<LeafChange> diff_config(const nlohmann::json &before, const nlohmann::json &after,
                                    const std::map<std::string, Datastore::ListShape> &lists);

// {"path","old","new"} objects (old/new left out when absent).
nlohmann::json to_json(const std::vector<LeafChange> &changes);

}  // namespace polycube::daemon
