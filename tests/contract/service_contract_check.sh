#!/usr/bin/env bash
# The ServiceContract test: the compiler checks a service's contract.
# - A cube class whose service name differs from its YANG module, or that
#   declares none, does not build (service_name.cpp).
# - A map name the BPF object does not declare, a key or value type of
#   another size, or map<>() of a per-CPU map does not build (map_ref.cpp).
# Each refusal must say why; the right use compiles (so the refusals are
# not a broken include path).
#   service_contract_check.sh <c++ compiler> <source dir> <build dir>
set -uo pipefail
cxx=$1 src=$2 build=$3
compile() {  # <file> <flags...>
  local file=$1
  shift
  "$cxx" -std=c++20 -fsyntax-only -I"$src/libpolycube/include" -I"$src/services/helloworld" \
    -I"$build/services/helloworld/gen" -I"$build/services/helloworld/bpf" "$@" "$src/tests/contract/$file" 2>&1
}
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
compiles() {  # <what> <file> <flags...>
  local what=$1
  shift
  out=$(compile "$@") || { fail "$what does not compile:"; echo "$out" | grep -m5 error; }
}
refused() {  # <what> <message> <file> <flags...>
  local what=$1 want=$2
  shift 2
  out=$(compile "$@") && fail "$what compiles"
  [[ $out == *"$want"* ]] || { fail "$what: the compiler does not say '$want':"; echo "$out" | grep -m3 error; }
}
compiles "the YANG module's name" service_name.cpp -DSERVICE_NAME='"helloworld"'
refused "another service name" "differs from the YANG module name helloworld" service_name.cpp -DSERVICE_NAME='"hellowrld"'
refused "no kServiceName" "must declare: static constexpr std::string_view kServiceName" service_name.cpp
compiles "the object's maps" map_ref.cpp -DPROBE=0
refused "a map the object lacks" "hw_cfg" map_ref.cpp -DPROBE=1
refused "a value of another size" "value type's size differs from the BPF map's value size" map_ref.cpp -DPROBE=2
refused "map<>() of a per-CPU map" "no matching function" map_ref.cpp -DPROBE=3
[ $failures -eq 0 ] && echo "service contract: ok"
exit $((failures > 0))
