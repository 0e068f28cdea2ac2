#!/usr/bin/env bash
# packets/s and ns/packet: the 802.1Q bridge (TC, generic XDP) against a
# Linux bridge with VLAN filtering off and on, same run, with ratios.
# Usage: scripts/bench/bridge_pps.sh [seconds per case]   (root; builds first)
set -euo pipefail
cd "$(dirname "$0")/../.."
# shellcheck source=scripts/bench/prelude.sh
source scripts/bench/prelude.sh
bench_prepare pcn-bench-bridge-pps
exec build/bin/pcn-bench-bridge-pps "${1:-3}"
