#!/usr/bin/env bash
# REST benchmark: requests per second of polycubed's RESTCONF API on
# loopback (wrk), and the latency of creating a cube with two ports through
# it (build/bin/pcn-bench-rest), each next to a baseline measured in this run:
#
#   transport floors: a trivial static resource (GET /static, 16 bytes) from
#        the daemon's own HTTP server and from Pistache 0.0.5, the server the
#        daemon used before (build/bin/pcn-bench-http-floor); and the daemon's
#        cheapest RESTCONF GET (/restconf/yang/polycube-base: no datastore work)
#   GET  /restconf/data/simplebridge:simplebridge=br1    vs  both floors and
#        Linux reading a bridge over netlink (`ip -batch` of `-d link show`)
#   PATCH .../simplebridge=br1 (fdb aging-time, alternating values: each one
#        is a real change, reconciled and persisted)    vs  both floors and
#        Linux changing a bridge's ageing_time over netlink (`ip -batch`)
#   POST a simplebridge with two netdev ports / DELETE it (N rounds, median
#        and p99)    vs  a Linux bridge with two veth ports enslaved, over
#        rtnetlink and with `ip`
#
# Starts its own polycubed on a free port with its own state directory and
# pin root, in the root namespace; everything it creates is named with the
# test prefix pt<pid>- (scripts/cleanup.sh knows it) and removed on exit,
# also on failure or Ctrl-C.
#
#   bash scripts/bench/bench_rest.sh        (as root; REST_SECONDS=5
#        REST_CONNECTIONS=4 REST_ROUNDS=200 BENCH_NO_BUILD=1 to skip setup+build)
set -euo pipefail
shopt -s inherit_errexit
cd "$(dirname "$0")/../.."
# shellcheck source=scripts/bench/prelude.sh
source scripts/bench/prelude.sh
bench_prepare
SECONDS_EACH=${REST_SECONDS:-5}
CONNECTIONS=${REST_CONNECTIONS:-4}
ROUNDS=${REST_ROUNDS:-200}
LINUX_OPS=${REST_LINUX_OPS:-20000}

