#!/usr/bin/env bash
# packets/s and ns/packet: the 802.1Q bridge (TC, generic XDP) against a
# Linux bridge with VLAN filtering off and on, same run, with ratios.
# Usage: scripts/bench/bridge_pps.sh [seconds per case]   (root; builds first)
set -euo pipefail
cd "$(dirname "$0")/../.."
[ "$(id -u)" -eq 0 ] || { echo "run as root" >&2; exit 1; }
if [ -z "${BENCH_NO_BUILD:-}" ]; then
  cmake -S . -B build >/dev/null
  cmake --build build -j2 --target pcn-bench-bridge-pps >/dev/null
fi
exec build/bin/pcn-bench-bridge-pps "${1:-3}"
