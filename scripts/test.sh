#!/usr/bin/env bash
# Runs every test: installs dependencies, builds, then runs the GoogleTest
# suites (unit, BPF datapath with BPF_PROG_TEST_RUN, netns end-to-end) with
# ctest. Must run as root (BPF, namespaces). Idempotent.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
[ "$(id -u)" -eq 0 ] || { echo "scripts/test.sh must run as root" >&2; exit 1; }
scripts/setup.sh
scripts/build.sh
scripts/cleanup.sh
trap "$root/scripts/cleanup.sh" EXIT
cd build
ctest --output-on-failure --timeout 300
