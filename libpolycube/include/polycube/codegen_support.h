// Runtime support of the code codegen-yang generates: RFC 7951 encoding
// and decoding of one field, dispatched on the field's C++ type, so the
// generated code only lists fields. Errors name the field.
#pragma once

#include <cstdint>
#include <limits>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <type_traits>
#include <vector>

#include "polycube/error.h"

namespace polycube::gen {

using nlohmann::json;

template <class T>
struct is_optional : std::false_type {};
template <class T>
struct is_optional<std::optional<T>> : std::true_type {};
template <class T>
struct is_vector : std::false_type {};
template <class T>
struct is_vector<std::vector<T>> : std::true_type {};

[[noreturn]] inline void bad_field(const std::string &field, const std::string &want, const json &got) {
  throw Error(ErrorCode::kInvalid, "field '" + field + "': expected " + want + ", got " + got.dump());
}

// decimal64 is carried as double; RFC 7951 spells it as a string.
struct Decimal64 {
  double value = 0;
  bool operator==(const Decimal64 &o) const { return value == o.value; }
};

// YANG `empty`: present or not; RFC 7951 spells presence as [null].
struct Empty {
  bool present = false;
  explicit operator bool() const { return present; }
  bool operator==(const Empty &o) const { return present == o.present; }
};

template <class T>
void decode(const json &v, const std::string &field, T &out) {
  if constexpr (is_optional<T>::value) {
    typename T::value_type inner{};
    decode(v, field, inner);
    out = std::move(inner);
  } else if constexpr (is_vector<T>::value) {
    if (!v.is_array()) bad_field(field, "an array", v);
    out.clear();
    for (const auto &e : v) {
      typename T::value_type inner{};
      decode(e, field, inner);
      out.push_back(std::move(inner));
    }
  } else if constexpr (std::is_same_v<T, json>) {  // unions: kept as JSON
    out = v;
  } else if constexpr (std::is_same_v<T, std::string>) {
    if (!v.is_string()) bad_field(field, "a string", v);
    out = v.get<std::string>();
  } else if constexpr (std::is_same_v<T, bool>) {
    if (!v.is_boolean()) bad_field(field, "a boolean", v);
    out = v.get<bool>();
  } else if constexpr (std::is_same_v<T, Empty>) {
    if (!(v.is_array() && v.size() == 1 && v[0].is_null())) bad_field(field, "[null] (YANG empty)", v);
    out.present = true;
  } else if constexpr (std::is_same_v<T, Decimal64>) {
    if (!v.is_string()) bad_field(field, "a decimal64 string", v);
    try {
      size_t used = 0;
      out.value = std::stod(v.get<std::string>(), &used);
      if (used != v.get<std::string>().size()) bad_field(field, "a decimal64 string", v);
    } catch (const std::logic_error &) {
      bad_field(field, "a decimal64 string", v);
    }
  } else if constexpr (std::is_enum_v<T>) {
    if (!v.is_string() || !from_string(v.get<std::string>(), out)) bad_field(field, "one of its enum names", v);
  } else if constexpr (std::is_integral_v<T>) {
    // RFC 7951: 64-bit integers are strings, the others numbers.
    constexpr bool wide = sizeof(T) == 8;
    if (wide && v.is_string()) {
      try {
        size_t used = 0;
        const std::string &s = v.get_ref<const std::string &>();
        if constexpr (std::is_signed_v<T>) out = std::stoll(s, &used);
        else {
          if (!s.empty() && s[0] == '-') bad_field(field, "an unsigned integer", v);
          out = std::stoull(s, &used);
        }
        if (used != s.size()) bad_field(field, "an integer", v);
      } catch (const std::logic_error &) {
        bad_field(field, "an integer", v);
      }
    } else if (!wide && v.is_number_integer()) {
      auto n = v.get<int64_t>();
      if (v.is_number_unsigned()) {
        if (v.get<uint64_t>() > static_cast<uint64_t>(std::numeric_limits<T>::max()))
          bad_field(field, "a value in range", v);
      } else if (n < static_cast<int64_t>(std::numeric_limits<T>::min()) ||
                 (n > 0 && static_cast<uint64_t>(n) > static_cast<uint64_t>(std::numeric_limits<T>::max()))) {
        bad_field(field, "a value in range", v);
      }
      out = static_cast<T>(n);
    } else {
      bad_field(field, wide ? "a 64-bit integer as a string" : "an integer", v);
    }
  } else {
    if (!v.is_object()) bad_field(field, "an object", v);
    from_json(v, out);
  }
}

template <class T>
json encode(const T &v) {
  if constexpr (is_vector<T>::value) {
    json a = json::array();
    for (const auto &e : v) a.push_back(encode(e));
    return a;
  } else if constexpr (std::is_same_v<T, std::string> || std::is_same_v<T, bool> || std::is_same_v<T, json>) {
    return v;
  } else if constexpr (std::is_same_v<T, Decimal64>) {
    return std::to_string(v.value);
  } else if constexpr (std::is_same_v<T, Empty>) {
    return json::array({nullptr});
  } else if constexpr (std::is_enum_v<T>) {
    return to_string(v);
  } else if constexpr (std::is_integral_v<T>) {
    if constexpr (sizeof(T) == 8) return std::to_string(v);
    else return v;
  } else {
    json j;
    to_json(j, v);
    return j;
  }
}

// One member of an object: read if present (unknown members are errors,
// checked by the caller with `check_members`).
template <class T>
void get(const json &obj, const char *name, T &out) {
  auto it = obj.find(name);
  if (it != obj.end()) decode(*it, name, out);
}

template <class T>
void put(json &obj, const char *name, const T &v) {
  if constexpr (is_optional<T>::value) {
    if (v) obj[name] = encode(*v);
  } else if constexpr (std::is_same_v<T, Empty>) {
    if (v.present) obj[name] = encode(v);
  } else if constexpr (is_vector<T>::value) {
    if (!v.empty()) obj[name] = encode(v);
  } else {
    obj[name] = encode(v);
  }
}

inline void check_members(const json &obj, const std::string &where, std::initializer_list<const char *> known) {
  if (!obj.is_object()) bad_field(where, "an object", obj);
  for (const auto &[k, _] : obj.items()) {
    bool ok = false;
    for (const char *n : known) ok |= k == n;
    if (!ok) throw Error(ErrorCode::kInvalid, where + ": unknown member '" + k + "'");
  }
}

}  // namespace polycube::gen
