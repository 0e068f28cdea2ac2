#!/usr/bin/env bash
# packetcapture benchmark: packets per second recorded and lost with
# snaplen 96 and a filter, at the highest rate the AF_PACKET generator
# reaches, next to tcpdump on the same veth in the same run.
#
#   bash scripts/bench/capture_bench.sh    (as root; CAPTURE_SECONDS=2
#        CAPTURE_ROUNDS=3, BENCH_NO_BUILD=1 to skip setup+build)
#
# Everything it creates (namespace, veth, pin root) is named with the prefix
# pt<pid>- and removed on exit; scripts/cleanup.sh removes a killed run's.
set -euo pipefail
cd "$(dirname "$0")/../.."
# shellcheck source=scripts/bench/prelude.sh
source scripts/bench/prelude.sh
bench_prepare
build/bin/pcn-bench-capture "${CAPTURE_SECONDS:-2}" "${CAPTURE_ROUNDS:-3}"
