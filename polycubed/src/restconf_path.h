// RESTCONF (RFC 8040 section 3.5.3) data resource paths to libyang XPaths:
//   helloworld:helloworld=hw1/ports=p0  ->  /helloworld:helloworld[name='hw1']/ports[name='p0']
// Keys are percent-decoded and matched to the list's key leaves in schema
// order (comma-separated for several keys).
#pragma once

#include <string>
#include <utility>
#include <vector>

struct ly_ctx;

namespace polycube::daemon {

std::string percent_decode(const std::string &s);  // throws DataError (400) on bad encoding
std::string percent_encode(const std::string &s);  // for list keys in URLs
std::string restconf_to_xpath(const ly_ctx *ctx, const std::string &path);
// RFC 8040 api-identifier: [module ":"] identifier, each a YANG identifier
// ([A-Za-z_][A-Za-z0-9_.-]*). A segment's name must be one before it is
// looked up: libyang takes C strings, so "append\0junk" would find "append".
bool is_api_identifier(const std::string &name);

// One step of the XPaths this daemon builds (restconf_to_xpath, the
// framework's peer and attachment paths, libyang's lyd_path): `name`,
// `prefix:name`, then predicates `[key='v']`, `[key="v"]` or `[.='v']`.
struct PathStep {
  std::string module;  // "" when the step inherits its parent's module
  std::string name;
  std::vector<std::pair<std::string, std::string>> keys;  // ("." for a leaf-list value)
};
// Throws DataError (400) on anything else.
std::vector<PathStep> parse_xpath(const std::string &xpath);
// The XPath of `steps` (inverse of parse_xpath).
std::string xpath_of(const std::vector<PathStep> &steps);
// An XPath string literal for `v`, whatever quotes it contains.
std::string xpath_quoted(const std::string &v);

}  // namespace polycube::daemon
