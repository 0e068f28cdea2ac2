#!/usr/bin/env bash
# ddosmitigator benchmark: packets per second dropped from blacklisted
# sources by ddosmitigator (XDP native, XDP generic, TC) and by nftables
# drop rules (netdev ingress, inet prerouting) on the same veth, with the
# same AF_PACKET generator, in the same run, printed as ratios to the
# nftables netdev ingress rule; plus the per-packet cost of each pipeline
# shape through the real hook (BPF_PROG_TEST_RUN). Every drop rate is
# measured with the AF_PACKET generator and with the XDP live-frames one
# (xdp_flood.h, not the bottleneck), and printed with the ns/packet it adds
# over the bare path (flood.h). Run once with one
# blacklisted prefix and once with DDOS_ENTRIES /32 entries (an LPM trie
# against an nftables interval set).
#
#   bash scripts/bench/ddos_bench.sh     (as root; DDOS_SECONDS=2 DDOS_ROUNDS=3
#        DDOS_ENTRIES=10000 BENCH_NO_BUILD=1 to skip setup+build)
#
# Everything it creates (namespace, veth, nftables table, pin root) is named
# with the prefix pt<pid>- / pt<pid>_ and removed on exit; scripts/cleanup.sh
# removes the netdevs of a killed run.
set -euo pipefail
cd "$(dirname "$0")/../.."
# shellcheck source=scripts/bench/prelude.sh
source scripts/bench/prelude.sh
bench_prepare
command -v nft >/dev/null || { echo "nft not found (apt-get install nftables)" >&2; exit 1; }
SECONDS_EACH=${DDOS_SECONDS:-2}
ROUNDS=${DDOS_ROUNDS:-3}
ENTRIES=${DDOS_ENTRIES:-10000}
echo "== ddosmitigator vs nftables: one blacklisted prefix"
build/bin/pcn-bench-ddos "$SECONDS_EACH" "$ROUNDS" 1
echo
echo "== ddosmitigator vs nftables: $ENTRIES blacklisted addresses"
build/bin/pcn-bench-ddos "$SECONDS_EACH" "$ROUNDS" "$ENTRIES"
