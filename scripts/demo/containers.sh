#!/usr/bin/env bash
# The quickstart's container step: podman (a private configuration from
# scripts/cni-runtime.sh, CNI backend) runs two busybox containers on a
# polycube network. polycube-cni gives each a port on the network's bridge
# (named after the container in `pcn`), the router answers as their
# gateway, and `podman rm` takes the ports away again. Everything runs in
# the namespace pcn-demo-node with its own polycubed; nothing is left.
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$(pwd)
node=pcn-demo-node
dir=$(mktemp -d)
daemon=""
in_node() { nsenter --net="/run/netns/$node" "$@"; }
podman_() { in_node "$root/scripts/cni-runtime.sh" podman "$dir/podman" "$@"; }
finish() {
  podman_ rm -af -t 0 >/dev/null 2>&1 || true
  [ -n "$daemon" ] && kill "$daemon" 2>/dev/null && wait "$daemon" 2>/dev/null
  # A stopped polycubed leaves its data plane forwarding; take it out from
  # inside the namespace whose netdevs carry its hooks.
  [ -n "$daemon" ] && in_node build/bin/polycubed --teardown --state-dir "$dir/state" >/dev/null
  ip netns del "$node" 2>/dev/null || true
  rm -rf "$dir"
}
trap finish EXIT

ip netns del "$node" 2>/dev/null || true
ip netns add "$node"
ip -n "$node" link set lo up
# nsenter execs polycubed, so $! is the daemon (a function would add a shell).
nsenter --net="/run/netns/$node" build/bin/polycubed --port 0 --state-dir "$dir/state" --log-level warn \
  > "$dir/out" 2> "$dir/err" &
daemon=$!
for _ in $(seq 50); do grep -q listening "$dir/out" && break; sleep 0.1; done
grep -q listening "$dir/out" || { echo "polycubed did not start:" >&2; cat "$dir/err" >&2; exit 1; }
url="http://127.0.0.1:$(grep -o '[0-9]*$' "$dir/out")"
pcn() { echo "\$ pcn $*"; in_node env PCN_URL="$url" "$root/build/bin/pcn" "$@" </dev/null; }

cat > "$dir/pcndemo.conflist" <<CONF
{"cniVersion": "1.0.0", "name": "pcndemo", "plugins": [{"type": "polycube-cni", "polycubed": "$url",
 "ipam": {"type": "host-local", "subnet": "10.88.5.0/24", "dataDir": "$dir/ipam"}}]}
CONF
echo "   network pcndemo: polycube-cni, host-local 10.88.5.0/24, podman config in $dir/podman"
"$root/scripts/cni-runtime.sh" podman-setup "$dir/podman" "$dir/pcndemo.conflist" >/dev/null
for c in web client; do
  echo "\$ podman run -d --name $c --network pcndemo localhost/pcn-busybox sleep 600"
  podman_ run -d --name "$c" --network pcndemo --cap-add NET_RAW localhost/pcn-busybox sleep 600 >/dev/null
done
web=$(podman_ inspect web --format '{{(index .NetworkSettings.Networks "pcndemo").IPAddress}}')
pcn cubes
pcn pcndemo-br ports show
echo "\$ podman exec client ping $web; podman exec client ping 10.88.5.1 (the router)"
podman_ exec client ping -c 2 -i 0.2 "$web"
podman_ exec client ping -c 2 -i 0.2 10.88.5.1
echo "\$ podman rm -f web client"
podman_ rm -f -t 0 web client >/dev/null
pcn pcndemo-br ports show
pcn disconnect pcndemo-br:gw pcndemo-rt:pods
pcn router del pcndemo-rt
pcn bridge del pcndemo-br