P="pt$$-"
WORK=$(mktemp -d "/tmp/${P}rest.XXXXXX")
PIN_ROOT="/sys/fs/bpf/${P}rest"
DAEMON_PID=""
FLOOR_PIDS=()
cleanup() {
  set +e
  for pid in $DAEMON_PID "${FLOOR_PIDS[@]}"; do
    kill "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
  done
  for ns in "${P}ra" "${P}rb" "${P}rl"; do ip netns del "$ns" 2>/dev/null; done
  for l in "${P}ra" "${P}rb" "${P}rc" "${P}rd"; do ip link del "$l" 2>/dev/null; done
  rm -rf "$WORK" "$PIN_ROOT" "/run/lock/polycube${PIN_ROOT//\//_}.lock"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# shellcheck source=scripts/bench/rest_lib.sh
source scripts/bench/rest_lib.sh
# ns ra -- [br1] -- ns rb, for GET and PATCH: a bridge with real ports;
# two free netdevs for the cube created and deleted in the latency loop;
# the Linux side: a namespace with two veth pairs, and a bridge for the
# netlink request rates.
for side in ra rb; do veth_into_ns "${P}$side"; done
for l in rc rd; do free_veth "${P}$l"; done
linux_ns "${P}rl"
ip -n "${P}rl" link add lbr type bridge

PCN_PIN_ROOT="$PIN_ROOT" build/bin/polycubed --port 0 --state-dir "$WORK/state" --log-level warn \
  >"$WORK/daemon.out" 2>"$WORK/daemon.err" &
DAEMON_PID=$!
for _ in $(seq 100); do
  grep -q "listening on" "$WORK/daemon.out" 2>/dev/null && break
  sleep 0.05
done
PORT=$(sed -n 's/.*listening on .*:\([0-9]*\)$/\1/p' "$WORK/daemon.out")
[ -n "$PORT" ] || { echo "polycubed did not start:" >&2; cat "$WORK/daemon.err" >&2; exit 1; }
BASE="http://127.0.0.1:$PORT"

code=$(curl -s --noproxy '*' -o "$WORK/resp" -w '%{http_code}' -X POST "$BASE/restconf/data" \
  -H 'Content-Type: application/yang-data+json' \
  --data "{\"simplebridge:simplebridge\":[{\"name\":\"br1\",\"ports\":[{\"name\":\"p1\",\"peer\":\"${P}ra\"},{\"name\":\"p2\",\"peer\":\"${P}rb\"}]}]}")
[ "$code" = 201 ] || { echo "creating br1: HTTP $code $(cat "$WORK/resp")" >&2; exit 1; }

patch_script "$WORK/patch.lua" simplebridge br1

# Linux: netlink requests per second through one `ip -batch` process.
linux_rate() {  # linux_rate <batch file> [ip options]
  local t0 t1
  t0=$(date +%s%N)
  ip netns exec "${P}rl" ip ${2:-} -batch "$1" >/dev/null
  t1=$(date +%s%N)
  awk -v n="$LINUX_OPS" -v ns=$((t1 - t0)) 'BEGIN {printf "%.0f", n / (ns / 1e9)}'
}
for i in $(seq "$LINUX_OPS"); do echo "link show dev lbr"; done >"$WORK/show.batch"
for i in $(seq "$LINUX_OPS"); do echo "link set dev lbr type bridge ageing_time $((10000 + i % 2))"; done >"$WORK/set.batch"

# The transport floors: the same static resource from our server and from
# Pistache, each its own process on a free port.
# (Not in a $(...) subshell: FLOOR_PIDS must reach the cleanup trap.)
floor_server() {  # floor_server polycube|pistache; sets FLOOR_URL
  build/bin/pcn-bench-http-floor "$1" >"$WORK/floor-$1.out" 2>"$WORK/floor-$1.err" &
  FLOOR_PIDS+=($!)
  for _ in $(seq 100); do
    grep -q "listening on" "$WORK/floor-$1.out" 2>/dev/null && break
    sleep 0.05
  done
  FLOOR_URL=$(sed -n 's/^listening on \(.*\)$/http:\/\/\1/p' "$WORK/floor-$1.out")
}
floor_server polycube
OURS=$FLOOR_URL
floor_server pistache
PISTACHE=$FLOOR_URL
[ -n "$OURS" ] || { echo "pcn-bench-http-floor polycube did not start" >&2; cat "$WORK/floor-polycube.err" >&2; exit 1; }
[ -n "$PISTACHE" ] || { echo "pcn-bench-http-floor pistache did not start (libpistache-dev missing?)" >&2; exit 1; }

floor_ours=$(BASE=$OURS rate /static)
floor_pistache=$(BASE=$PISTACHE rate /static)
floor=$(rate /restconf/yang/polycube-base)
get=$(rate /restconf/data/simplebridge:simplebridge=br1)
patch=$(rate /restconf/data/simplebridge:simplebridge=br1 "$WORK/patch.lua")
lshow=$(linux_rate "$WORK/show.batch" -d)
lset=$(linux_rate "$WORK/set.batch")

ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", a / b}'; }
echo "REST on loopback, polycubed :$PORT (wrk: 1 thread, $CONNECTIONS connections, ${SECONDS_EACH} s each; 2 CPUs shared with wrk)"
printf "%-52s %10.0f req/s\n" "floor: static GET, polycubed's HTTP server" "$floor_ours"
printf "%-52s %10.0f req/s   ours %s x Pistache\n" "floor: static GET, Pistache 0.0.5" "$floor_pistache" \
  "$(ratio "$floor_ours" "$floor_pistache")"
printf "%-52s %10.0f req/s   %s x our floor\n" "floor: RESTCONF GET /restconf/yang/polycube-base" "$floor" \
  "$(ratio "$floor" "$floor_ours")"
printf "%-52s %10.0f req/s   %s x our floor   %s x Pistache floor   %s x Linux   (goal 20,000)\n" \
  "GET simplebridge=br1" "$get" "$(ratio "$get" "$floor_ours")" "$(ratio "$get" "$floor_pistache")" "$(ratio "$get" "$lshow")"
printf "%-52s %10.0f req/s\n" "  Linux: read a bridge over netlink (ip -batch)" "$lshow"
printf "%-52s %10.0f req/s   %s x our floor   %s x Pistache floor   %s x Linux   (goal 5,000)\n" \
  "PATCH fdb aging-time (reconcile + persist)" "$patch" "$(ratio "$patch" "$floor_ours")" \
  "$(ratio "$patch" "$floor_pistache")" "$(ratio "$patch" "$lset")"
printf "%-52s %10.0f req/s\n" "  Linux: set a bridge's ageing_time (ip -batch)" "$lset"
echo

build/bin/pcn-bench-rest "$PORT" "$ROUNDS" "${P}rc,${P}rd" "${P}rl" l1,l2
