// Shared by the libFuzzer targets: the project's real YANG modules read from
// the source tree, quiet logs, and the rule for what counts as a finding.
#pragma once

#include <spdlog/spdlog.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace pcnfuzz {

inline std::string read_file(const std::string &path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// YANG text of every service module (services/<name>/<name>.yang), sorted.
inline std::vector<std::string> service_modules() {
  std::vector<std::string> paths, out;
  for (const auto &dir : std::filesystem::directory_iterator(PCN_SOURCE_DIR "/services")) {
    auto yang = dir.path() / (dir.path().filename().string() + ".yang");
    if (std::filesystem::exists(yang)) paths.push_back(yang);
  }
  std::sort(paths.begin(), paths.end());
  for (const auto &p : paths) out.push_back(read_file(p));
  return out;
}

inline void quiet() { spdlog::set_level(spdlog::level::off); }

// The input as lines: the first `n - 1` lines, then the rest (which may hold
// newlines) as the last part. Fewer parts if the input has fewer lines.
inline std::vector<std::string> split_lines(const std::string &s, size_t n) {
  std::vector<std::string> out;
  size_t start = 0;
  while (out.size() + 1 < n) {
    size_t nl = s.find('\n', start);
    if (nl == std::string::npos) break;
    out.push_back(s.substr(start, nl - start));
    start = nl + 1;
  }
  out.push_back(s.substr(start));
  return out;
}

}  // namespace pcnfuzz

// What a target may throw is polycube::Error (the daemon answers it with a
// 4xx and an RFC 8040 body) or pcn::UsageError (exit status 2). Anything else
// escaping is a finding: the daemon would answer 500 with an internal
// message, pcn would print a library's exception. libFuzzer reports an
// uncaught exception as a crash (abort).
