#!/usr/bin/env bash
# Soak: polycubed under configuration churn with traffic flowing, for
# MINUTES (default 60). Prints the daemon's RSS, open fds and threads every
# minute, and at the end accounts for every packet sent: the accepted stream
# must all arrive, the other must all be dropped by the firewall rule that
# counts it. Exit status 0 only if every churn operation succeeded, every
# packet is accounted for and the daemon stopped cleanly.
#
#   scripts/soak.sh [MINUTES]
#
# Topology (namespaces and veths named pt<pid>-*, so scripts/cleanup.sh
# removes them after a crash):
#
#   ns a 10.90.0.1 --- p1 [bridge br0] p2 --- ns b 10.90.0.2
#                      ^ fw0 (firewall; rule 0 drops UDP to port 9, counted)
#
#   UDP a -> b:7000 at 1000 pps (must arrive)   UDP a -> b:9 at 200 pps (rule 0)
#
# Churn, round after round, through pcn and REST: a bridge (with a netdev
# port and a trunk port) and a simplebridge created, connected, disconnected
# and deleted; firewall rules appended behind rule 0 and deleted; a
# transparent cube attached to and detached from br0:p2 (on the path of the
# streams); router routes added and removed over REST.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
minutes=${1:-60}
[[ $minutes =~ ^[0-9]+$ && $minutes -gt 0 ]] || { echo "usage: scripts/soak.sh [MINUTES]" >&2; exit 2; }
[ "$(id -u)" -eq 0 ] || { echo "scripts/soak.sh must run as root" >&2; exit 1; }
scripts/setup.sh >/dev/null
scripts/build.sh >/dev/null

p=pt$$-
export PCN_PIN_ROOT=/sys/fs/bpf/${p}pins
work=/tmp/${p}soak
mkdir -p "$work"
bin=$root/build/bin
daemon=0
traffic=()
cleanup() {
  for t in "${traffic[@]}"; do kill "$t" 2>/dev/null || true; done
  [ "$daemon" -gt 0 ] && kill "$daemon" 2>/dev/null && wait "$daemon" 2>/dev/null &&
    "$bin/polycubed" --teardown --log-level warn --state-dir "$work/state" >/dev/null 2>&1
  ip netns del ${p}a 2>/dev/null || true
  ip netns del ${p}b 2>/dev/null || true
  for d in va vb s0 s1 s2 s3; do ip link del ${p}$d 2>/dev/null || true; done
  rm -rf "$work" "$PCN_PIN_ROOT"
}
trap cleanup EXIT

# --- namespaces and veths ---
for ns in a b; do
  ip netns add ${p}$ns
  ip -n ${p}$ns link set lo up
  ip netns exec ${p}$ns sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
done
host_veth() {  # host-side name, namespace (or ""), address
  ip link add ${p}$1 type veth peer name ${p}$1p
  sysctl -qw net.ipv6.conf.${p}$1.disable_ipv6=1 net.ipv6.conf.${p}$1p.disable_ipv6=1
  if [ -n "$2" ]; then
    ip link set ${p}$1p netns ${p}$2
    ip -n ${p}$2 link set ${p}$1p name eth0
    ip -n ${p}$2 addr add "$3" dev eth0
    ip -n ${p}$2 link set eth0 up
  else
    ip link set ${p}$1p up
  fi
  ip link set ${p}$1 up
}
host_veth va a 10.90.0.1/24
host_veth vb b 10.90.0.2/24
for s in s0 s1 s2 s3; do host_veth $s "" ""; done  # netdev peers of churned ports
mac() { ip netns exec ${p}$1 cat /sys/class/net/eth0/address; }
ip -n ${p}a neigh replace 10.90.0.2 lladdr "$(mac b)" dev eth0
ip -n ${p}b neigh replace 10.90.0.1 lladdr "$(mac a)" dev eth0

# --- the daemon and the path of the streams ---
"$bin/polycubed" --port 0 --state-dir "$work/state" --log-level warn >"$work/out" 2>"$work/log" &
daemon=$!
for _ in $(seq 100); do grep -q listening "$work/out" 2>/dev/null && break; sleep 0.1; done
port=$(sed -n 's/.*:\([0-9]*\)$/\1/p' "$work/out")
[ -n "$port" ] || { echo "soak: polycubed did not start" >&2; cat "$work/log" >&2; exit 1; }
export PCN_URL=http://127.0.0.1:$port
pcn() { "$bin/pcn" "$@" </dev/null; }
rest() {  # METHOD PATH [BODY] -> status code
  curl -s --noproxy '*' -o /dev/null -w '%{http_code}' -X "$1" -H 'Content-Type: application/yang-data+json' \
    ${3:+--data-binary "$3"} "$PCN_URL/restconf/data$2"
}
pcn bridge add br0
pcn br0 ports add p1 peer=${p}va
pcn br0 ports add p2 peer=${p}vb
pcn firewall add fw0
pcn fw0 chain INGRESS append l4proto=UDP dport=9 action=DROP >/dev/null
pcn attach fw0 br0:p1
pcn transparenthelloworld add t0
pcn router add r0
pcn r0 ports add p1 ip=10.91.0.1/24
rule0_pkts() {
  curl -s --noproxy '*' "$PCN_URL/restconf/data/firewall:firewall=fw0/chain=INGRESS/rule=0" |
    sed -n 's/.*"pkts":"\{0,1\}\([0-9]*\).*/\1/p'
}
drop_base=$(rule0_pkts)

