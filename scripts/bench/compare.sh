#!/usr/bin/env bash
# Regression guard for the data plane's figures (not a test, not in the
# test command): runs the quick benchmarks, takes their ratios (each
# against its Linux or bare baseline measured in the same run, so a slower
# or faster machine moves both sides) and compares them with the committed
# scripts/bench/ratios.txt. Prints every figure beside its committed value
# and lists what got worse by more than 20%; exits 1 then.
#
#   bash scripts/bench/compare.sh           compare (as root)
#   bash scripts/bench/compare.sh --write   rewrite ratios.txt from this run
#
# ratios.txt: one figure a line, "name value lower|higher" (which way is
# better); '#' starts a comment. A committed value <= 0 (a noisy added cost
# can come out negative) is printed but not judged. Run it on a quiet
# machine: the added-cost ratios are differences of whole-path figures and
# move by more than 20% when other work shares the CPUs.
set -euo pipefail
cd "$(dirname "$0")/../.."
# shellcheck source=scripts/bench/prelude.sh
source scripts/bench/prelude.sh
bench_prepare pcn-bench-memory pcn-bench-tcx pcn-bench-bridge-pps pcn-bench-router pcn-bench-ddos
RATIOS=scripts/bench/ratios.txt
SECONDS_EACH=${COMPARE_SECONDS:-2}

# Bench output on stdin -> "name value lower|higher" lines; $1 names the benchmark.
figures() {
  awk -v p="$1" '
    function key(s) { gsub(/^ +| +$/, "", s); gsub(/[^A-Za-z0-9]+/, "_", s); sub(/_+$/, "", s); return p "." s }
    function after(re,   v) { match($0, re); v = substr($0, RSTART, RLENGTH); sub(/.* /, "", v); return v }
    /XDP live-frames generator/ { gen = "xdp" }
    /AF_PACKET generator/ { gen = "packet" }
    # A row is named by its first 44 characters; an indented row (router:
    # "  b drops at tc ingress") by the row above it too; ddos rows by
    # their generator (with the XDP one only drops/s: nftables adds next to
    # nothing over the bare path there, so a ratio of added costs is noise).
    /^[A-Za-z]/ { main = substr($0, 1, 44); row = main }
    /^  [A-Za-z]/ && !/whole-path|drops\/s ratio|nat.s own/ { row = main " " substr($0, 1, 44) }
    /added ratio vs Linux -?[0-9.]+/ && gen != "xdp" { print key("added_ratio " gen " " row), after("added ratio vs Linux -?[0-9.]+"), "lower" }
    /goal 256 KiB  ratio [0-9.]+/ { print key("memory " substr($0, 1, 40)), after("ratio [0-9.]+"), "lower" }
    /ratio tcx\/cls_bpf [0-9.]+/ { print key(substr($0, 1, 44)), after("cls_bpf [0-9.]+"), "lower" }
    /drops\/s ratio vs nftables netdev ingress [0-9.]+ \(goal/ && gen == "xdp" {
      print key("drops_ratio " gen " " row), after("ingress [0-9.]+"), "higher" }
  '
}

current=$(mktemp)
trap 'rm -f "$current"' EXIT
{
  build/bin/pcn-bench-memory | figures memory
  build/bin/pcn-bench-tcx 1 3 | figures tcx
  build/bin/pcn-bench-bridge-pps "$SECONDS_EACH" | figures bridge
  ROUTER_BENCH_ROUTES=0 build/bin/pcn-bench-router "$SECONDS_EACH" 100000 | figures router
  build/bin/pcn-bench-ddos 1 1 1 | figures ddos1
} >"$current"

if [ "${1:-}" = "--write" ]; then
  { echo "# name value lower|higher  (scripts/bench/compare.sh --write, $(date -u +%F), $(nproc) CPUs)"; cat "$current"; } >"$RATIOS"
  echo "wrote $RATIOS ($(wc -l <"$current") figures)"
  exit 0
fi
[ -f "$RATIOS" ] || { echo "no $RATIOS: run with --write first" >&2; exit 2; }
awk '
  FNR == NR { if ($0 !~ /^#/ && NF >= 3) { base[$1] = $2; dir[$1] = $3 } next }
  {
    name = $1; cur = $2
    if (!(name in base)) { printf "%-70s %9s -> %9.3f  (new)\n", name, "-", cur; next }
    seen[name] = 1; b = base[name]
    if (b <= 0) { printf "%-70s %9.3f -> %9.3f  (not judged: committed value <= 0)\n", name, b, cur; next }
    change = dir[name] == "lower" ? cur / b : b / (cur > 0 ? cur : 1e-9)
    worse = change > 1.2
    printf "%-70s %9.3f -> %9.3f  %s\n", name, b, cur, worse ? sprintf("WORSE by %.0f%%", (change - 1) * 100) : "ok"
    if (worse) bad = bad "  " name "\n"
  }
  END {
    for (n in base) if (!(n in seen)) printf "%-70s %9.3f -> %9s  (missing from this run)\n", n, base[n], "-"
    if (bad != "") { printf "\ngot worse by more than 20%%:\n%s", bad; exit 1 }
    print "\nnothing got worse by more than 20%"
  }
' "$RATIOS" "$current"
