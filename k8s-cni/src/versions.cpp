#include "versions.h"

#include <algorithm>
#include <cstdlib>

namespace pcncni {

const std::vector<std::string> &supported_versions() {
  static const std::vector<std::string> v{"0.3.0", "0.3.1", "0.4.0", "1.0.0", "1.1.0"};
  return v;
}

bool is_supported(const std::string &version) {
  const auto &v = supported_versions();
  return std::find(v.begin(), v.end(), version) != v.end();
}

int compare_versions(const std::string &a, const std::string &b) {
  const char *pa = a.c_str(), *pb = b.c_str();
  for (int i = 0; i < 3; ++i) {
    long x = std::strtol(pa, const_cast<char **>(&pa), 10), y = std::strtol(pb, const_cast<char **>(&pb), 10);
    if (x != y) return x < y ? -1 : 1;
    if (*pa == '.') ++pa;
    if (*pb == '.') ++pb;
  }
  return 0;
}

std::string highest_common(const std::vector<std::string> &offered, const std::string &ceiling) {
  std::string best;
  for (const auto &v : offered)
    if (compare_versions(v, "0.3.0") >= 0 && compare_versions(v, ceiling) <= 0 && (best.empty() || compare_versions(v, best) > 0)) best = v;
  return best;
}

}  // namespace pcncni
