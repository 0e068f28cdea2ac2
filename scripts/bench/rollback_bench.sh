#!/usr/bin/env bash
# Rollback benchmark of issue 14: with a large configuration present (a
# firewall attached to a netdev, 100,000 rules), one rule is inserted at
# position 0 (a new version) and the configuration is rolled back to the
# version before it (POST /restconf/operations/polycube:rollback: undo
# records staged, validated, reconciled into the data plane, journaled and
# flushed); and the batch that loaded the rules rolled back as a whole.
# Printed beside, from the same run:
#   - the forward change itself (the same insert through REST), and
#   - the Linux way back to a saved ruleset: iptables-legacy-restore of the
#     previous 100,000 rules (in a namespace of its own).
# Goal (issue 14): a rollback under 200 ms. Times are curl's time_total of
# one request on loopback (the answer comes after the journal's fsync), so
# the disk's flush latency is part of both polycube figures.
#
#   bash scripts/bench/rollback_bench.sh   (as root; ROLLBACK_RULES=100000
#        ROLLBACK_ROUNDS=10 BENCH_NO_BUILD=1 to skip setup+build)
#
# Everything it creates is named pt<pid>- (scripts/cleanup.sh knows it) and
# removed on exit, also on failure or Ctrl-C.
set -euo pipefail
shopt -s inherit_errexit
cd "$(dirname "$0")/../.."
# shellcheck source=scripts/bench/prelude.sh
source scripts/bench/prelude.sh
bench_prepare
RULES=${ROLLBACK_RULES:-100000}
ROUNDS=${ROLLBACK_ROUNDS:-10}

P="pt$$-"
WORK=$(mktemp -d "/tmp/${P}rb.XXXXXX")
DAEMON_PID=""
cleanup() {
  set +e
  [ -n "$DAEMON_PID" ] && { kill "$DAEMON_PID" 2>/dev/null; wait "$DAEMON_PID" 2>/dev/null; }
  ip link del "${P}rb" 2>/dev/null
  ip netns del "${P}rbf" 2>/dev/null
  rm -rf "/sys/fs/bpf/${P}rb" "/run/lock/polycube_sys_fs_bpf_${P}rb.lock" "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# shellcheck source=scripts/bench/rest_lib.sh
source scripts/bench/rest_lib.sh
free_veth "${P}rb"
ip netns add "${P}rbf"

read -r PORT DAEMON_PID < <(start_polycubed "/sys/fs/bpf/${P}rb" "$WORK/state" "$WORK/daemon") || true
[ -n "${PORT:-}" ] || exit 1
BASE="http://127.0.0.1:$PORT"

# request <method> <target> [body file]: prints "<status> <seconds>"; the
# answer's body goes to $WORK/answer.
request() {
  curl -sS -o "$WORK/answer" -w '%{http_code} %{time_total}\n' -X "$1" -H 'Content-Type: application/yang-data+json' \
    ${3:+--data-binary "@$3"} "$BASE$2"
}
# must <status> <method> <target> [body file]: prints the seconds.
must() {
  local status secs
  read -r status secs < <(request "$2" "$3" "${4:-}")
  [ "$status" = "$1" ] || { echo "$2 $3: $status $(cat "$WORK/answer")" >&2; exit 1; }
  echo "$secs"
}
current_version() {
  must 200 GET /restconf/data/polycube:versions >/dev/null
  sed -n 's/.*"current":\([0-9]*\).*/\1/p' "$WORK/answer"
}

echo '{"firewall:firewall":[{"name":"fw1"}]}' >"$WORK/fw.json"
must 201 POST /restconf/data "$WORK/fw.json" >/dev/null
echo "{\"polycube:input\":{\"cube\":\"fw1\",\"port\":\"${P}rb\"}}" >"$WORK/attach.json"
must 204 POST /restconf/operations/polycube:attach "$WORK/attach.json" >/dev/null
# The rules, for polycube (one batch) and for iptables-restore.
awk -v n="$RULES" 'BEGIN {
  printf "{\"firewall:input\":{\"rules\":["
  for (i = 0; i < n; i++) printf "%s{\"id\":%d,\"src\":\"10.%d.%d.%d/32\",\"action\":\"DROP\"}", (i ? "," : ""), i, int(i / 65536) % 256, int(i / 256) % 256, i % 256
  printf "]}}"
}' >"$WORK/batch.json"
awk -v n="$RULES" 'BEGIN {
  print "*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]"
  for (i = 0; i < n; i++) printf "-A INPUT -s 10.%d.%d.%d/32 -j DROP\n", int(i / 65536) % 256, int(i / 256) % 256, i % 256
  print "COMMIT"
}' >"$WORK/rules.ipt"
before_batch=$(current_version)
batch_s=$(must 200 POST /restconf/data/firewall:firewall=fw1/chain=INGRESS/batch "$WORK/batch.json")
sleep 2  # the batch's journal compaction and second generation finish first

