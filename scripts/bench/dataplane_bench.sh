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
# shellcheck source=scripts/bench/prelude.sh
source scripts/bench/prelude.sh
bench_prepare pcn-bench-dataplane
build/bin/pcn-bench-dataplane "${1:-1000000}" | grep -v "\] \[info\] "
