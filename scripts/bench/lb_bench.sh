#!/usr/bin/env bash
# Load balancer benchmark (pcn-bench-lb): lbrp against the Linux load
# balancers kube-proxy uses without IPVS (iptables in kube-proxy's shape,
# nftables with a verdict map), measured in the same run at 1, 1,000 and
# 10,000 services: packets/s of 64-byte UDP to one virtual IP, new TCP
# connections/s, and the time to load each configuration (lbrp: one REST
# PUT). Then lbdsr against nftables netdev ingress (MAC rewrite + fwd), and
# the Maglev table build time. Ratios printed. Not part of the tests.
#
#   scripts/bench/lb_bench.sh [seconds per figure]     (BENCH_NO_BUILD=1 skips the build)
set -euo pipefail
cd "$(dirname "$0")/../.."
# shellcheck source=scripts/bench/prelude.sh
source scripts/bench/prelude.sh
bench_prepare pcn-bench-lb
command -v iptables-legacy-restore >/dev/null || { echo "missing iptables-legacy (scripts/setup.sh installs it)" >&2; exit 1; }
build/bin/pcn-bench-lb "${1:-2}" 2>&1 | grep -v "\] \[info\] "
