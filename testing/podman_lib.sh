# A private Docker Engine API for shell tests: podman's API service on a unix
# socket, with its own configuration, storage and per-boot directory, and a
# busybox image imported from Debian's busybox-static (no registry).
#
#   source testing/podman_lib.sh
#   podman_require                  # SKIP (exit 0) on a machine without podman
#   start_podman                    # sets $podman_sock, $podman_dir, $podman_image, $podman_net
#   trap 'stop_podman' EXIT         # removes every container and stops the service
#   podman ps -a                    # the podman CLI sees the same storage
#
# Only a missing podman (or a non-root user: the service runs rootful) skips;
# podman installed but a service that does not answer is a failure.
#
# Rootful podman keeps one IPAM database and one DNS server configuration for
# the whole host (/run/containers/networks), keyed by network name, and two
# instances that create bridge networks at the same time pick the same bridge
# name and subnet. So the tests name their network $podman_net (unique per
# run), and start_podman holds a host-wide lock until stop_podman: one
# podman test at a time.

podman_image="localhost/busybox:test"
podman_dir=""
podman_sock=""
podman_pid=""
podman_net=""
podman_lock_holder=""
podman_lock_file=/run/lock/rune-podman-tests.lock

# Applets linked into the image's /bin (all one static busybox).
podman_applets=(sh echo sleep cat ls true false seq date env id tty stty kill mkdir httpd)

podman_log() { echo "podman: $*" >&2; }
# podman_fail <message>: logs, undoes what start_podman did so far, exits 1.
podman_fail() {
  podman_log "$@"
  stop_podman
  exit 1
}

# podman_require: exits 0 with a SKIP line when the tests cannot run here.
podman_require() {
  if ! command -v podman >/dev/null 2>&1; then
    echo "SKIP: podman is not installed (tools/setup installs it)"
    exit 0
  fi
  if [ "$(id -u)" != 0 ]; then
    echo "SKIP: the podman tests need root (the API service runs rootful)"
    exit 0
  fi
}

# podman_busybox_rootfs <dir>: a root filesystem with the static busybox and
# its applet links in bin/.
podman_busybox_rootfs() {
  local root="$1" busybox=/bin/busybox a
  if [ ! -x "$busybox" ]; then
    podman_log "$busybox is missing (tools/setup installs busybox-static)"
    return 1
  fi
  if readelf -l "$busybox" 2>/dev/null | grep -q 'program interpreter'; then
    podman_log "$busybox is dynamically linked; the image needs busybox-static"
    return 1
  fi
  mkdir -p "$root/bin" "$root/tmp" "$root/etc" || return 1
  chmod 1777 "$root/tmp"
  cp "$busybox" "$root/bin/busybox" || return 1
  for a in "${podman_applets[@]}"; do ln -s busybox "$root/bin/$a" || return 1; done
  printf 'root:x:0:0:root:/:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/sh\n' >"$root/etc/passwd"
  printf 'root:x:0:\nnogroup:x:65534:\n' >"$root/etc/group"
}

