#!/usr/bin/env bash
# The netdev hook's attach: tcx link vs cls_bpf, for a bare program and an
# empty cube's entry, ns/packet through the XDP live-frames generator
# (tcx_bench.cpp says how). Measures only.
#
#   bash scripts/bench/tcx_bench.sh [seconds] [rounds]   (as root; BENCH_NO_BUILD=1 skips the build)
set -euo pipefail
cd "$(dirname "$0")/../.."
# shellcheck source=scripts/bench/prelude.sh
source scripts/bench/prelude.sh
bench_prepare pcn-bench-tcx
build/bin/pcn-bench-tcx "${1:-1}" "${2:-5}"
