// Compiled by service_contract_check.sh, never linked: helloworld's maps
// through the handles generated from its BPF object. PROBE selects one
// use; only PROBE=0 (the right name, types and kind) may compile.
#include "helloworld_bpf_maps.h"
#include "helloworld_shared.h"
#include "polycube/cube.h"

namespace maps = polycube::bpf_maps::helloworld_bpf;

void probe(const polycube::Cube &cube) {
#if PROBE == 0
  cube.map<uint32_t, hw_config>(maps::hw_config);
  cube.percpu_map<uint32_t, uint8_t[40]>(maps::pcn_stats_tc);
#elif PROBE == 1
  cube.map<uint32_t, hw_config>(maps::hw_cfg);  // no such map in helloworld.bpf.c
#elif PROBE == 2
  cube.map<uint32_t, uint64_t>(maps::hw_config);  // the value is a struct hw_config
#elif PROBE == 3
  cube.map<uint32_t, uint8_t[40]>(maps::pcn_stats_tc);  // a per-CPU map
#endif
}
