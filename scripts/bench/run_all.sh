#!/usr/bin/env bash
# Runs every benchmark and prints its figures (each next to the Linux or
# kernel baseline measured in the same run). Builds first. Takes ~3 minutes.
# Not part of the test command.
set -euo pipefail
cd "$(dirname "$0")/../.."
[ "$(id -u)" -eq 0 ] || { echo "run as root" >&2; exit 1; }
scripts/setup.sh >/dev/null
scripts/build.sh >/dev/null
trap scripts/cleanup.sh EXIT
echo "== ns/packet (BPF_PROG_TEST_RUN)"
build/bin/pcn-bench-prog "${PROG_REPEAT:-2000000}"
echo
echo "== packets/s between namespaces"
build/bin/pcn-bench-pps "${PPS_SECONDS:-3}"
echo
echo "== control plane"
build/bin/pcn-bench-control "${CONTROL_ITERATIONS:-300}"
echo
echo "== REST API"
BENCH_NO_BUILD=1 scripts/bench/bench_rest.sh
