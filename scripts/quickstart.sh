#!/usr/bin/env bash
# Quickstart: installs dependencies, builds, starts polycubed, builds two
# demo topologies in network namespaces with the pcn CLI and shows traffic
# flowing through them; then runs the C++ API demo (filtering database,
# per-port counters, slow path, hot swap). Leaves nothing behind. Idempotent.
#
#   ns a (10.10.0.1) --- p1 [simplebridge br1] p2 --- ns b (10.10.0.2)
#                                   p3
#                                   |  (pcn connect)
#                                  in [helloworld hw1] out --- ns c (10.10.0.3)
#
#   ns d (10.20.1.2) --- p1 [bridge br2, VLAN 10] p2 --- ns e (10.20.1.3)
#                        ^ [ddosmitigator dd1]
#                                   p3
#                                   |  (pcn connect)
#                                   p1 [router r1] p2 --- ns f (10.20.2.2)
#                                              ^ [firewall fw1]
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
  # A stopped polycubed leaves its data plane forwarding: take it out too.
  [ -n "$daemon" ] && build/bin/polycubed --teardown --state-dir "$state" >/dev/null
  for x in a b c d e f; do
    ip link del "pcn-demo-v$x" 2>/dev/null || true
    ip netns del "pcn-demo-$x" 2>/dev/null || true
  done
  rm -rf "$state"
}
trap finish EXIT

# ns <x> with eth0 at <cidr> (and a default route via <gw>), its veth peer
# pcn-demo-v<x> up in the root namespace.
host() {
  local x=$1 cidr=$2 gw=${3:-}
  ip netns add "pcn-demo-$x"
  ip link add "pcn-demo-v$x" type veth peer name "pcn-demo-v${x}x"
  ip link set "pcn-demo-v${x}x" netns "pcn-demo-$x"
  ip -n "pcn-demo-$x" link set "pcn-demo-v${x}x" name eth0
  ip -n "pcn-demo-$x" addr add "$cidr" dev eth0
  ip -n "pcn-demo-$x" link set eth0 up
  ip -n "pcn-demo-$x" link set lo up
  [ -n "$gw" ] && ip -n "pcn-demo-$x" route add default via "$gw"
  ip link set "pcn-demo-v$x" up
}
echo "== namespaces a..f with a veth each"
host a 10.10.0.1/24
host b 10.10.0.2/24
host c 10.10.0.3/24
host d 10.20.1.2/24 10.20.1.1
host e 10.20.1.3/24 10.20.1.1
host f 10.20.2.2/24 10.20.2.1

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

echo "== L2/L3: an 802.1Q bridge in front of a router"
pcn bridge add br2
pcn br2 ports add p1 peer=pcn-demo-vd mode=access vlan=10
pcn br2 ports add p2 peer=pcn-demo-ve mode=access vlan=10
pcn br2 ports add p3 mode=access vlan=10
pcn router add r1
pcn r1 ports add p1 ip=10.20.1.1/24
pcn r1 ports add p2 ip=10.20.2.1/24 peer=pcn-demo-vf
pcn connect br2:p3 r1:p1
ip netns exec pcn-demo-d ping -c 2 -i 0.2 10.20.1.3    # same VLAN, through br2
ip netns exec pcn-demo-d ping -c 2 -i 0.2 10.20.2.2    # through br2 and r1
pcn br2 fdb show
pcn r1 route show
pcn r1 arp-table show
echo "== a firewall on r1:p2 drops ICMP from f (INGRESS: what enters r1 there)"
pcn firewall add fw1
pcn attach fw1 r1:p2
pcn fw1 chain INGRESS append src=10.20.2.2/32 l4proto=ICMP action=DROP
if ip netns exec pcn-demo-d ping -c 2 -i 0.2 -W 1 -q 10.20.2.2; then echo "unexpected reply" >&2; exit 1; fi
pcn fw1 chain INGRESS rule show
pcn cubes
pcn fw1 chain INGRESS delete id=0
ip netns exec pcn-demo-d ping -c 2 -i 0.2 -q 10.20.2.2
echo "== a DDoS mitigator on br2:p1 drops what d sends into the bridge"
pcn ddosmitigator add dd1
pcn attach dd1 br2:p1
pcn dd1 blacklist-src add 10.20.1.2
if ip netns exec pcn-demo-d ping -c 3 -i 0.2 -W 1 -q 10.20.1.3; then echo "unexpected reply" >&2; exit 1; fi
pcn dd1 blacklist-src show
pcn dd1 blacklist-src del 10.20.1.2
ip netns exec pcn-demo-d ping -c 2 -i 0.2 -q 10.20.1.3

echo "== tearing down with pcn"
pcn transparenthelloworld del t1
pcn disconnect br1:p3 hw1:in   # a linked cube is in use: unlink first
pcn helloworld del hw1
pcn simplebridge del br1
pcn detach dd1 br2:p1
pcn ddosmitigator del dd1
pcn detach fw1 r1:p2
pcn firewall del fw1
pcn disconnect br2:p3 r1:p1
pcn router del r1
pcn bridge del br2
pcn cubes
finish
daemon=""
trap - EXIT

if command -v podman >/dev/null && [ -x /usr/lib/cni/host-local ]; then
  echo "== containers on a polycube network: podman + polycube-cni (docs/cni.md)"
  scripts/demo/containers.sh
fi

echo
echo "== the same framework through its C++ API (FDB, counters, slow path, hot swap)"
build/bin/pcn-demo "$@"
