#!/usr/bin/env bash
# Installs every build, test and run-time dependency from Debian packages and
# makes sure bpffs is mounted. Idempotent: installs only what is missing.
set -euo pipefail

PACKAGES=(
  # toolchain and build
  build-essential cmake pkg-config clang llvm
  # BPF loading and inspection
  libbpf-dev libelf-dev zlib1g-dev bpftool
  # C++ libraries
  libspdlog-dev libfmt-dev nlohmann-json3-dev libyaml-cpp-dev libnl-3-dev libnl-route-3-dev
  libyang2-dev libyang2-tools libpcre2-dev
  # TLS of the daemon's API and of pcn (OpenSSL); the openssl command makes
  # the certificates of the TLS tests and s_client checks the handshake
  libssl-dev openssl
  # systemd-analyze verifies the daemon's unit file in the tests
  systemd
  # tests
  libgtest-dev googletest
  # namespaces, traffic and tools used by tests, demo and benchmarks
  iproute2 iputils-ping netcat-openbsd iperf3 ethtool procps kmod util-linux curl traceroute
  # captures read in the NAT tests (translated tuples and checksums on the wire)
  tcpdump
  # packetcapture: libpcap compiles tcpdump filters; tshark reads its captures in tests
  libpcap-dev tshark
  # promtool checks /metrics in the tests
  prometheus
  # HTTP load generator for the REST benchmark (scripts/bench/bench_rest.sh),
  # and Pistache, the HTTP server the daemon used before its own: only the
  # benchmark links it, to print its static-resource floor beside ours
  wrk libpistache-dev
  # baselines of the firewall and ddosmitigator benchmarks (scripts/bench/)
  iptables nftables
  # CNI: host-local IPAM and the reference bridge plugin (/usr/lib/cni), and
  # the container runtimes that drive polycube-cni in tests (scripts/cni-runtime.sh)
  containernetworking-plugins podman runc busybox-static containerd
)

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get -o DPkg::Lock::Timeout=300 update -q
  apt-get -o DPkg::Lock::Timeout=300 install -y -q --no-install-recommends "${missing[@]}"
fi

# The runtime pins everything under /sys/fs/bpf/polycube.
if ! mountpoint -q /sys/fs/bpf; then
  mount -t bpf bpf /sys/fs/bpf
fi
echo "setup: dependencies ready"
