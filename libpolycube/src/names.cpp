#include "names.h"

#include <cctype>

#include "polycube/error.h"

namespace polycube {

bool valid_name(const std::string &s) {
  if (s.empty() || s.size() > 64 || !std::isalpha(static_cast<unsigned char>(s[0])))
    return false;
  for (char ch : s) {
    auto c = static_cast<unsigned char>(ch);
    if (!std::isalnum(c) && c != '_' && c != '-' && c != '.')
      return false;
  }
  return true;
}

void check_name(const std::string &what, const std::string &s) {
  if (!valid_name(s))
    throw Error(ErrorCode::kInvalid, "bad " + what + " name '" + s +
                                         "' (letters, digits, '_', '-', '.'; starts with a letter; at most 64)");
}

std::string bpffs_name(const std::string &s) {
  std::string out;
  out.reserve(s.size());
  for (char ch : s) {
    if (ch == '.') out += "%2E";
    else out += ch;
  }
  return out;
}

}  // namespace polycube
