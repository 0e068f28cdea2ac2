#!/usr/bin/env bash
# Runs every benchmark and prints its figures (each next to the Linux or
# kernel baseline measured in the same run; every pps figure also as the
# ns/packet it adds over the bare path, flood.h). Builds first. Takes ~15 minutes
# (the firewall rows load 100,000 rules into iptables and nftables too).
# Not part of the test command.
set -euo pipefail
cd "$(dirname "$0")/../.."
[ "$(id -u)" -eq 0 ] || { echo "run as root" >&2; exit 1; }
scripts/setup.sh >/dev/null
scripts/build.sh >/dev/null
trap scripts/cleanup.sh EXIT
echo "== ns/packet (BPF_PROG_TEST_RUN)"
build/bin/pcn-bench-prog "${PROG_REPEAT:-2000000}"
echo
echo "== packets/s between namespaces"
build/bin/pcn-bench-pps "${PPS_SECONDS:-3}"
echo
echo "== control plane"
build/bin/pcn-bench-control "${CONTROL_ITERATIONS:-300}"
echo
echo "== REST API"
BENCH_NO_BUILD=1 scripts/bench/bench_rest.sh
echo
echo "== REST API with authentication and TLS"
BENCH_NO_BUILD=1 scripts/bench/auth_bench.sh
echo
echo "== control plane against the size of the configuration"
BENCH_NO_BUILD=1 scripts/bench/control_bench.sh
echo
echo "== rollback of a change with 100,000 firewall rules present"
BENCH_NO_BUILD=1 scripts/bench/rollback_bench.sh
echo
echo "== bridge (802.1Q) vs Linux bridge"
BENCH_NO_BUILD=1 scripts/bench/bridge_pps.sh "${PPS_SECONDS:-3}"
echo
echo "== router vs Linux IPv4 forwarding"
BENCH_NO_BUILD=1 scripts/bench/router_bench.sh
echo
echo "== firewall vs iptables / nftables"
BENCH_NO_BUILD=1 scripts/bench/firewall_bench.sh
echo
echo "== ddosmitigator vs nftables drop rules"
BENCH_NO_BUILD=1 scripts/bench/ddos_bench.sh
echo
echo "== polycube-cni vs the reference bridge CNI plugin"
BENCH_NO_BUILD=1 scripts/bench/cni_bench.sh
echo
echo "== packetcapture vs tcpdump"
BENCH_NO_BUILD=1 scripts/bench/capture_bench.sh
echo
echo "== lbrp / lbdsr vs kube-proxy's iptables shape and nftables"
BENCH_NO_BUILD=1 scripts/bench/lb_bench.sh
echo
echo "== NAT vs iptables MASQUERADE"
BENCH_NO_BUILD=1 scripts/bench/nat_bench.sh
echo
echo "== netdev hook: tcx link vs cls_bpf"
BENCH_NO_BUILD=1 scripts/bench/tcx_bench.sh
echo
echo "== kernel map memory per cube"
BENCH_NO_BUILD=1 scripts/bench/memory_bench.sh
