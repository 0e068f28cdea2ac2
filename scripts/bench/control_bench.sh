#!/usr/bin/env bash
# Control-plane benchmark of issue 10 (every request costs in proportion to
# what it touches): two polycubed on free ports (one stays empty, one is
# loaded), each with its own state directory and pin root, and in one run,
# each figure beside its baseline:
#
#   GET / one-leaf PATCH of a bridge, empty daemon vs 100,000 firewall
#     rules + 1,000 other cubes (ratio)                 pcn-bench-control-plane
#   one insert at position 0 of a 100,000-rule chain vs iptables-legacy -I
#     and nft insert                                    pcn-bench-control-plane
#   100,000 rules through one REST batch vs iptables-legacy-restore and
#     nft -f of the same rules                          pcn-bench-control-plane
#   daemon RSS: empty, per cube, with 100,000 rules     pcn-bench-control-plane
#   REST req/s, GET and PATCH of that bridge (wrk, 4 connections) vs the
#     HTTP floor of the same server and the issue's figures before
#   creating a bridge (simplebridge, then the 802.1Q bridge) with two
#     netdev ports via REST vs rtnetlink (and `ip`)     pcn-bench-rest
#
# Everything it creates is named pt<pid>- (scripts/cleanup.sh knows it) and
# removed on exit, also on failure or Ctrl-C.
#
#   bash scripts/bench/control_bench.sh   (as root; REST_SECONDS=5
#        REST_CONNECTIONS=4 REST_ROUNDS=200 CONTROL_REQUESTS=2000
#        BENCH_NO_BUILD=1 to skip setup+build)
set -euo pipefail
shopt -s inherit_errexit
cd "$(dirname "$0")/../.."
# shellcheck source=scripts/bench/prelude.sh
source scripts/bench/prelude.sh
bench_prepare
SECONDS_EACH=${REST_SECONDS:-5}
CONNECTIONS=${REST_CONNECTIONS:-4}
ROUNDS=${REST_ROUNDS:-200}

P="pt$$-"
WORK=$(mktemp -d "/tmp/${P}cp.XXXXXX")
PIDS=()
cleanup() {
  set +e
  for pid in "${PIDS[@]}"; do
    kill "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
  done
  for ns in "${P}ca" "${P}cb" "${P}ce" "${P}cg" "${P}cl" "${P}cf"; do ip netns del "$ns" 2>/dev/null; done
  for l in "${P}ca" "${P}cb" "${P}ce" "${P}cg" "${P}cc" "${P}cd"; do ip link del "$l" 2>/dev/null; done
  for d in empty loaded; do
    rm -rf "/sys/fs/bpf/${P}cp$d" "/run/lock/polycube_sys_fs_bpf_${P}cp$d.lock"
  done
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# shellcheck source=scripts/bench/rest_lib.sh
source scripts/bench/rest_lib.sh
# Ports of the bridges that are read and patched (one per daemon), two free
# netdevs for the bridge pcn-bench-rest creates and deletes, and its Linux
# side.
for side in ca cb ce cg; do veth_into_ns "${P}$side"; done
for l in cc cd; do free_veth "${P}$l"; done
linux_ns "${P}cl"
# The iptables / nftables baselines' namespace.
ip netns add "${P}cf"

# start_daemon <name>: prints "<port> <pid>"
start_daemon() { start_polycubed "/sys/fs/bpf/${P}cp$1" "$WORK/$1" "$WORK/$1"; }
read -r EPORT EPID < <(start_daemon empty)
PIDS+=("$EPID")
read -r PORT DAEMON_PID < <(start_daemon loaded)
PIDS+=("$DAEMON_PID")
BASE="http://127.0.0.1:$PORT"
echo "polycubed empty :$EPORT, loaded :$PORT; state in $WORK (fsync per acknowledged write: $(df -T "$WORK" | awk 'NR==2 {print $2}'))"
echo

build/bin/pcn-bench-control-plane "$EPORT,$EPID" "$PORT,$DAEMON_PID" "${P}cf" "${P}ca,${P}cb" "${P}ce,${P}cg"
echo

patch_script "$WORK/patch.lua" bridge br1
floor=$(rate /restconf/yang/polycube-base)
get=$(rate /restconf/data/bridge:bridge=br1)
patch=$(rate /restconf/data/bridge:bridge=br1 "$WORK/patch.lua")
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", a / b}'; }
echo "REST req/s on loopback, the loaded daemon (wrk: 1 thread, $CONNECTIONS connections, ${SECONDS_EACH} s; 2 CPUs shared with wrk)"
printf "  %-58s %9.0f req/s\n" "HTTP floor: GET /restconf/yang/polycube-base" "$floor"
printf "  %-58s %9.0f req/s   %s x floor   %s x before (6,075; goal 20,000)\n" "GET bridge=br1" "$get" \
  "$(ratio "$get" "$floor")" "$(ratio "$get" 6075)"
printf "  %-58s %9.0f req/s   %s x floor   %s x before (1,134; goal 5,000)\n" "PATCH aging-time (reconcile, journal, fsync)" "$patch" \
  "$(ratio "$patch" "$floor")" "$(ratio "$patch" 1134)"
echo

build/bin/pcn-bench-rest "$EPORT" "$ROUNDS" "${P}cc,${P}cd" "${P}cl" l1,l2 simplebridge
echo
# The 802.1Q bridge: its block takes the verifier ~0.3 s (BPF_PROG_LOAD,
# strace -T), so fewer rounds.
build/bin/pcn-bench-rest "$EPORT" "$((ROUNDS / 10 + 1))" "${P}cc,${P}cd" "${P}cl" l1,l2 bridge
