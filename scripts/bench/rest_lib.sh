# Sourced by the REST benchmarks (bench_rest.sh, control_bench.sh): their
# netdevs, wrk's requests per second against polycubed, and the PATCH
# script they time. rate needs BASE (http://127.0.0.1:<port>), CONNECTIONS
# and SECONDS_EACH.

# veth_into_ns <name>: namespace <name> holding one end (<name>p, up) of a
# veth pair whose other end <name> stays here, up.
veth_into_ns() {
  ip netns add "$1"
  ip link add "$1" type veth peer name "$1p"
  ip link set "$1p" netns "$1"
  ip -n "$1" link set "$1p" up
  ip link set "$1" up
}

# free_veth <name>: a veth pair <name>/<name>p here, both up, unused.
free_veth() {
  ip link add "$1" type veth peer name "$1p"
  ip link set "$1" up
  ip link set "$1p" up
}

# linux_ns <ns>: namespace <ns> with two veth pairs l1/l1p and l2/l2p, up
# (the Linux bridge's side of the cube-creation benchmark).
linux_ns() {
  ip netns add "$1"
  for l in l1 l2; do
    ip -n "$1" link add "$l" type veth peer name "${l}p"
    ip -n "$1" link set "$l" up
    ip -n "$1" link set "${l}p" up
  done
}

# rate <path> [lua script]: wrk's Requests/sec for one URL; fails if any
# answer was not 2xx.
rate() {
  local out r
  out=$(wrk -t1 -c"$CONNECTIONS" -d"${SECONDS_EACH}s" ${2:+-s "$2"} "$BASE$1" 2>&1) || { echo "$out" >&2; exit 1; }
  if echo "$out" | grep -q "Non-2xx\|Socket errors"; then
    echo "$out" >&2
    echo "wrk: error answers for $1" >&2
    exit 1
  fi
  r=$(echo "$out" | awk '/Requests\/sec/ {print $2}')
  [ -n "$r" ] || { echo "$out" >&2; exit 1; }
  echo "$r"
}

# patch_script <file> <module> <cube>: a wrk script that PATCHes the cube's
# FDB aging time, alternating two values so that every request changes the
# configuration (reconcile, journal, fsync), never a no-op.
patch_script() {
  cat >"$1" <<LUA
local n = 0
request = function()
  n = n + 1
  local body = string.format('{"$2:$2":[{"name":"$3","fdb":{"aging-time":%d}}]}', 100 + n % 2)
  return wrk.format("PATCH", "/restconf/data/$2:$2=$3",
                    {["Content-Type"] = "application/yang-data+json"}, body)
end
LUA
}

# start_polycubed <pin root> <state dir> <log prefix>: polycubed on a free
# loopback port, in the background, stdout/stderr in <log prefix>.out/.err;
# prints "<port> <pid>" once it listens (exits if it does not start).
start_polycubed() {
  PCN_PIN_ROOT="$1" build/bin/polycubed --port 0 --state-dir "$2" --log-level warn >"$3.out" 2>"$3.err" &
  local pid=$!
  for _ in $(seq 100); do
    grep -q "listening on" "$3.out" 2>/dev/null && break
    sleep 0.05
  done
  local port
  port=$(sed -n 's/.*listening on .*:\([0-9]*\)$/\1/p' "$3.out")
  [ -n "$port" ] || { echo "polycubed did not start:" >&2; cat "$3.err" >&2; exit 1; }
  echo "$port $pid"
}