"$bin/pcn-soak-traffic" ${p}a ${p}b 10.90.0.2 7000 1000 "$work/ok" >"$work/ok.final" &
traffic+=($!)
"$bin/pcn-soak-traffic" ${p}a ${p}b 10.90.0.2 9 200 "$work/drop" >"$work/drop.final" &
traffic+=($!)

# --- churn ---
ops=0
errors=0
op() {  # runs one churn operation; counts it, and any failure
  ops=$((ops + 1))
  local out
  if ! out=$("$@" 2>&1); then
    errors=$((errors + 1))
    [ $errors -le 10 ] && echo "soak: failed: $* -> $out" >&2
  fi
  return 0
}
rest_op() {  # METHOD PATH BODY EXPECTED-STATUS
  ops=$((ops + 1))
  local code
  code=$(rest "$1" "$2" "${3:-}")
  if [ "$code" != "$4" ]; then
    errors=$((errors + 1))
    [ $errors -le 10 ] && echo "soak: $1 $2 answered $code, expected $4" >&2
  fi
  return 0
}
round() {
  local i=$1 dev=${p}s$(( $1 % 4 )) net=$(( $1 % 200 + 1 ))
  op pcn bridge add cb$i
  op pcn cb$i ports add p1 peer=$dev
  op pcn cb$i ports add p2 mode=trunk allowed=10,20
  rest_op POST "" '{"simplebridge:simplebridge":[{"name":"cs'$i'","ports":[{"name":"p1"}]}]}' 201
  op pcn connect cb$i:p2 cs$i:p1
  op pcn fw0 chain INGRESS append src=192.0.2.$net/32 l4proto=TCP dport=$((1000 + i % 50000)) action=DROP
  op pcn attach t0 br0:p2
  rest_op POST /router:router=r0 '{"router:route":[{"network":"10.200.'$net'.0/24","nexthop":"10.91.0.254"}]}' 201
  op pcn cb$i fdb set aging-time=$((60 + i % 100))
  op pcn detach t0 br0:p2
  rest_op DELETE /router:router=r0/route=10.200.$net.0%2F24,10.91.0.254 "" 204
  op pcn fw0 chain INGRESS delete id=1
  op pcn disconnect cb$i:p2 cs$i:p1
  op pcn cb$i ports del p1
  rest_op DELETE /bridge:bridge=cb$i "" 204
  op pcn simplebridge del cs$i
}

status() { cat "$work/$1" 2>/dev/null || echo "0 0"; }
sample() {  # minute
  local rss fds threads ok drop
  rss=$(awk '/^VmRSS/ {print $2}' /proc/$daemon/status)
  threads=$(awk '/^Threads/ {print $2}' /proc/$daemon/status)
  fds=$(ls /proc/$daemon/fd | wc -l)
  read -r ok_sent ok_recv < <(status ok)
  read -r drop_sent _ < <(status drop)
  printf '%6s %10s %6s %8s %8s %7s %10s %10s %10s %10s\n' "$1" "$rss" "$fds" "$threads" "$ops" "$errors" \
    "$ok_sent" "$ok_recv" "$drop_sent" "$(( $(rule0_pkts) - drop_base ))"
}
printf '%6s %10s %6s %8s %8s %7s %10s %10s %10s %10s\n' minute rss_kb fds threads ops errors \
  ok_sent ok_recv drop_sent rule0_pkts
sleep 2
sample 0
start=$(date +%s)
next=$((start + 60))
minute=0
i=0
while [ $minute -lt "$minutes" ]; do
  round $i
  i=$((i + 1))
  kill -0 $daemon 2>/dev/null || { echo "soak: polycubed died" >&2; cat "$work/log" >&2; daemon=0; exit 1; }
  if [ "$(date +%s)" -ge $next ]; then
    minute=$((minute + 1))
    next=$((next + 60))
    sample $minute
  fi
done

# --- accounting ---
for t in "${traffic[@]}"; do kill -TERM "$t"; done
for t in "${traffic[@]}"; do wait "$t"; done
traffic=()
read -r _ ok_sent _ ok_recv < "$work/ok.final"
read -r _ drop_sent _ drop_recv < "$work/drop.final"
dropped=$(( $(rule0_pkts) - drop_base ))
echo "rounds $i, operations $ops, failed $errors"
echo "stream to port 7000: sent $ok_sent, received $ok_recv"
echo "stream to port 9:    sent $drop_sent, received $drop_recv, dropped by fw0 rule 0: $dropped"
fail=0
[ "$errors" -eq 0 ] || fail=1
[ "$ok_sent" -eq "$ok_recv" ] || { echo "soak: $(( ok_sent - ok_recv )) accepted packets lost" >&2; fail=1; }
[ "$drop_recv" -eq 0 ] && [ "$dropped" -eq "$drop_sent" ] ||
  { echo "soak: the dropped stream is not accounted for by rule 0" >&2; fail=1; }
kill -TERM $daemon
if ! wait $daemon; then echo "soak: polycubed did not stop cleanly" >&2; fail=1; fi
daemon=0
# The stop kept the data plane forwarding; take it out.
"$bin/polycubed" --teardown --log-level warn --state-dir "$work/state" >/dev/null ||
  { echo "soak: polycubed --teardown failed" >&2; fail=1; }
[ $fail -eq 0 ] && echo "soak: every packet accounted for, no failed operation, clean stop"
exit $fail
