#!/usr/bin/env bash
# lbrp benchmark (pcn-bench-lbrp): packets/s of 64-byte UDP to a virtual IP
# on established flows and new TCP connections/s, each next to the Linux
# load balancers kube-proxy uses without IPVS (iptables in kube-proxy's
# shape, nftables numgen) measured in the same run (ratios printed); then
# the Maglev table build time (unit_tests' figures are not timed: this is).
# Not part of the tests.
#
#   scripts/bench/lbrp_bench.sh [seconds per figure]     (BENCH_NO_BUILD=1 skips the build)
set -euo pipefail
cd "$(dirname "$0")/../.."
# shellcheck source=scripts/bench/prelude.sh
source scripts/bench/prelude.sh
bench_prepare pcn-bench-lbrp
command -v iptables-legacy-restore >/dev/null || { echo "missing iptables-legacy (scripts/setup.sh installs it)" >&2; exit 1; }
build/bin/pcn-bench-lbrp "${1:-3}" 2>&1 | grep -v "\] \[info\] "
