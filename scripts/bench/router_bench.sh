#!/usr/bin/env bash
# Router benchmark: forwarding packets/s and ns/packet of the router cube (TC,
# generic XDP) against Linux IPv4 forwarding between namespaces, same run,
# printed as ratios; then the router's per-packet cost under
# BPF_PROG_TEST_RUN with 10, 1k and 100k routes. Not part of the tests.
#
#   scripts/bench/router_bench.sh [seconds-per-pps-run] [test-run-repeat]
# BENCH_NO_BUILD=1 skips the build.
set -euo pipefail
cd "$(dirname "$0")/../.."
# shellcheck source=scripts/bench/prelude.sh
source scripts/bench/prelude.sh
bench_prepare pcn-bench-router
build/bin/pcn-bench-router "${1:-3}" "${2:-1000000}"
