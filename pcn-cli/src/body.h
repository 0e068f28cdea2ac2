// A JSON or YAML body on pcn's stdin, bounded: at most kMaxBodyBytes read,
// at most kMaxBodyDepth levels of nesting, at most kMaxBodyValues values
// once YAML aliases are expanded (an alias "bomb" of a few hundred bytes
// would otherwise expand to gigabytes). Each bound is a UsageError that
// says which one.
#pragma once

#include <cstddef>
#include <nlohmann/json.hpp>
#include <string>

namespace pcn {

// The daemon refuses bodies over 16 MiB (413): nothing larger can succeed.
constexpr size_t kMaxBodyBytes = 16u << 20;
// A service's configuration is a few levels deep; far deeper is an attack
// on the stack of whoever walks it.
constexpr int kMaxBodyDepth = 64;
constexpr size_t kMaxBodyValues = 1000000;

// A regular file or a pipe on stdin is a body; a terminal, /dev/null or a
// closed stdin is not. A pipe is read when data (or its end) comes within
// 200 ms, so an idle inherited pipe never hangs a command. "" if none (or
// only blanks).
std::string read_stdin_body();
// JSON, or else YAML; an object either way. Throws UsageError naming the
// body as `what`.
nlohmann::json parse_body(const std::string &text, const std::string &what = "the body on stdin");
// The same, any JSON value (an action input's list: `batch rules= < file`).
nlohmann::json parse_body_value(const std::string &text, const std::string &what = "the body on stdin");

}  // namespace pcn
