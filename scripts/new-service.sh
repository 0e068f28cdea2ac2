#!/usr/bin/env bash
# Scaffolds a service: scripts/new-service.sh NAME [--root DIR]
#
# Writes services/NAME/ (YANG module, shared header, BPF block, control
# plane, model handler, CMakeLists.txt, tests/ with a datapath and an e2e
# test) and docs/services/NAME.md under DIR (default: this tree), from the
# templates in scripts/new-service/template. The service builds and its
# tests pass with no edit: services/ discovers it, tests/ picks up its tests
# (the build checks that on its own scaffold, build/scaffold: see
# services/CMakeLists.txt). Bad input gets a message and writes nothing
# (scripts/new-service/check.sh, the NewServiceScaffold test).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
template=$here/new-service/template
root=$(cd "$here/.." && pwd)

die() { echo "new-service: $*" >&2; exit 2; }
usage() { echo "usage: scripts/new-service.sh NAME [--root DIR]" >&2; exit 2; }

name=""
while [ $# -gt 0 ]; do
  case $1 in
    --root) [ $# -ge 2 ] || usage; root=$2; shift 2 ;;
    -h|--help) usage ;;
    -*) die "unknown option '$1'" ;;
    *) [ -z "$name" ] || die "one NAME only (got '$name' and '$1')"; name=$1; shift ;;
  esac
done
[ -n "$name" ] || usage

# One name is the YANG module, the C++ namespace, the C prefix of the BPF
# structs and the `pcn` word: lowercase letters and digits fit all four.
[[ $name =~ ^[a-z][a-z0-9]{1,30}$ ]] ||
  die "invalid name '$name': 2 to 31 characters, lowercase letters and digits, starting with a letter"
# Words pcn or the model already use, and C/C++ keywords (the name becomes
# a namespace and a struct prefix).
reserved="polycube cubes services topology netdevs attach detach connect disconnect completion versions diff
  rollback confirm export apply audit help version std gen
  model alignas alignof and asm auto bool break case catch char class const constexpr continue default delete do
  double else enum explicit export extern false float for friend goto if inline int long mutable namespace new
  noexcept not operator or private protected public register return short signed sizeof static struct switch
  template this throw true try typedef typeid typename union unsigned using virtual void volatile while xor
  concept requires"
for word in $reserved; do
  [ "$word" != "$name" ] || die "invalid name '$name': a reserved word (pcn command, namespace or C++ keyword)"
done

[ -d "$root" ] || die "no directory '$root'"
[ -d "$root/services" ] || die "'$root' has no services/ folder (not a polycube tree?)"
[ -e "$root/services/$name" ] && die "services/$name already exists in $root"
[ -e "$root/docs/services/$name.md" ] && die "docs/services/$name.md already exists in $root"

Name=${name^}
NAME=${name^^}
render() { sed -e "s/@name@/$name/g" -e "s/@Name@/$Name/g" -e "s/@NAME@/$NAME/g" "$1"; }

# Render everything into a scratch folder on the same file system, then
# move it into place: a failure half-way leaves nothing behind.
mkdir -p "$root/docs/services"
stage=$(mktemp -d "$root/services/.new-service.XXXXXX")
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage/$name/tests"
(cd "$template" && find . -type f ! -name docs.md) | sort | while read -r rel; do
  out="$stage/$name/${rel//@name@/$name}"
  mkdir -p "$(dirname "$out")"
  render "$template/$rel" >"$out"
done
render "$template/docs.md" >"$stage/$name.md"

mv "$stage/$name" "$root/services/$name"
if ! mv "$stage/$name.md" "$root/docs/services/$name.md"; then
  rm -rf "$root/services/$name"
  die "could not write docs/services/$name.md; nothing written"
fi

echo "new-service: wrote services/$name/ and docs/services/$name.md"
echo "  build:  scripts/build.sh   (services/ finds the new folder; no CMake line to add)"
echo "  test:   cd build && ctest -R '$Name' --output-on-failure"
