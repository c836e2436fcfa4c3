#!/bin/bash
# Docker runner figures against a real Engine API (podman's API service with
# a private storage and the busybox image of testing/podman_lib.sh) and a
# real runed on loopback, over RUNS fresh one-instance image services:
#   * cast -> Running: `rune cast --detach`, then `rune get instances` every
#     50 ms until the instance is Running (container created and started);
#   * cast -> ready: `rune cast` until it returns (ready = Running for 1 s
#     without a readiness probe, SPEC 5.8.2);
#   * the engine alone: create + start of the same container through the API
#     with curl, for comparison.
# Each service is deleted (and its container removed) before the next one.
#
#   tools/bench/docker.sh [runs]     (default 20; needs root and podman)
#
# Builds //rune and //runed with -c opt first; RUNE_BENCH_BIN=<dir with rune
# and runed> skips the build.
set -euo pipefail
cd "$(dirname "$0")/../.."
runs="${1:-20}"
source tools/bench/lib.sh
source testing/podman_lib.sh
podman_require
bench_binaries

work="$(mktemp -d)"
pid=""
cleanup() {
  if [ -n "$pid" ]; then kill -TERM "$pid" 2>/dev/null; wait "$pid" 2>/dev/null || true; fi
  stop_podman || true
  rm -rf "$work"
}
trap cleanup EXIT
start_podman

cat >"$work/runefile.yaml" <<EOF
docker:
  socket: $podman_sock
  network: $podman_net
EOF
bench_start_runed "$work/runefile.yaml"

now() { date +%s%N; }
svc() {  # name
  printf '%s\n' 'service:' "  name: $1" '  image: localhost/busybox:test' \
    '  command: ["/bin/sh", "-c", "trap \"exit 0\" TERM; while true; do sleep 1; done"]' '  scale: 1'
}
running() {  # instance name
  "$rune" get instances "$1" -o json 2>/dev/null | grep -q '"status": *"Running"'
}

# One service first (creates the network, warms the image): not counted.
svc warmup >"$work/s.yaml"
"$rune" cast "$work/s.yaml" --timeout 120s >/dev/null
"$rune" delete warmup --timeout 60s >/dev/null

running_us=() ready_us=() engine_us=()
for r in $(seq "$runs"); do
  svc "r$r" >"$work/s.yaml"
  t0=$(now)
  "$rune" cast "$work/s.yaml" --detach >/dev/null
  until running "r$r-0"; do
    [ $(( ($(now) - t0) / 1000000000 )) -lt 60 ] || { echo "r$r-0 not Running after 60 s" >&2; exit 1; }
    sleep 0.05
  done
  running_us+=($(( ($(now) - t0) / 1000 )))
  "$rune" delete "r$r" --timeout 60s >/dev/null

  svc "w$r" >"$work/s.yaml"
  t0=$(now); "$rune" cast "$work/s.yaml" --timeout 60s >/dev/null; t1=$(now)
  ready_us+=($(( (t1 - t0) / 1000 )))
  "$rune" delete "w$r" --timeout 60s >/dev/null

  body='{"Image":"localhost/busybox:test","Entrypoint":["/bin/sh","-c","trap \"exit 0\" TERM; while true; do sleep 1; done"],"HostConfig":{"RestartPolicy":{"Name":"no"},"NetworkMode":"'"$podman_net"'"}}'
  t0=$(now)
  cid="$(podman_api POST "/v1.41/containers/create?name=bench-$r" "$body" | sed -n 's/.*"Id":"\([0-9a-f]*\)".*/\1/p')"
  podman_api POST "/v1.41/containers/$cid/start" >/dev/null
  t1=$(now)
  engine_us+=($(( (t1 - t0) / 1000 )))
  podman rm -f -t 0 "$cid" >/dev/null
done

echo "docker runner against podman $(podman version --format '{{.Server.Version}}' 2>/dev/null) (runc, overlay, netavark bridge), runed on loopback, $(nproc) cores, $runs services"
echo "  cast -> Running (ms):            $(stats 1000 "${running_us[@]}")"
echo "  cast -> ready, rune cast (ms):   $(stats 1000 "${ready_us[@]}")"
echo "  engine create + start (ms):      $(stats 1000 "${engine_us[@]}")"
