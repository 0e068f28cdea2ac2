#!/usr/bin/env bash
# Removes what a crashed test, soak or demo run may have left: namespaces
# and host-side veths named with the test prefix (pt<pid>-...) or the demo
# prefix (pcn-demo-...), their /tmp state directories, and packet-out veths
# and lock files of dead runtimes (a runtime also removes those two when it
# starts). Touches nothing else: the data plane a stopped polycubed left
# forwarding under the default pin root stays (polycubed --teardown).
set -u
# Only leftovers of processes that are gone: a concurrent live run keeps its own.
owner_alive() {  # name -> true if the pid in pt<pid>- is a live process
  local pid
  pid=$(echo "$1" | sed -n 's/^pt\([0-9]*\)-.*/\1/p')
  [ -n "$pid" ] && [ -d "/proc/$pid" ]
}
for ns in $(ip netns list 2>/dev/null | awk '{print $1}' | grep -E '^(pt[0-9]+-|pcn-demo-)'); do
  owner_alive "$ns" || ip netns del "$ns" 2>/dev/null
done
for l in $(ip -o link show 2>/dev/null | awk -F': ' '{print $2}' | cut -d@ -f1 | grep -E '^(pt[0-9]+-|pcn-demo-)'); do
  owner_alive "$l" || ip link del "$l" 2>/dev/null
done
# The runtime's packet-out veth is named pcni<pid>; remove it if that
# process is gone.
for l in $(ip -o link show 2>/dev/null | awk -F': ' '{print $2}' | cut -d@ -f1 | grep -E '^pcni[0-9]+$'); do
  pid=${l#pcni}
  [ -d "/proc/$pid" ] || ip link del "$l" 2>/dev/null
done
# CNI tests keep a node's private directory (IPAM store, podman and
# containerd roots) in /tmp/pt<pid>-cni: stop what a dead run left running
# there, then remove it.
for d in /tmp/pt[0-9]*-cni; do
  [ -d "$d" ] || continue
  owner_alive "$(basename "$d")" && continue
  if [ -d "$d/runtime/podman" ]; then
    "$(dirname "$0")/cni-runtime.sh" podman "$d/runtime" rm -af -t 0 >/dev/null 2>&1
  fi
  [ -d "$d/runtime/containerd" ] && "$(dirname "$0")/cni-runtime.sh" containerd-stop "$d/runtime" >/dev/null 2>&1
  rm -rf "$d"
done
# State directories of test daemons and of scripts/soak.sh: /tmp/pt<pid>-*.
for d in /tmp/pt[0-9]*-*; do
  [ -e "$d" ] || continue
  owner_alive "$(basename "$d")" || rm -rf "$d"
done
# Test runtimes pin under /sys/fs/bpf/pt<pid>-* and lock
# /run/lock/polycube_sys_fs_bpf_pt<pid>-*.lock: drop those of dead tests.
for d in /sys/fs/bpf/pt[0-9]*-* /run/lock/polycube_sys_fs_bpf_pt[0-9]*-*.lock; do
  [ -e "$d" ] || continue
  name=$(basename "$d")
  name=${name#polycube_sys_fs_bpf_}
  owner_alive "$name" && continue
  # A pin root also stands for hooks on netdevs: --teardown takes those off
  # before the pins go (a stopped daemon leaves its data plane forwarding).
  if [ -d "$d" ] && [ -x "$(dirname "$0")/../build/bin/polycubed" ]; then
    "$(dirname "$0")/../build/bin/polycubed" --teardown --log-level err --pin-root "$d" >/dev/null 2>&1
  fi
  rm -rf "$d"
done
exit 0
