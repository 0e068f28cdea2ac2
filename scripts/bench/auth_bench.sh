#!/usr/bin/env bash
# Runtime-control benchmark: GET throughput of polycubed's API with bearer-
# token authentication, and with authentication over TLS (1.3, keep-alive
# connections: one handshake per connection), next to the same GET without
# either, measured in the same run (issue #14's goal: overhead under 15%).
#
#   plain       polycubed --port 0                              (no auth)
#   token       polycubed --tokens FILE                         (SHA-256 of the token per request, role check, audit of nothing: reads are not audited)
#   token+TLS   polycubed --tokens FILE --tls-cert --tls-key    (the same over TLS)
#
# Three daemons, each with its own state directory and pin root, each with
# one simplebridge br1; wrk (1 thread, REST_CONNECTIONS connections,
# REST_SECONDS each) GETs /restconf/data/simplebridge:simplebridge=br1;
# rounds alternate between the three so that a noisy neighbour hits all.
# Everything is named pt<pid>- and removed on exit.
#
#   bash scripts/bench/auth_bench.sh   (as root; REST_SECONDS=5 REST_CONNECTIONS=4
#        AUTH_ROUNDS=3 BENCH_NO_BUILD=1 to skip setup+build)
set -euo pipefail
shopt -s inherit_errexit
cd "$(dirname "$0")/../.."
# shellcheck source=scripts/bench/prelude.sh
source scripts/bench/prelude.sh
bench_prepare
SECONDS_EACH=${REST_SECONDS:-5}
CONNECTIONS=${REST_CONNECTIONS:-4}
ROUNDS=${AUTH_ROUNDS:-3}

P="pt$$-"
WORK=$(mktemp -d "/tmp/${P}auth.XXXXXX")
PIDS=()
cleanup() {
  set +e
  for pid in "${PIDS[@]}"; do
    kill "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
  done
  for k in plain token tls; do
    rm -rf "/sys/fs/bpf/${P}$k" "/run/lock/polycube_sys_fs_bpf_${P}$k.lock"
  done
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
# shellcheck source=scripts/bench/rest_lib.sh
source scripts/bench/rest_lib.sh

TOKEN=$(openssl rand -hex 24)
echo "sha256:$(printf %s "$TOKEN" | sha256sum | cut -d' ' -f1) bench operator" >"$WORK/tokens"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$WORK/key.pem" -out "$WORK/cert.pem" \
  -days 1 -subj /CN=localhost -addext subjectAltName=IP:127.0.0.1 2>/dev/null

declare -A URL
start_daemon() {  # start_daemon <kind> <scheme> [options]; sets URL[kind]
  local kind=$1 scheme=$2
  shift 2
  PCN_PIN_ROOT="/sys/fs/bpf/${P}$kind" build/bin/polycubed --port 0 --state-dir "$WORK/state-$kind" \
    --log-level warn --audit-log off "$@" >"$WORK/$kind.out" 2>"$WORK/$kind.err" &
  PIDS+=($!)
  for _ in $(seq 100); do
    grep -q "listening on" "$WORK/$kind.out" 2>/dev/null && break
    sleep 0.05
  done
  local port
  port=$(sed -n 's/.*listening on 127.0.0.1:\([0-9]*\).*/\1/p' "$WORK/$kind.out" | head -1)
  [ -n "$port" ] || { echo "polycubed ($kind) did not start:" >&2; cat "$WORK/$kind.err" >&2; exit 1; }
  URL[$kind]="$scheme://127.0.0.1:$port"
  local code
  code=$(curl -s -k -o "$WORK/resp" -w '%{http_code}' -X POST "${URL[$kind]}/restconf/data" \
    -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/yang-data+json' \
    --data '{"simplebridge:simplebridge":[{"name":"br1"}]}')
  [ "$code" = 201 ] || { echo "creating br1 ($kind): HTTP $code $(cat "$WORK/resp")" >&2; exit 1; }
}
start_daemon plain http
start_daemon token http --tokens "$WORK/tokens"
start_daemon tls https --tokens "$WORK/tokens" --tls-cert "$WORK/cert.pem" --tls-key "$WORK/key.pem"

# A token without TLS is refused (401): the header is what makes wrk's
# answers 2xx, so a missing one fails the run rather than measuring 401s.
declare -A SUM
for k in plain token tls; do SUM[$k]=0; done
for _ in $(seq "$ROUNDS"); do
  for k in plain token tls; do
    hdr=""
    [ "$k" = plain ] || hdr="Authorization: Bearer $TOKEN"
    r=$(BASE=${URL[$k]} RATE_HEADER=$hdr rate /restconf/data/simplebridge:simplebridge=br1)
    SUM[$k]=$(awk -v a="${SUM[$k]}" -v b="$r" 'BEGIN {print a + b}')
  done
done
avg() { awk -v s="${SUM[$1]}" -v n="$ROUNDS" 'BEGIN {printf "%.0f", s / n}'; }
plain=$(avg plain)
token=$(avg token)
tls=$(avg tls)
overhead() { awk -v a="$1" -v b="$plain" 'BEGIN {printf "%.1f%%", (1 - a / b) * 100}'; }
echo "GET simplebridge=br1 on loopback (wrk: 1 thread, $CONNECTIONS keep-alive connections, ${SECONDS_EACH} s x $ROUNDS rounds each, alternating; 2 CPUs shared with wrk)"
printf "%-44s %10s req/s\n" "no authentication (baseline)" "$plain"
printf "%-44s %10s req/s   %s x baseline   overhead %s (goal < 15%%)\n" "bearer token + role check" "$token" \
  "$(awk -v a="$token" -v b="$plain" 'BEGIN {printf "%.2f", a / b}')" "$(overhead "$token")"
printf "%-44s %10s req/s   %s x baseline   overhead %s (goal < 15%%)\n" "bearer token over TLS 1.3" "$tls" \
  "$(awk -v a="$tls" -v b="$plain" 'BEGIN {printf "%.2f", a / b}')" "$(overhead "$tls")"
