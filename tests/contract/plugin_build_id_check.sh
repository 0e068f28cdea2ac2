#!/usr/bin/env bash
# The PluginBuildId test: polycubed refuses a plugin of another build (its
# build id differs) with a message that says so, and loads the others.
#   plugin_build_id_check.sh <build dir>
set -uo pipefail
build=$1
scratch=$(mktemp -d /tmp/plugin-build-id.XXXXXX)
pins=/sys/fs/bpf/pt$$-pins
pid=""
cleanup() {
  [ -z "$pid" ] || { kill -TERM "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; }
  rm -rf "$scratch" "$pins"
}
trap cleanup EXIT
mkdir -p "$scratch/plugins"
ln -s "$build/lib/polycube/pcn-service-simplebridge.so" "$scratch/plugins/"
ln -s "$build/test-plugins/pcn-service-foreign.so" "$scratch/plugins/"
PCN_PIN_ROOT=$pins "$build/bin/polycubed" --port 0 --log-level warn --state-dir "$scratch/state" \
  --plugin-dir "$scratch/plugins" >"$scratch/out" 2>"$scratch/err" &
pid=$!
for _ in $(seq 100); do
  grep -q listening "$scratch/out" && break
  sleep 0.1
done
failures=0
grep -q listening "$scratch/out" || { echo "FAIL: polycubed did not start"; cat "$scratch/err"; failures=1; }
port=$(sed -n 's/.*:\([0-9]*\)$/\1/p' "$scratch/out" | head -1)
want="pcn-service-foreign.so: built by another build or tree (build id 0123456789abcdef"
grep -qF "$want" "$scratch/err" || { echo "FAIL: no refusal of the foreign plugin in the log:"; cat "$scratch/err"; failures=1; }
grep -q "pcn-service-simplebridge.so" "$scratch/err" && { echo "FAIL: this build's plugin was refused:"; cat "$scratch/err"; failures=1; }
if [ -n "$port" ]; then
  services=$(curl -s "http://127.0.0.1:$port/restconf/data/polycube:services")
  [[ $services == *'"simplebridge"'* && $services != *'"helloworld"'* ]] ||
    { echo "FAIL: services are $services (want simplebridge, not helloworld)"; failures=1; }
fi
[ $failures -eq 0 ] && echo "plugin build id: ok"
exit $failures
