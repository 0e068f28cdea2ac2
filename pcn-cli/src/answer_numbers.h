// RFC 7951 writes int64, uint64 and decimal64 values as JSON strings (so a
// JavaScript reader keeps their precision): `"default-pkts": "2"`. People
// and YAML readers expect numbers, as polycubectl printed them; this puts
// the integer ones back as numbers, by the schema, for the YAML and human
// printers. -json stays the daemon's RFC 7951 answer.
#pragma once

#include <nlohmann/json.hpp>

struct lysc_node;

namespace pcn {

class Schema;

// `answer` is a GET's body ({"<module>:<node>": ...}) for schema node
// `node`; a member the schema does not know is left as it is.
void integers_as_numbers(const Schema &schema, const lysc_node *node, nlohmann::json &answer);

}  // namespace pcn
