#!/usr/bin/env bash
# Runs every test: installs dependencies, builds, then runs the GoogleTest
# suites (unit, BPF datapath with BPF_PROG_TEST_RUN, netns end-to-end) with
# ctest. Must run as root (BPF, namespaces). Idempotent.
#
#   scripts/test.sh               build/ and every suite (what .ci/run calls)
#   scripts/test.sh --sanitize    the same in build-sanitize/, everything built
#                                 with AddressSanitizer and UndefinedBehavior-
#                                 Sanitizer (the daemon and pcn the tests start
#                                 too); a finding fails its test. Suppressions:
#                                 tests/sanitizers/*.supp (outside the project only)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
[ "$(id -u)" -eq 0 ] || { echo "scripts/test.sh must run as root" >&2; exit 1; }
sanitize=0
case "${1:-}" in
  "") ;;
  --sanitize) sanitize=1 ;;
  *) echo "usage: scripts/test.sh [--sanitize]" >&2; exit 2 ;;
esac
scripts/setup.sh
if [ $sanitize -eq 0 ]; then
  scripts/build.sh
  build=build
else
  build=build-sanitize
  cmake -S . -B $build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DPCN_SANITIZE=ON >/dev/null
  cmake --build $build -j"$(nproc)"
  supp=$root/tests/sanitizers
  # halt_on_error / exitcode: a finding ends the process with a failure its
  # test sees, also in the daemons and pcn runs the tests start.
  export ASAN_OPTIONS=detect_leaks=1:halt_on_error=1:strict_string_checks=1:detect_stack_use_after_return=1
  export LSAN_OPTIONS=suppressions=$supp/lsan.supp:print_suppressions=0
  export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1:suppressions=$supp/ubsan.supp
fi
scripts/cleanup.sh
trap "$root/scripts/cleanup.sh" EXIT
cd $build
ctest --output-on-failure --timeout $((sanitize ? 600 : 300))
