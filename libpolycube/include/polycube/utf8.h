// Is a byte string well-formed UTF-8? Header-only, so that the daemon and
// pcn (which does not link libpolycube) check text from outside the same way
// before it reaches libyang or nlohmann::json, which cannot carry anything
// else.
#pragma once

#include <cstdint>
#include <string_view>

namespace polycube {

// RFC 3629: no overlong forms, no surrogates, nothing above U+10FFFF; NUL
// refused unless `allow_nul` (C strings would cut the text there).
inline bool valid_utf8(std::string_view s, bool allow_nul = false) {
  for (size_t i = 0; i < s.size();) {
    auto c = static_cast<unsigned char>(s[i]);
    if (c == 0 && !allow_nul) return false;
    if (c < 0x80) {
      i++;
      continue;
    }
    size_t n = c >= 0xF0 ? 3 : c >= 0xE0 ? 2 : c >= 0xC2 ? 1 : 0;
    if (n == 0 || c > 0xF4) return false;
    uint32_t cp = c & (0x3F >> n);
    for (size_t k = 1; k <= n; k++) {
      if (i + k >= s.size()) return false;
      auto cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3F);
    }
    if ((n == 2 && cp < 0x800) || (n == 3 && (cp < 0x10000 || cp > 0x10FFFF)) || (cp >= 0xD800 && cp <= 0xDFFF))
      return false;
    i += n + 1;
  }
  return true;
}

}  // namespace polycube
