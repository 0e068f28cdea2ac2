// The one JSON parser of the daemon and pcn (libpolycube/include/polycube/
// strict_json.h), against nlohmann's own parser read the ordinary way: what
// it accepts is exactly what nlohmann reads, within the depth limit and
// without a repeated member; what it refuses as a syntax error nlohmann
// refuses too; a refusal for depth or a repeated member is true of the text.
//
// Input: byte 0 chooses the depth limit (the daemon's, or 1..16 so that the
// limit is within reach), the rest is the text.
#include <cstddef>
#include <cstdint>
#include <string>

#include "polycube/strict_json.h"

using nlohmann::json;
using polycube::StrictJson;

namespace {

void check(bool ok) {
  if (!ok) __builtin_trap();
}

// Nesting of `v` as the parser counts it: a scalar is 0, [] or {} is 1.
size_t depth_of(const json &v) {
  if (!v.is_structured()) return 0;
  size_t inner = 0;
  for (const auto &e : v) inner = std::max(inner, depth_of(e));
  return inner + 1;
}

size_t members_of(const json &v) {
  if (!v.is_structured()) return 0;
  size_t n = v.is_object() ? v.size() : 0;
  for (const auto &e : v) n += members_of(e);
  return n;
}

// Object members the text names (repeated ones counted each time).
struct KeyCounter : nlohmann::json_sax<json> {
  size_t keys = 0;
  bool null() override { return true; }
  bool boolean(bool) override { return true; }
  bool number_integer(number_integer_t) override { return true; }
  bool number_unsigned(number_unsigned_t) override { return true; }
  bool number_float(number_float_t, const string_t &) override { return true; }
  bool string(string_t &) override { return true; }
  bool binary(binary_t &) override { return true; }
  bool start_object(std::size_t) override { return true; }
  bool key(string_t &) override {
    keys++;
    return true;
  }
  bool end_object() override { return true; }
  bool start_array(std::size_t) override { return true; }
  bool end_array() override { return true; }
  bool parse_error(std::size_t, const std::string &, const nlohmann::detail::exception &) override { return false; }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 1) return 0;
  const size_t max_depth = data[0] < 128 ? polycube::kJsonMaxDepth : 1 + data[0] % 16;
  std::string text(reinterpret_cast<const char *>(data) + 1, size - 1);
  StrictJson got = polycube::parse_json(text, max_depth);
  json ref = json::parse(text, nullptr, /*allow_exceptions=*/false);
  check(got.ok() == got.error.empty());
  if (!got.ok()) check(got.value.is_null());
  switch (got.fault) {
    case StrictJson::Fault::kNone: {
      check(!ref.is_discarded());
      check(got.value == ref);
      check(depth_of(got.value) <= max_depth);
      KeyCounter counter;
      check(json::sax_parse(text, &counter));
      check(counter.keys == members_of(got.value));
      // What it read prints to a text it reads back the same.
      StrictJson again = polycube::parse_json(got.value.dump(), max_depth);
      check(again.ok() && again.value == got.value);
      break;
    }
    case StrictJson::Fault::kSyntax: check(ref.is_discarded()); break;
    case StrictJson::Fault::kTooDeep:
      if (!ref.is_discarded()) check(depth_of(ref) > max_depth);
      break;
    case StrictJson::Fault::kDuplicate:
      if (!ref.is_discarded()) {
        KeyCounter counter;
        check(json::sax_parse(text, &counter));
        check(counter.keys > members_of(ref));
      }
      break;
  }
  return 0;
}
