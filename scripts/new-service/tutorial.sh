#!/usr/bin/env bash
# The tutorial of docs/service-authors-guide.md, measured:
#   scripts/new-service/tutorial.sh            count the hand-written lines
#   scripts/new-service/tutorial.sh --into DIR scaffold srcblock into DIR (the
#                                              tree's root) and apply the tutorial,
#                                              to build and test it there
# The tutorial is docs/tutorial/srcblock.patch on top of
# `scripts/new-service.sh srcblock`. A hand-written line is a line the patch
# adds (a changed line counts once); blank lines are counted apart. Exits 1
# when the patch no longer applies to the scaffold or passes 200 lines.
set -euo pipefail

src=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
patch_file=$src/docs/tutorial/srcblock.patch
limit=200

into=""
if [ "${1:-}" = "--into" ]; then
  into=${2:?usage: tutorial.sh [--into DIR]}
fi

root=$into
if [ -z "$root" ]; then
  root=$(mktemp -d /tmp/new-service-tutorial.XXXXXX)
  trap 'rm -rf "$root"' EXIT
  mkdir -p "$root/services" "$root/docs/services"
fi
"$src/scripts/new-service.sh" srcblock --root "$root" >/dev/null
# git apply works outside a repository too, and git is here (the tree is a clone).
if ! (cd "$root" && git apply -p1 "$patch_file"); then
  echo "tutorial: docs/tutorial/srcblock.patch no longer applies to the scaffold" >&2
  exit 1
fi

added=$(grep -c '^+[^+]' "$patch_file" || true)
blank=$(grep -c '^+$' "$patch_file" || true)
removed=$(grep -c '^-[^-]' "$patch_file" || true)
echo "tutorial: $((added + blank)) lines written ($added with code or text, $blank blank), $removed scaffold lines replaced"
awk '/^\+\+\+ /{f=$2} /^\+[^+]/||/^\+$/{n[f]++} END{for (k in n) printf "  %4d  %s\n", n[k], k}' "$patch_file" | sort -k2
if [ $((added + blank)) -ge $limit ]; then
  echo "tutorial: $((added + blank)) lines, the guide promises fewer than $limit" >&2
  exit 1
fi
[ -z "$into" ] || echo "tutorial: services/srcblock and docs/services/srcblock.md written into $into"
