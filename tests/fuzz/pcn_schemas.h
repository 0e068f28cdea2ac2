// pcn's Schema for every service, with modules read from the source tree
// instead of asked from a daemon; built once per fuzzing process.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "fuzz_support.h"
#include "schema.h"

namespace pcnfuzz {

inline std::optional<std::string> source_tree_module(const std::string &name) {
  std::string path = name == "polycube-base" ? PCN_SOURCE_DIR "/libpolycube/yang/polycube-base.yang"
                                             : PCN_SOURCE_DIR "/services/" + name + "/" + name + ".yang";
  if (name.find('/') != std::string::npos || !std::filesystem::exists(path)) return std::nullopt;
  return read_file(path);
}

inline std::vector<std::unique_ptr<pcn::Schema>> &pcn_schemas() {
  static auto *all = [] {
    quiet();
    auto *v = new std::vector<std::unique_ptr<pcn::Schema>>();
    std::vector<std::string> names;
    for (const auto &dir : std::filesystem::directory_iterator(PCN_SOURCE_DIR "/services"))
      if (source_tree_module(dir.path().filename())) names.push_back(dir.path().filename());
    std::sort(names.begin(), names.end());
    for (const auto &n : names) v->push_back(std::make_unique<pcn::Schema>(n, source_tree_module));
    return v;
  }();
  return *all;
}

}  // namespace pcnfuzz
