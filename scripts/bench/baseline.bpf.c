/* Baselines for the ns/packet benchmark: the cheapest program of each hook
 * type (returns "pass" at once). */
#include <polycube/pcn.bpf.h>

PCN_BLOCK(bench_pass) { return PCN_PASS; }