# start_podman: configuration and storage in a fresh directory under /tmp (a
# unix socket path must stay under 108 bytes, TEST_TMPDIR may be longer),
# the API service on $podman_sock, the busybox image imported. Exits 1 with
# the service's log when it does not answer /_ping within 30 s.
start_podman() {
  # The lock belongs to a small holder process (flock -o: the command does
  # not get the descriptor), so no service, runed or conmon started by the
  # test inherits it; the holder ends with the test's shell at the latest.
  local state
  state="$(mktemp /tmp/rune-podman-lock.XXXXXX)" || exit 1
  flock -o -w 1200 "$podman_lock_file" \
    sh -c 'echo "$$"; while kill -0 "$1" 2>/dev/null; do sleep 1; done' sh "$$" >"$state" 2>/dev/null &
  local flock_pid=$!
  until [ -s "$state" ]; do
    if ! kill -0 "$flock_pid" 2>/dev/null; then
      podman_log "cannot take $podman_lock_file (another podman test held it for 20 minutes?)"
      rm -f "$state"
      exit 1
    fi
    sleep 0.2
  done
  podman_lock_holder="$(cat "$state")"
  rm -f "$state"
  podman_dir="$(mktemp -d /tmp/rune-podman.XXXXXX)" || podman_fail "mktemp failed"
  podman_net="rune-test-$(od -An -N4 -tx1 /dev/urandom | tr -d ' \n')"
  podman_sock="$podman_dir/podman.sock"
  # runc and cgroupfs: no systemd here; the default ulimits fail in this
  # environment; host networking for containers that name no network;
  # per-boot files, locks and network definitions private to this directory.
  cat >"$podman_dir/containers.conf" <<EOF
[containers]
netns = "host"
default_ulimits = ["nofile=20000:20000", "nproc=4096:4096"]

[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"
events_logfile_path = "$podman_dir/events.log"
tmp_dir = "$podman_dir/tmp"
lock_type = "file"

[network]
network_backend = "netavark"
network_config_dir = "$podman_dir/networks"
EOF
  cat >"$podman_dir/storage.conf" <<EOF
[storage]
driver = "overlay"
graphroot = "$podman_dir/storage"
runroot = "$podman_dir/run"
EOF
  export CONTAINERS_CONF="$podman_dir/containers.conf"
  export CONTAINERS_STORAGE_CONF="$podman_dir/storage.conf"
  # Registries: none configured, so a short name never reaches the network;
  # the test registry (start_test_registry, started first) speaks plain HTTP.
  cat >"$podman_dir/registries.conf" <<'EOF'
unqualified-search-registries = []
EOF
  if [ -n "$registry_addr" ]; then
    printf '\n[[registry]]\nlocation = "%s"\ninsecure = true\n' "$registry_addr" >>"$podman_dir/registries.conf"
  fi
  export CONTAINERS_REGISTRIES_CONF="$podman_dir/registries.conf"

  # Test runners keep PATH short; runc, iptables and umount live in sbin.
  case ":$PATH:" in *:/usr/sbin:*) ;; *) export PATH="$PATH:/usr/sbin:/sbin" ;; esac
  podman system service --time=0 "unix://$podman_sock" >"$podman_dir/service.log" 2>&1 &
  podman_pid=$!

  for _ in $(seq 300); do
    if curl -sf --unix-socket "$podman_sock" http://d/_ping >/dev/null 2>&1; then break; fi
    if ! kill -0 "$podman_pid" 2>/dev/null; then
      podman_pid=""
      podman_fail "the API service exited; its log:"$'\n'"$(cat "$podman_dir/service.log")"
    fi
    sleep 0.1
  done
  if ! curl -sf --unix-socket "$podman_sock" http://d/_ping >/dev/null 2>&1; then
    podman_fail "the API service does not answer /_ping on $podman_sock; its log:"$'\n'"$(cat "$podman_dir/service.log")"
  fi
  if ! podman_busybox_rootfs "$podman_dir/rootfs" ||
    ! tar -C "$podman_dir/rootfs" -cf "$podman_dir/busybox.tar" . ||
    ! podman import -q "$podman_dir/busybox.tar" "$podman_image" >/dev/null; then
    podman_fail "cannot build the image $podman_image"
  fi
  podman image exists "$podman_image" || podman_fail "the image $podman_image is missing after the import"
}

