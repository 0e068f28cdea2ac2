#!/usr/bin/env bash
# NAT benchmark (pcn-bench-nat): packets/s of 64-byte UDP through masquerade
# on established flows and new TCP connections/s through it, each next to a
# Linux router namespace doing iptables MASQUERADE (nf_conntrack) on the
# same veths in the same run (ratios printed); memory per session and the
# session table's capacity. Then the NAT's own cost per packet under
# BPF_PROG_TEST_RUN (dataplane_bench's nat rows). Not part of the tests.
#
#   scripts/bench/nat_bench.sh [seconds per figure]     (BENCH_NO_BUILD=1 skips the build)
set -euo pipefail
cd "$(dirname "$0")/../.."
# shellcheck source=scripts/bench/prelude.sh
source scripts/bench/prelude.sh
bench_prepare pcn-bench-nat pcn-bench-dataplane
command -v iptables-legacy >/dev/null || { echo "missing iptables-legacy (scripts/setup.sh installs it)" >&2; exit 1; }
build/bin/pcn-bench-nat "${1:-3}" 2>&1 | grep -v "\] \[info\] "
echo
echo "== ns/packet of the NAT's data plane (BPF_PROG_TEST_RUN through the real hook)"
build/bin/pcn-bench-dataplane 1000000 2>&1 | grep -E "baseline|nat"
