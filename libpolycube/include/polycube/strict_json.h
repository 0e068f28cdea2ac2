// The one JSON parser of the daemon and of `pcn` (header-only: pcn does not
// link libpolycube). It reads through nlohmann's SAX interface, whose parser
// keeps its own stack instead of recursing, and refuses
//   - nesting deeper than a small limit, before anything deeper is built:
//     nlohmann copies and prints a value recursively, so a 200 KB body
//     nested 100,000 deep would otherwise overflow a thread's stack the
//     first time it is copied;
//   - an object that names a member twice: RFC 8259 leaves such a text's
//     meaning open, and libyang and nlohmann read it differently (both
//     members, or the last one), so a body must not reach either.
// YANG data nests a few levels per schema level; 64 is far beyond what any
// module here needs and far below what a thread's stack holds.
#pragma once

#include <nlohmann/json.hpp>

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace polycube {

constexpr std::size_t kJsonMaxDepth = 64;

struct StrictJson {
  enum class Fault {
    kNone,
    kSyntax,     // not JSON (or trailing bytes)
    kTooDeep,    // nested deeper than the limit
    kDuplicate,  // an object names a member twice
  };
  nlohmann::json value;  // null unless ok()
  Fault fault = Fault::kNone;
  std::string error;  // what is wrong, for a person; "" if ok()
  bool ok() const { return fault == Fault::kNone; }
};

namespace strict_json_detail {

// Builds the document as nlohmann's own DOM builder does (a stack of the
// open containers), with the two checks.
class Builder {
 public:
  using json = nlohmann::json;
  explicit Builder(std::size_t max_depth) : max_depth_(max_depth) {}

  bool null() { return put(json(nullptr)); }
  bool boolean(bool v) { return put(json(v)); }
  bool number_integer(json::number_integer_t v) { return put(json(v)); }
  bool number_unsigned(json::number_unsigned_t v) { return put(json(v)); }
  bool number_float(json::number_float_t v, const json::string_t &) { return put(json(v)); }
  bool string(json::string_t &v) { return put(json(std::move(v))); }
  bool binary(json::binary_t &v) { return put(json::binary(std::move(v))); }
  bool start_object(std::size_t) { return open(json::object()); }
  bool start_array(std::size_t) { return open(json::array()); }
  bool end_object() { return close(); }
  bool end_array() { return close(); }
  bool key(json::string_t &k) {
    json *object = open_.back();
    if (object->contains(k)) {
      fault_ = StrictJson::Fault::kDuplicate;
      error_ = "member \"" + k + "\" appears twice in one object" + where();
      return false;
    }
    key_ = std::move(k);
    return true;
  }
  bool parse_error(std::size_t, const std::string &, const nlohmann::detail::exception &e) {
    fault_ = StrictJson::Fault::kSyntax;
    error_ = e.what();
    // "[json.exception.parse_error.101] parse error at line 1, ..." -> "parse error at line 1, ..."
    if (auto close = error_.find("] "); error_.rfind("[json.exception.", 0) == 0 && close != std::string::npos)
      error_.erase(0, close + 2);
    return false;
  }

  StrictJson finish(bool parsed) {
    StrictJson out;
    if (parsed && fault_ == StrictJson::Fault::kNone) {
      out.value = std::move(root_);
      return out;
    }
    out.fault = fault_ == StrictJson::Fault::kNone ? StrictJson::Fault::kSyntax : fault_;
    out.error = error_.empty() ? "not JSON" : std::move(error_);
    return out;
  }

 private:
  // Where the parser is, as a JSON pointer to the innermost open container
  // (only for error messages).
  std::string where() const {
    std::string at;
    for (const auto &k : path_) at += "/" + k;
    return at.empty() ? "" : " at " + at;
  }

  // Puts `v` where the parser is: the root, the next array element or the
  // member named by the last key. Returns the stored value.
  json *place(json &&v) {
    if (open_.empty()) {
      root_ = std::move(v);
      return &root_;
    }
    json *parent = open_.back();
    if (parent->is_array()) {
      parent->push_back(std::move(v));  // the parent's earlier elements are closed: no pointer into it dangles
      return &parent->back();
    }
    auto [it, inserted] = parent->emplace(std::move(key_), std::move(v));
    return &it.value();
  }
  bool put(json &&v) {
    place(std::move(v));
    return true;
  }
  bool open(json &&container) {
    if (open_.size() >= max_depth_) {
      fault_ = StrictJson::Fault::kTooDeep;
      error_ = "JSON nested deeper than " + std::to_string(max_depth_) + " levels" + where();
      return false;
    }
    json *parent = open_.empty() ? nullptr : open_.back();
    std::string label = !parent ? "" : parent->is_array() ? std::to_string(parent->size()) : key_;
    open_.push_back(place(std::move(container)));
    if (parent) path_.push_back(std::move(label));
    return true;
  }
  bool close() {
    open_.pop_back();
    if (!path_.empty() && path_.size() >= open_.size()) path_.pop_back();
    return true;
  }

  std::size_t max_depth_;
  json root_;
  std::vector<json *> open_;       // the containers being filled, outermost first
  std::vector<std::string> path_;  // their member names / indices below the root
  std::string key_;
  StrictJson::Fault fault_ = StrictJson::Fault::kNone;
  std::string error_;
};

}  // namespace strict_json_detail

// Parses `text` as exactly one JSON value (RFC 8259; no comments, nothing
// after it). Never throws for bad input: see StrictJson::fault.
inline StrictJson parse_json(std::string_view text, std::size_t max_depth = kJsonMaxDepth) {
  strict_json_detail::Builder builder(max_depth);
  bool parsed = false;
  try {
    parsed = nlohmann::json::sax_parse(text.begin(), text.end(), &builder, nlohmann::json::input_format_t::json,
                                       /*strict=*/true, /*ignore_comments=*/false);
  } catch (const std::exception &e) {  // not expected from the SAX path; a fault all the same
    StrictJson out;
    out.fault = StrictJson::Fault::kSyntax;
    out.error = e.what();
    return out;
  }
  return builder.finish(parsed);
}

}  // namespace polycube
