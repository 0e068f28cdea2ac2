// A BPF ELF object compiled at build time and linked into the binary
// (see cmake/PolycubeBpf.cmake, which defines one per .bpf.c and mode).
#pragma once

#include <cstddef>

namespace polycube {

struct EmbeddedObject {
  const char *name;            // e.g. "helloworld.tc"
  const unsigned char *begin;  // ELF bytes
  const unsigned char *end;
  std::size_t size() const { return static_cast<std::size_t>(end - begin); }
};

// Both builds of one .bpf.c source.
struct BpfSource {
  EmbeddedObject tc;
  EmbeddedObject xdp;
};

}  // namespace polycube

// Declares the symbols emitted by pcn_embed_bpf(<var> ...) in CMake and
// defines `polycube::BpfSource var()`.
#define PCN_DECLARE_BPF_SOURCE(var)                                                   \
  extern "C" const unsigned char var##_tc_begin[], var##_tc_end[], var##_xdp_begin[], \
      var##_xdp_end[];                                                                \
  inline polycube::BpfSource var() {                                                  \
    return {{#var ".tc", var##_tc_begin, var##_tc_end},                               \
            {#var ".xdp", var##_xdp_begin, var##_xdp_end}};                           \
  }