median() { sort -g | awk '{a[NR] = $1} END {print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }
fwd=() rb=()
for i in $(seq "$ROUNDS"); do
  v=$(current_version)
  echo "{\"firewall:input\":{\"id\":0,\"src\":\"192.168.$i.1/32\",\"action\":\"ACCEPT\"}}" >"$WORK/insert.json"
  echo "{\"polycube:input\":{\"version\":$v}}" >"$WORK/rollback.json"
  sleep 0.1
  fwd+=("$(must 200 POST /restconf/data/firewall:firewall=fw1/chain=INGRESS/insert "$WORK/insert.json")")
  sleep 0.1
  rb+=("$(must 200 POST /restconf/operations/polycube:rollback "$WORK/rollback.json")")
done
# The rollbacks left the chain as the batch made it.
must 200 GET "/restconf/data/firewall:firewall=fw1/chain=INGRESS/rule=0" >/dev/null
grep -q '"10.0.0.0/32"' "$WORK/answer" || { echo "rule 0 after the rollbacks: $(cat "$WORK/answer")" >&2; exit 1; }

# A large change undone: back to the version before the batch (its undo
# record removes every rule), beside the batch itself.
echo "{\"polycube:input\":{\"version\":$before_batch}}" >"$WORK/rollback.json"
sleep 1
undo_batch_s=$(must 200 POST /restconf/operations/polycube:rollback "$WORK/rollback.json")
must 200 GET "/restconf/data/firewall:firewall=fw1/chain=INGRESS" >/dev/null
! grep -q '"rule"' "$WORK/answer" || { echo "rules left after rolling the batch back" >&2; exit 1; }

# Linux: restore the saved 100,000 rules (what a rollback is with iptables).
ipt=()
for _ in 1 2 3; do
  ip netns exec "${P}rbf" iptables-legacy -F INPUT
  t0=$(date +%s%N)
  ip netns exec "${P}rbf" iptables-legacy-restore <"$WORK/rules.ipt"
  t1=$(date +%s%N)
  ipt+=("$(awk -v a="$t0" -v b="$t1" 'BEGIN {print (b - a) / 1e9}')")
done

fwd_ms=$(printf '%s\n' "${fwd[@]}" | median | awk '{printf "%.1f", $1 * 1000}')
rb_ms=$(printf '%s\n' "${rb[@]}" | median | awk '{printf "%.1f", $1 * 1000}')
rb_max=$(printf '%s\n' "${rb[@]}" | sort -g | tail -1 | awk '{printf "%.1f", $1 * 1000}')
ipt_ms=$(printf '%s\n' "${ipt[@]}" | median | awk '{printf "%.1f", $1 * 1000}')
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", a / b}'; }
echo "rollback with $RULES firewall rules present (polycubed REST on loopback, $ROUNDS rounds, medians; state on $(df -T "$WORK" | awk 'NR==2 {print $2}'))"
printf "  %-62s %9.2f s\n" "loading the rules: one REST batch" "$batch_s"
printf "  %-62s %9s ms   (max %s ms; goal under 200 ms)\n" "rollback of one inserted rule (polycube:rollback)" "$rb_ms" "$rb_max"
printf "  %-62s %9s ms\n" "  the change itself: REST insert at position 0" "$fwd_ms"
printf "  %-62s %9s ms\n" "  Linux: iptables-legacy-restore of the previous ruleset" "$ipt_ms"
printf "  %-62s %9sx forward   %9sx iptables-restore\n" "  ratio rollback / baseline" "$(ratio "$rb_ms" "$fwd_ms")" "$(ratio "$rb_ms" "$ipt_ms")"
printf "  %-62s %9.2f s    %sx the batch\n" "rollback of the whole $RULES-rule batch (to the empty chain)" "$undo_batch_s" "$(ratio "$undo_batch_s" "$batch_s")"
