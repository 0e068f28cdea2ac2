#!/usr/bin/env bash
# Firewall benchmark: packets/s and ns/packet with 10 .. 100,000 rules (the
# matching rule last) against iptables-legacy and nftables in the same run
# (pcn-bench-firewall), then the time to load 100,000 rules through the
# REST API (one `batch` action to polycubed) next to iptables-legacy-restore
# and nft -f of the same rules. Not a test.
#
#   scripts/bench/firewall_bench.sh [seconds per point] [sizes...]
set -euo pipefail
cd "$(dirname "$0")/../.."
# shellcheck source=scripts/bench/prelude.sh
source scripts/bench/prelude.sh
bench_prepare pcn-bench-firewall polycubed pcn-service-firewall
for tool in iptables-legacy-restore nft curl python3; do
  command -v "$tool" >/dev/null || { echo "missing $tool (scripts/setup.sh installs it)" >&2; exit 1; }
done

echo "== packets/s (pcn-bench-firewall)"
build/bin/pcn-bench-firewall "$@"

echo
echo "== 1,000 rule edits under a UDP stream"
build/bin/pcn-bench-firewall edits 1000 1000

echo
echo "== loading 100,000 rules"
work=$(mktemp -d /tmp/pcnfwbench.XXXXXX)
ns=pcnfwbench$$
pid=""
cleanup() {
  [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null || true
  ip netns del "$ns" 2>/dev/null || true
  rm -rf "$work" "/sys/fs/bpf/pcnfwbench$$"
}
trap cleanup EXIT
python3 - "$work" <<'PY'
import json, sys
w = sys.argv[1]
src = lambda i: "172.%d.%d.%d" % (16 + (i >> 16), (i >> 8) & 255, i & 255)
n = 100000
rules = [{"id": i, "src": src(i) + "/32", "l4proto": "UDP", "dport": str(1000 + i % 5000), "action": "DROP"} for i in range(n)]
json.dump({"firewall:input": {"rules": rules}}, open(w + "/batch.json", "w"))
with open(w + "/ipt", "w") as o:
    o.write("*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n")
    for r in rules:
        o.write("-A INPUT -s %s -p udp --dport %s -j DROP\n" % (r["src"], r["dport"]))
    o.write("COMMIT\n")
with open(w + "/nft", "w") as o:
    o.write("table ip pcnbench {\n chain input {\n  type filter hook input priority 0; policy accept;\n")
    for r in rules:
        o.write("  ip saddr %s udp dport %s drop\n" % (r["src"][:-3], r["dport"]))
    o.write(" }\n}\n")
PY
PCN_PIN_ROOT=/sys/fs/bpf/pcnfwbench$$ build/bin/polycubed --port 0 --state-dir "$work/state" --log-level warn >"$work/out" 2>"$work/err" &
pid=$!
for _ in $(seq 50); do grep -q listening "$work/out" 2>/dev/null && break; sleep 0.1; done
url="http://127.0.0.1:$(grep -o '[0-9]*$' "$work/out" | head -1)"
curl -sf --noproxy '*' -H 'Content-Type: application/yang-data+json' -X POST -d '{"firewall:firewall":[{"name":"fwbench"}]}' "$url/restconf/data" >/dev/null
t0=$(date +%s.%N)
code=$(curl -s --noproxy '*' -H 'Content-Type: application/yang-data+json' -o /dev/null -w '%{http_code}' -X POST --data-binary @"$work/batch.json" \
  "$url/restconf/data/firewall:firewall=fwbench/chain=INGRESS/batch")
t1=$(date +%s.%N)
[ "$code" = 200 ] || { echo "batch answered $code" >&2; exit 1; }
t2=$(date +%s.%N)
code=$(curl -s --noproxy '*' -H 'Content-Type: application/yang-data+json' -o /dev/null -w '%{http_code}' -X POST -d '{"firewall:input":{"id":0,"src":"10.0.0.1/32","action":"ACCEPT"}}' \
  "$url/restconf/data/firewall:firewall=fwbench/chain=INGRESS/insert")
t3=$(date +%s.%N)
ip netns add "$ns"
t4=$(date +%s.%N); ip netns exec "$ns" iptables-legacy-restore < "$work/ipt"; t5=$(date +%s.%N)
t6=$(date +%s.%N); ip netns exec "$ns" nft -f "$work/nft"; t7=$(date +%s.%N)
python3 - "$t0" "$t1" "$t2" "$t3" "$t4" "$t5" "$t6" "$t7" <<'PY'
import sys
t = list(map(float, sys.argv[1:]))
pcn, ins, ipt, nft = t[1] - t[0], t[3] - t[2], t[5] - t[4], t[7] - t[6]
print("pcn firewall, REST batch (validated, persisted, compiled, swapped): %6.2f s" % pcn)
print("pcn firewall, REST insert id=0 into that chain:                   %6.2f s" % ins)
print("iptables-legacy-restore:                                           %6.2f s  (pcn/iptables %.2f)" % (ipt, pcn / ipt))
print("nft -f:                                                            %6.2f s  (pcn/nft %.2f)" % (nft, pcn / nft))
PY
