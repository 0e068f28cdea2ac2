#!/usr/bin/env bash
# Builds the libFuzzer targets of tests/fuzz (clang 14, ASan + UBSan, every
# library instrumented) in build-fuzz/ and runs each for SECONDS (default
# 600), one after the other, then prints the executions per target.
#
#   scripts/fuzz.sh [SECONDS]          FUZZ_TARGETS="fuzz_codec fuzz_pcn_args" scripts/fuzz.sh 60
#   FUZZ_JOBS=2 scripts/fuzz.sh 1500   (two targets at a time)
#   FUZZ_RUNS=10000000 scripts/fuzz.sh 14400   (each target stops after 10 M
#                                       executions, or after SECONDS at most)
#
# Seeds come from tests/fuzz/corpus/<target>/ (kept small in the
# repository); what a run discovers is kept in build-fuzz/corpus/<target>/
# for the next run. A crash leaves its input in build-fuzz/findings/<target>/
# and the script exits 1: reproduce with build-fuzz/bin/<target> <file>, fix
# it, and add the input to the seed corpus (or a regression test).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
secs=${1:-600}
[[ $secs =~ ^[0-9]+$ ]] || { echo "usage: scripts/fuzz.sh [SECONDS]" >&2; exit 2; }

# clang and its runtime (libFuzzer, sanitizers) from Debian.
need=()
for p in clang-14 libclang-rt-14-dev; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || need+=("$p")
done
if [ ${#need[@]} -gt 0 ]; then
  [ "$(id -u)" -eq 0 ] || { echo "fuzz.sh: needs ${need[*]} (run as root to install)" >&2; exit 1; }
  apt-get -o DPkg::Lock::Timeout=300 update -q
  DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 install -y -q --no-install-recommends "${need[@]}"
fi

cmake -S . -B build-fuzz -DCMAKE_C_COMPILER=clang-14 -DCMAKE_CXX_COMPILER=clang++-14 -DPCN_FUZZ=ON \
  -DBUILD_TESTING=OFF -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build-fuzz --target fuzz_all -j"$(nproc)"

targets=${FUZZ_TARGETS:-$(cd tests/fuzz && ls fuzz_*.cpp | sed 's/\.cpp$//')}
jobs=${FUZZ_JOBS:-1}  # targets run at once (each uses one CPU)
runs=${FUZZ_RUNS:--1}  # executions per target (-1: until SECONDS)
[[ $runs =~ ^-?[0-9]+$ ]] || { echo "fuzz.sh: FUZZ_RUNS must be a number" >&2; exit 2; }

run_target() {  # target -> build-fuzz/<target>.log, exit status of the fuzzer
  local t=$1 work=build-fuzz/corpus/$1 findings=build-fuzz/findings/$1
  mkdir -p "$work" "$findings"
  echo "fuzz.sh: $t for ${secs}s"
  # -max_len: request paths, queries, words and bodies of a few KiB cover
  # every grammar; much longer inputs only slow the search down.
  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    "build-fuzz/bin/$t" -max_total_time="$secs" -runs="$runs" -max_len=4096 -timeout=25 -rss_limit_mb=2048 \
    -print_final_stats=1 -artifact_prefix="$findings/" "$work" "tests/fuzz/corpus/$t" >"build-fuzz/$t.log" 2>&1
}

declare -A rcs
running=0
for t in $targets; do
  if [ "$running" -ge "$jobs" ]; then wait -n || true; running=$((running - 1)); fi
  (rc=0; run_target "$t" || rc=$?; echo $rc >"build-fuzz/$t.rc") &
  running=$((running + 1))
done
wait

failed=0
printf '%-22s %12s %9s %8s  %s\n' target executions exec/s corpus result
for t in $targets; do
  log=build-fuzz/$t.log
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  speed=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
  corpus=$(ls "build-fuzz/corpus/$t" | wc -l)
  if [ "$(cat "build-fuzz/$t.rc")" != 0 ]; then
    failed=1
    printf '%-22s %12s %9s %8s  CRASH (see %s, build-fuzz/findings/%s)\n' "$t" "${execs:-?}" "${speed:-?}" "$corpus" "$log" "$t"
  else
    printf '%-22s %12s %9s %8s  ok\n' "$t" "$execs" "$speed" "$corpus"
  fi
done
exit $failed
