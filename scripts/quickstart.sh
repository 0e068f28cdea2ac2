#!/usr/bin/env bash
# Quickstart: installs dependencies, builds, starts polycubed, builds a demo
# topology in network namespaces with the pcn CLI and shows traffic flowing
# through it; then runs the C++ API demo (filtering database, per-port
# counters, slow path, hot swap). Leaves nothing behind. Idempotent.
#
#   ns a (10.10.0.1) --- p1 [simplebridge br1] p2 --- ns b (10.10.0.2)
#                                   p3
#                                   |  (pcn connect)
#                                  in [helloworld hw1] out --- ns c (10.10.0.3)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
[ "$(id -u)" -eq 0 ] || { echo "scripts/quickstart.sh must run as root" >&2; exit 1; }
scripts/setup.sh
scripts/build.sh
scripts/cleanup.sh

state=$(mktemp -d)
daemon=""
finish() {
  [ -n "$daemon" ] && kill "$daemon" 2>/dev/null && wait "$daemon" 2>/dev/null
  for x in a b c; do
    ip link del "pcn-demo-v$x" 2>/dev/null || true
    ip netns del "pcn-demo-$x" 2>/dev/null || true
  done
  rm -rf "$state"
}
trap finish EXIT

echo "== namespaces a, b, c with a veth each"
i=1
for x in a b c; do
  ip netns add "pcn-demo-$x"
  ip link add "pcn-demo-v$x" type veth peer name "pcn-demo-v${x}x"
  ip link set "pcn-demo-v${x}x" netns "pcn-demo-$x"
  ip -n "pcn-demo-$x" link set "pcn-demo-v${x}x" name eth0
  ip -n "pcn-demo-$x" addr add "10.10.0.$i/24" dev eth0
  ip -n "pcn-demo-$x" link set eth0 up
  ip -n "pcn-demo-$x" link set lo up
  ip link set "pcn-demo-v$x" up
  i=$((i + 1))
done

echo "== starting polycubed"
build/bin/polycubed --port 0 --state-dir "$state" --log-level warn > "$state/out" &
daemon=$!
for _ in $(seq 50); do grep -q listening "$state/out" && break; sleep 0.1; done
export PCN_URL="http://127.0.0.1:$(grep -o '[0-9]*$' "$state/out")"
echo "   $(cat "$state/out")"
pcn() { echo "\$ pcn $*"; "$root/build/bin/pcn" "$@" </dev/null; }

echo "== building the topology with pcn"
pcn simplebridge add br1
pcn br1 ports add p1 peer=pcn-demo-va
pcn br1 ports add p2 peer=pcn-demo-vb
pcn br1 ports add p3
pcn helloworld add hw1 action=FORWARD
pcn hw1 ports add in
pcn hw1 ports add out peer=pcn-demo-vc
pcn connect br1:p3 hw1:in
pcn br1 show
pcn cubes

echo "== traffic"
ip netns exec pcn-demo-a ping -c 3 -i 0.2 10.10.0.2
ip netns exec pcn-demo-b ping -c 3 -i 0.2 10.10.0.3
echo "== hw1 set to DROP: c is cut off"
pcn hw1 set action=DROP
if ip netns exec pcn-demo-a ping -c 2 -i 0.2 -W 1 -q 10.10.0.3; then echo "unexpected reply" >&2; exit 1; fi
pcn hw1 set action=FORWARD
ip netns exec pcn-demo-a ping -c 2 -i 0.2 -q 10.10.0.3
echo "== a transparent cube that drops what enters br1 from a, attached and detached"
pcn transparenthelloworld add t1 ingress-action=DROP
pcn attach t1 br1:p1 position=first
pcn topology
if ip netns exec pcn-demo-a ping -c 2 -i 0.2 -W 1 -q 10.10.0.2; then echo "unexpected reply" >&2; exit 1; fi
pcn detach t1 br1:p1
ip netns exec pcn-demo-a ping -c 2 -i 0.2 -q 10.10.0.2

echo "== tearing down with pcn"
pcn transparenthelloworld del t1
pcn disconnect br1:p3 hw1:in   # a linked cube is in use: unlink first
pcn helloworld del hw1
pcn simplebridge del br1
pcn cubes
finish
daemon=""
trap - EXIT

echo
echo "== the same framework through its C++ API (FDB, counters, slow path, hot swap)"
build/bin/pcn-demo "$@"
