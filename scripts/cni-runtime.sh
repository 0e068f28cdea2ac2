#!/usr/bin/env bash
# Private container runtimes for polycube-cni: podman and containerd, each
# with its own configuration, storage, state and CNI directories under DIR,
# so that a podman or containerd configuration this machine may already have
# is neither read nor changed. Offline: the image is a busybox rootfs made
# from busybox-static and imported. Idempotent. Used by the CNI tests,
# scripts/quickstart.sh and scripts/bench/cni_bench.sh.
#
#   cni-runtime.sh podman-setup DIR CONFLIST   private config in DIR, CONFLIST as a CNI network, image imported
#   cni-runtime.sh podman DIR ARGS...          podman on that config (CNI backend, cgroupfs, runc, vfs storage)
#   cni-runtime.sh containerd-setup DIR CONFLIST
#   cni-runtime.sh containerd-start DIR        a private containerd (socket DIR/containerd.sock)
#   cni-runtime.sh ctr DIR ARGS...             ctr on it; `ctr run` with --cni reads DIR's CNI config (see docs/cni.md)
#   cni-runtime.sh containerd-stop DIR
#   cni-runtime.sh rootfs DIR                  DIR/rootfs: busybox with its applets
#
# The CNI plugin directory is build/bin (polycube-cni) then /usr/lib/cni,
# where Debian's containernetworking-plugins puts host-local.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cmd=${1:?usage: cni-runtime.sh podman-setup|podman|containerd-setup|containerd-start|ctr|containerd-stop|rootfs DIR ...}
dir=${2:?DIR missing}
shift 2
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
plugin_dirs=("$root/build/bin" /usr/lib/cni)

rootfs() {
  [ -x "$dir/rootfs/bin/busybox" ] && return 0
  [ -x /bin/busybox ] || { echo "cni-runtime: /bin/busybox missing (package busybox-static)" >&2; exit 1; }
  rm -rf "$dir/rootfs.tmp"
  mkdir -p "$dir/rootfs.tmp"/{bin,etc,proc,sys,dev,tmp,root,run}
  cp /bin/busybox "$dir/rootfs.tmp/bin/busybox"
  for applet in $(/bin/busybox --list); do
    [ -e "$dir/rootfs.tmp/bin/$applet" ] || ln -s busybox "$dir/rootfs.tmp/bin/$applet"
  done
  echo "root:x:0:0:root:/root:/bin/sh" > "$dir/rootfs.tmp/etc/passwd"
  echo "root:x:0:" > "$dir/rootfs.tmp/etc/group"
  mv "$dir/rootfs.tmp" "$dir/rootfs"
}

podman_run() {
  CONTAINERS_CONF="$dir/podman/containers.conf" CONTAINERS_STORAGE_CONF="$dir/podman/storage.conf" \
    CONTAINERS_REGISTRIES_CONF="$dir/podman/registries.conf" \
    podman --root "$dir/podman/storage" --runroot "$dir/podman/run" --tmpdir "$dir/podman/tmp" \
    --cgroup-manager cgroupfs --events-backend file --network-config-dir "$dir/podman/net.d" "$@"
}

case "$cmd" in
  rootfs) rootfs ;;
  podman-setup)
    conflist=${1:?CONFLIST missing}
    command -v podman >/dev/null || { echo "cni-runtime: podman is not installed (scripts/setup.sh)" >&2; exit 1; }
    mkdir -p "$dir/podman"/{storage,run,tmp,net.d}
    dirs=$(printf '"%s", ' "${plugin_dirs[@]}")
    nofile=$(ulimit -Hn); [ "$nofile" = unlimited ] && nofile=1048576
    nproc=$(ulimit -Hu); { [ "$nproc" = unlimited ] || [ "$nproc" -gt 4096 ]; } && nproc=4096
    cat > "$dir/podman/containers.conf" <<CONF
# Written by scripts/cni-runtime.sh: a podman of its own for polycube-cni.
[containers]
netns = "private"
# podman raises nofile/nproc to its own defaults, which a root without
# CAP_SYS_RESOURCE (a container, a CI job) may not: stay within the limits.
default_ulimits = ["nofile=$nofile:$nofile", "nproc=$nproc:$nproc"]
[engine]
cgroup_manager = "cgroupfs"
events_logger = "file"
runtime = "runc"
static_dir = "$dir/podman/storage/libpod"
volume_path = "$dir/podman/storage/volumes"
[network]
network_backend = "cni"
cni_plugin_dirs = [${dirs%, }]
network_config_dir = "$dir/podman/net.d"
default_network = "podman-unused"
CONF
    cat > "$dir/podman/storage.conf" <<CONF
