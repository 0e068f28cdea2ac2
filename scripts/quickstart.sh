#!/usr/bin/env bash
# Quickstart: installs dependencies, builds, and runs the demo: three network
# namespaces joined by a simplebridge cube (and a helloworld cube chained to
# it), traffic between them, the learned filtering database and per-port
# counters. Leaves nothing behind. Pass --keep to keep the topology up until
# Ctrl-C. Idempotent.
set -euo pipefail
cd "$(dirname "$0")/.."
[ "$(id -u)" -eq 0 ] || { echo "scripts/quickstart.sh must run as root" >&2; exit 1; }
scripts/setup.sh
scripts/build.sh
scripts/cleanup.sh
exec build/bin/pcn-demo "$@"