# podman_api <method> <path> [json body]: one Engine API call, body on stdout.
podman_api() {
  local args=(-s --unix-socket "$podman_sock" -X "$1")
  [ $# -ge 3 ] && args+=(-H 'Content-Type: application/json' -d "$3")
  curl "${args[@]}" "http://d$2"
}

# podman_managed_containers: the names of containers labelled
# rune.managed=true (running or not), one per line.
podman_managed_containers() {
  podman ps -a --filter label=rune.managed=true --format '{{.Names}}'
}

# stop_podman: removes every container and network of this storage (which
# frees their addresses in the host's IPAM database), stops the service, ends
# what the service left behind (conmon keeps exec sessions for minutes),
# unmounts and deletes the directory, releases the lock. Returns 1 when a
# container could not be removed.
stop_podman() {
  local rc=0 left p comm n
  if [ -z "$podman_dir" ]; then
    podman_unlock
    return 0
  fi
  if [ -n "$podman_pid" ]; then
    podman rm -a -f -t 0 >/dev/null 2>&1
    left="$(podman ps -a -q 2>/dev/null)"
    if [ -n "$left" ]; then
      podman_log "containers left after podman rm -a -f: $left"
      rc=1
    fi
    for n in $(podman network ls -q 2>/dev/null); do
      [ "$n" = podman ] || podman network rm -f "$n" >/dev/null 2>&1
    done
    kill -TERM "$podman_pid" 2>/dev/null
    for _ in $(seq 100); do kill -0 "$podman_pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$podman_pid" 2>/dev/null
    wait "$podman_pid" 2>/dev/null
    podman_pid=""
  fi
  for p in /proc/[0-9]*; do
    comm="$(cat "$p/comm" 2>/dev/null)" || continue
    case "$comm" in
      conmon | podman | catatonit) ;;
      *) continue ;;
    esac
    if tr '\0' ' ' <"$p/cmdline" 2>/dev/null | grep -qF "$podman_dir/"; then
      kill -KILL "${p#/proc/}" 2>/dev/null
    fi
  done
  local m
  while read -r m; do
    umount -l "$m" 2>/dev/null
  done < <(awk -v d="$podman_dir/" 'index($2, d) == 1 { print $2 }' /proc/self/mounts | sort -r)
  rm -rf "$podman_dir"
  podman_dir=""
  unset CONTAINERS_CONF CONTAINERS_STORAGE_CONF CONTAINERS_REGISTRIES_CONF
  podman_unlock
  return $rc
}

podman_unlock() {
  if [ -n "$podman_lock_holder" ]; then
    kill "$podman_lock_holder" 2>/dev/null
    podman_lock_holder=""
  fi
}

# start_test_registry <user:password>...: a real image registry (Debian's
# docker-registry, the distribution registry) on a free loopback port with
# htpasswd (bcrypt) authentication and storage in a temporary directory; sets
# registry_addr ("127.0.0.1:<port>"). Call before start_podman, which then
# lets the engine use it over plain HTTP. stop_test_registry ends it.
registry_addr=""
registry_pid=""
registry_dir=""
start_test_registry() {
  command -v docker-registry >/dev/null 2>&1 && command -v htpasswd >/dev/null 2>&1 ||
    podman_fail "docker-registry and htpasswd (apache2-utils) are needed; run tools/setup"
  registry_dir="$(mktemp -d /tmp/rune-registry.XXXXXX)" || podman_fail "mktemp failed"
  local pair attempt port
  for pair in "$@"; do
    htpasswd -Bbn "${pair%%:*}" "${pair#*:}" >>"$registry_dir/htpasswd" 2>/dev/null ||
      podman_fail "htpasswd failed"
  done
  for attempt in 1 2 3 4 5; do
    # The registry cannot report a port it picked itself: take one the
    # kernel just handed out, and retry if somebody else took it meanwhile.
    port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
    cat >"$registry_dir/config.yml" <<EOF
version: 0.1
log: {level: warn}
storage:
  filesystem: {rootdirectory: $registry_dir/data}
http:
  addr: 127.0.0.1:$port
auth:
  htpasswd: {realm: rune-test, path: $registry_dir/htpasswd}
EOF
    docker-registry serve "$registry_dir/config.yml" >"$registry_dir/log" 2>&1 &
    registry_pid=$!
    for _ in $(seq 100); do
      if curl -s -o /dev/null "http://127.0.0.1:$port/v2/"; then
        registry_addr="127.0.0.1:$port"
        return 0
      fi
      kill -0 "$registry_pid" 2>/dev/null || break
      sleep 0.1
    done
    kill -KILL "$registry_pid" 2>/dev/null
    wait "$registry_pid" 2>/dev/null
    registry_pid=""
  done
  podman_fail "the registry did not start; its log:"$'\n'"$(cat "$registry_dir/log")"
}

stop_test_registry() {
  if [ -n "$registry_pid" ]; then
    kill -TERM "$registry_pid" 2>/dev/null
    for _ in $(seq 50); do kill -0 "$registry_pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$registry_pid" 2>/dev/null
    wait "$registry_pid" 2>/dev/null
    registry_pid=""
  fi
  [ -n "$registry_dir" ] && rm -rf "$registry_dir"
  registry_dir=""
  registry_addr=""
}
