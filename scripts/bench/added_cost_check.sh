#!/usr/bin/env bash
# Checks the claim that makes "added ns/packet" (flood.h) a valid
# subtraction: the CPU that runs the generator also receives every frame
# of the path (veth to the function, the function, veth to the receiver).
# Runs the bridge benchmark pinned to CPU 0 and, during its floods, counts
# per CPU the frames the kernel received (net:netif_receive_skb) and the
# NET_RX softirqs (irq:softirq_entry vec 3) with `perf stat`: nearly all
# should be on CPU 0. Frames received on another CPU would be work done in
# parallel with the generator, which the subtraction would miss.
#
#   bash scripts/bench/added_cost_check.sh     (as root; BENCH_NO_BUILD=1 skips the build)
set -euo pipefail
cd "$(dirname "$0")/../.."
# shellcheck source=scripts/bench/prelude.sh
source scripts/bench/prelude.sh
bench_prepare pcn-bench-bridge-pps
command -v perf >/dev/null || { echo "perf not found (apt-get install linux-perf)" >&2; exit 1; }
taskset -c 0 build/bin/pcn-bench-bridge-pps 3 >/dev/null 2>&1 &
bench=$!
trap 'kill "$bench" 2>/dev/null || true' EXIT
sleep 5  # into the floods (the bare path's first)
perf stat -a -A -x, -e net:netif_receive_skb -e irq:softirq_entry --filter 'vec == 3' -- sleep 3 2>&1 |
  awk -F, '$1 ~ /^CPU/ { n[$4 " " $1] = $2; ev[$4] += $2; cpus[$1] = 1 }
    END {
      for (e in ev) {
        line = sprintf("%-24s", e)
        for (c in cpus) line = line sprintf("  %s %12d", c, n[e " " c])
        printf "%s  on CPU0 %.1f%%\n", line, ev[e] ? 100 * n[e " CPU0"] / ev[e] : 0
      }
    }'
wait "$bench" || true
