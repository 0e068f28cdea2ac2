// Media types in Content-Type and Accept (RFC 9110 8.3, 12.5.1), for the
// 415 and 406 answers RFC 8040 asks for.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace polycube::http {

// The type/subtype of a Content-Type value, lower case, without parameters
// ("application/json" for "Application/JSON; charset=utf-8"); "" if malformed.
std::string media_type_of(std::string_view content_type);

// Which of `offered` (type/subtype, lower case, in the server's order of
// preference) an Accept value allows: the one the client gives the highest
// q (the most specific matching range decides each type's q), ties to the
// server's order. An empty Accept allows anything. nullopt: none is
// acceptable (406).
std::optional<std::string> negotiate(std::string_view accept, const std::vector<std::string> &offered);

}  // namespace polycube::http
