// Opens an embedded BPF object, specialises it (rodata, map sizes, maps to
// reuse, programs to load) and loads it, turning libbpf/verifier failures
// into polycube::Error with the verifier's own words.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <string>

#include "polycube/embedded_object.h"

struct bpf_object;

namespace polycube {

// A loaded object; closing it closes its program fds (maps and programs that
// are pinned or referenced from a program array stay alive in the kernel).
class LoadedObject {
 public:
  explicit LoadedObject(bpf_object *obj) : obj_(obj) {}
  ~LoadedObject();
  LoadedObject(const LoadedObject &) = delete;
  LoadedObject &operator=(const LoadedObject &) = delete;

  bpf_object *get() const { return obj_; }
  int prog_fd(const std::string &name) const;  // throws kNotFound
  int map_fd(const std::string &name) const;   // throws kNotFound

 private:
  bpf_object *obj_;
};

struct LoadSpec {
  std::string pin_root;                         // where LIBBPF_PIN_BY_NAME maps live
  std::map<std::string, uint32_t> rodata_u32;   // const volatile __u32 globals
  std::map<std::string, uint32_t> max_entries;  // map name -> size
  std::map<std::string, int> reuse_maps;        // map name -> existing fd
  // map name -> fd of a map a previous run left (learned state): reused
  // when its definition (type, key and value size, entries, flags) is the
  // object's, otherwise the map is created fresh.
  std::map<std::string, int> adopt_maps;
  std::set<std::string> programs;               // programs to load (empty: all)
};

std::shared_ptr<LoadedObject> load_object(const EmbeddedObject &src, const LoadSpec &spec);

// Routes libbpf's messages to spdlog (once per process).
void init_libbpf_logging();

}  // namespace polycube
