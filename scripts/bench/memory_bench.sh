#!/usr/bin/env bash
# Kernel map memory of one empty cube of each service, beside the goal
# (256 KiB; memory_bench.cpp says how it is counted).
#
#   bash scripts/bench/memory_bench.sh     (as root; BENCH_NO_BUILD=1 skips the build)
set -euo pipefail
cd "$(dirname "$0")/../.."
# shellcheck source=scripts/bench/prelude.sh
source scripts/bench/prelude.sh
bench_prepare pcn-bench-memory
build/bin/pcn-bench-memory
