// A map of a service's BPF object as the object itself declares it:
// pcn_embed_bpf() runs pcn-bpf-maps on the compiled objects and writes
// <var>_maps.h, one MapRef per map, in namespace polycube::bpf_maps::<var>.
// A map name the object does not have is then an unknown identifier, and
// Cube::map<K, V>(ref) / percpu_map<K, V>(ref) refuse, at compile time, key
// and value types whose sizes differ from the map's (see cube.h).
#pragma once

#include <cstdint>

namespace polycube {

template <uint32_t KeySize, uint32_t ValueSize, bool PerCpu>
struct MapRef {
  const char *name;
};

}  // namespace polycube
