#!/usr/bin/env bash
# polycube-cni next to the reference bridge CNI plugin (containernetworking-
# plugins), same node, pods and IPAM, same run: ADD and DEL latency (median,
# p99 over N pods) and pod-to-pod packets/s, with ratios.
# Usage: scripts/bench/cni_bench.sh [pods] [seconds]   (root; builds first; default 200 pods, 3 s)
set -euo pipefail
cd "$(dirname "$0")/../.."
[ "$(id -u)" -eq 0 ] || { echo "run as root" >&2; exit 1; }
if [ -z "${BENCH_NO_BUILD:-}" ] || [ ! -x build/bin/pcn-bench-cni ]; then
  cmake -S . -B build >/dev/null
  cmake --build build -j2 --target pcn-bench-cni polycube-cni polycubed >/dev/null
fi
[ -x /usr/lib/cni/bridge ] && [ -x /usr/lib/cni/host-local ] ||
  { echo "containernetworking-plugins missing (scripts/setup.sh installs it)" >&2; exit 1; }
exec build/bin/pcn-bench-cni "${1:-200}" "${2:-3}"
