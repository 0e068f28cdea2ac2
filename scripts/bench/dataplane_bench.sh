#!/usr/bin/env bash
# ns/packet of every service's data plane (firewall, ddosmitigator, router,
# simplebridge, bridge) through the real netdev hook with
# BPF_PROG_TEST_RUN, next to an empty program of the same hook type. Run it
# before and after a change of the shared packet library
# (libpolycube/include/polycube/*.bpf.h). Not part of the tests.
#
#   scripts/bench/dataplane_bench.sh [repeat]      (BENCH_NO_BUILD=1 skips the build)
set -euo pipefail
cd "$(dirname "$0")/../.."
[ "$(id -u)" -eq 0 ] || { echo "run as root" >&2; exit 1; }
if [ -z "${BENCH_NO_BUILD:-}" ]; then
  cmake -S . -B build >/dev/null
  cmake --build build -j2 --target pcn-bench-dataplane >/dev/null
fi
build/bin/pcn-bench-dataplane "${1:-1000000}" | grep -v "\] \[info\] "
