# Sourced by every benchmark after it has cd'ed to the repository's root:
# benchmarks run as root, and (unless BENCH_NO_BUILD is set) build first.
#
#   bench_prepare                 setup.sh + build.sh (everything)
#   bench_prepare target...       configure, then build only these targets
bench_prepare() {
  [ "$(id -u)" -eq 0 ] || { echo "run as root" >&2; exit 1; }
  [ -z "${BENCH_NO_BUILD:-}" ] || return 0
  if [ $# -eq 0 ]; then
    scripts/setup.sh >/dev/null
    scripts/build.sh >/dev/null
  else
    cmake -S . -B build >/dev/null
    cmake --build build -j2 --target "$@" >/dev/null
  fi
}