[storage]
driver = "vfs"
graphroot = "$dir/podman/storage"
runroot = "$dir/podman/run"
CONF
    echo 'unqualified-search-registries = []' > "$dir/podman/registries.conf"
    name=$(sed -n 's/.*"name"[[:space:]]*:[[:space:]]*"\([^"]*\)".*/\1/p' "$conflist" | head -1)
    cp "$conflist" "$dir/podman/net.d/$name.conflist"
    rootfs
    if ! podman_run image exists localhost/pcn-busybox:latest; then
      tar -C "$dir/rootfs" -cf "$dir/busybox-rootfs.tar" .
      podman_run import -q --change 'CMD=["/bin/sh"]' "$dir/busybox-rootfs.tar" localhost/pcn-busybox:latest >/dev/null
      rm -f "$dir/busybox-rootfs.tar"
    fi
    ;;
  podman) podman_run "$@" ;;
  containerd-setup)
    conflist=${1:?CONFLIST missing}
    command -v containerd >/dev/null || { echo "cni-runtime: containerd is not installed (scripts/setup.sh)" >&2; exit 1; }
    mkdir -p "$dir/containerd"/{root,state,net.d}
    cat > "$dir/containerd/config.toml" <<CONF
# Written by scripts/cni-runtime.sh: a containerd of its own for polycube-cni.
version = 2
root = "$dir/containerd/root"
state = "$dir/containerd/state"
disabled_plugins = ["io.containerd.grpc.v1.cri"]
[grpc]
  address = "$dir/containerd/containerd.sock"
[ttrpc]
  address = "$dir/containerd/containerd.sock.ttrpc"
[plugins."io.containerd.runtime.v1.linux"]
  runtime = "runc"
[plugins."io.containerd.monitor.v1.cgroups"]
  no_prometheus = true
CONF
    cp "$conflist" "$dir/containerd/net.d/10-polycube.conflist"
    rootfs
    ;;
  containerd-start)
    sock="$dir/containerd/containerd.sock"
    if [ -S "$sock" ] && ctr --address "$sock" version >/dev/null 2>&1; then exit 0; fi
    containerd --config "$dir/containerd/config.toml" >"$dir/containerd/containerd.log" 2>&1 &
    echo $! > "$dir/containerd/pid"
    for _ in $(seq 100); do
      ctr --address "$sock" version >/dev/null 2>&1 && exit 0
      sleep 0.1
    done
    echo "cni-runtime: containerd did not start (see $dir/containerd/containerd.log)" >&2
    exit 1
    ;;
  ctr)
    # ctr's CNI (`ctr run --cni`, go-cni's defaults) reads /etc/cni/net.d and
    # /opt/cni/bin, fixed paths: give it DIR's instead in a mount namespace
    # of its own (the plugins run in the ctr process), leaving the
    # machine's untouched.
    [ -d /etc/cni/net.d ] || { echo "cni-runtime: /etc/cni/net.d missing (podman's package creates it)" >&2; exit 1; }
    # libcni's result cache (/var/lib/cni) too, so nothing of ctr's lands there.
    mkdir -p "$dir/containerd/bin" "$dir/containerd/cache" /var/lib/cni
    for p in "$root/build/bin/polycube-cni" /usr/lib/cni/*; do ln -sf "$p" "$dir/containerd/bin/"; done
    exec unshare -m --propagation private sh -c '
      mount --bind "$1/containerd/net.d" /etc/cni/net.d &&
      mount --bind "$1/containerd/cache" /var/lib/cni &&
      mount -t tmpfs cni-opt /opt && mkdir -p /opt/cni && ln -s "$1/containerd/bin" /opt/cni/bin &&
      shift && exec ctr --address "$0/containerd/containerd.sock" "$@"' "$dir" "$dir" "$@"
    ;;
  containerd-stop)
    if [ -f "$dir/containerd/pid" ]; then
      pid=$(cat "$dir/containerd/pid")
      # Only the containerd started on this config (the pid may be reused).
      if tr '\0' ' ' < "/proc/$pid/cmdline" 2>/dev/null | grep -qF "$dir/containerd/config.toml"; then
        kill "$pid" 2>/dev/null || true
      fi
      for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      rm -f "$dir/containerd/pid"
    fi
    ;;
  *) echo "cni-runtime: unknown command $cmd" >&2; exit 2 ;;
esac
