#!/usr/bin/env bash
# The NewServiceScaffold test (ctest): scripts/new-service.sh writes every
# file of a service, leaves no placeholder, and gets bad input a clear error
# and writes nothing. (That its output builds and passes unedited is the
# build's own scaffold, services/CMakeLists.txt: the test command builds it
# and runs its tests.)
set -uo pipefail

src=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
gen=$src/scripts/new-service.sh
scratch=$(mktemp -d /tmp/new-service-check.XXXXXX)
trap 'rm -rf "$scratch"' EXIT
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

# 1. A good name writes the service folder and its docs page.
mkdir -p "$scratch/tree/services" "$scratch/tree/docs/services"
"$gen" example --root "$scratch/tree" >/dev/null || fail "new-service.sh example failed"
for f in CMakeLists.txt example.yang example_shared.h example.bpf.c example.h example.cpp example_model.h \
         example_model.cpp tests/example_datapath_test.cpp tests/example_e2e_test.cpp; do
  [ -s "$scratch/tree/services/example/$f" ] || fail "services/example/$f not written"
done
[ -s "$scratch/tree/docs/services/example.md" ] || fail "docs/services/example.md not written"

# 2. Bad input: an error naming the problem, exit status 2, nothing written.
snapshot() { (cd "$scratch/tree" && find . | sort && find . -type f -exec md5sum {} + | sort); }
before=$(snapshot)
expect_refused() {  # <what stderr must contain> <args...>
  local want=$1
  shift
  local err rc
  err=$("$gen" "$@" --root "$scratch/tree" 2>&1 >/dev/null)
  rc=$?
  [ $rc -eq 2 ] || fail "new-service.sh $*: exit status $rc, expected 2"
  [[ $err == *"$want"* ]] || fail "new-service.sh $*: message '$err' does not say '$want'"
  [ "$(snapshot)" == "$before" ] || fail "new-service.sh $*: wrote something"
}
expect_refused "services/example already exists" example
mkdir -p "$scratch/tree/docs/services" && touch "$scratch/tree/docs/services/orphan.md"
before=$(snapshot)
expect_refused "docs/services/orphan.md already exists" orphan
expect_refused "invalid name 'Example'" Example
expect_refused "invalid name '9lives'" 9lives
expect_refused "invalid name 'x'" x
expect_refused "invalid name 'my-svc'" my-svc
expect_refused "invalid name 'my_svc'" my_svc
expect_refused "invalid name 'a23456789012345678901234567890123'" a23456789012345678901234567890123
expect_refused "a reserved word" class
expect_refused "a reserved word" attach
expect_refused "a reserved word" cubes
expect_refused "one NAME only" two names
expect_refused "unknown option" --force ok
mkdir "$scratch/empty"
err=$("$gen" ok --root "$scratch/empty" 2>&1)
[[ $? -eq 2 && $err == *"has no services/ folder"* ]] || fail "a root without services/: '$err'"
[ -z "$(ls -A "$scratch/empty")" ] || fail "a root without services/: wrote something"

# 3. A second, different name renders without a leftover placeholder.
if "$gen" abc123 --root "$scratch/tree" >/dev/null; then
  grep -rn '@[A-Za-z]*@' "$scratch/tree/services/abc123" "$scratch/tree/docs/services/abc123.md" &&
    fail "placeholders left in the output for abc123"
  grep -q 'class Abc123Cube' "$scratch/tree/services/abc123/abc123.h" || fail "abc123.h lacks class Abc123Cube"
  [ -z "$(find "$scratch/tree/services" -name '.new-service.*')" ] || fail "a staging folder was left behind"
else
  fail "new-service.sh abc123 failed"
fi

[ $failures -eq 0 ] && echo "new-service check: ok" || exit 1
