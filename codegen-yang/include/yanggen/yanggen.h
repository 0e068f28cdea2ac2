// codegen-yang as a library: what the build-time tool generates from a
// service's YANG module, and the OpenAPI document the daemon serves from
// the modules it loaded. Works on the compiled schema (groupings, uses,
// refine and augment already resolved by libyang).
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

struct lys_module;

namespace yanggen {

// The C++ header for a service module (see docs/service-authors-guide.md):
// typed structs for the configuration, the read-only data and each action's
// input and output; RFC 7951 to_json/from_json; the handler interface
// template and make_<module>_model(). `yang_text` is embedded in it.
std::string generate_cpp_header(const lys_module *mod, const std::string &yang_text);

// {"paths":{...},"components":{"schemas":{...}}} for one module.
nlohmann::json openapi_fragment(const lys_module *mod);
// A complete OpenAPI 3.0.3 document for several modules.
nlohmann::json openapi_document(const std::vector<const lys_module *> &mods);

// Names used by both generators.
std::string camel(const std::string &yang_name);  // "aging-time" -> "AgingTime"
std::string ident(const std::string &yang_name);  // "aging-time" -> "aging_time", keywords get '_'

}  // namespace yanggen
