// CNI spec versions: which ones this plugin speaks, and comparing them.
#pragma once

#include <string>
#include <vector>

namespace pcncni {

// Every version whose result format this plugin writes (0.3.0 and 0.3.1
// share one), in ascending order.
const std::vector<std::string> &supported_versions();
bool is_supported(const std::string &version);
// Semantic comparison of "a.b.c" (missing parts are 0): <0, 0, >0.
int compare_versions(const std::string &a, const std::string &b);
// The highest of `offered` that is <= `ceiling` and whose results this
// plugin reads (0.3.0 and later); empty if none.
std::string highest_common(const std::vector<std::string> &offered, const std::string &ceiling);

}  // namespace pcncni
