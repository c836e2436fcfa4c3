#!/bin/bash
# Orchestrator and process runner figures against a real runed on loopback
# (LMDB store, real supervisors and processes), as a user sees them:
#   * cast → Running: `rune cast` of a one-instance process service until it
#     returns (it waits for readiness: Running for 1 s without a readiness
#     probe), median and p90 of RUNS fresh services;
#   * time for `rune scale` to report 100 and then 1,000 ready instances;
#   * crash → restart: SIGKILL an instance's process, time until it is
#     Running again, minus the 10 s first-restart backoff of SPEC §5.8.5;
#   * runed's RSS with 100 idle instances, and one supervisor's RSS.
#
#   tools/bench/orchestrator.sh [runs]     (default 20)
#
# Builds //rune and //runed with -c opt first. Needs root for nothing, but
# 1,000 instances need about 2,000 processes.
set -euo pipefail
cd "$(dirname "$0")/../.."
runs="${1:-20}"
# RUNE_BENCH_BIN=<dir with rune and runed> skips the build.
source tools/bench/lib.sh
bench_binaries
work="$(mktemp -d)"
pid=""
cleanup() {
  if [ -n "$pid" ]; then kill -TERM "$pid" 2>/dev/null; wait "$pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

bench_start_runed

ms() { echo $(( ($2 - $1) / 1000000 )); }
pct() { printf '%s\n' "${@:2}" | sort -n | awk -v p="$1" '{ v[NR] = $1 } END { i = int(NR * p / 100 + 0.999); if (i < 1) i = 1; print v[i] }'; }

svc() {  # name scale
  printf 'service:\n  name: %s\n  process: {command: /bin/sleep, args: ["100000"]}\n  scale: %s\n' "$1" "$2"
}

cast_ms=()
for r in $(seq "$runs"); do
  svc "c$r" 1 >"$work/c.yaml"
  t0=$(date +%s%N); "$rune" cast "$work/c.yaml" --timeout 60s >/dev/null; t1=$(date +%s%N)
  cast_ms+=("$(ms "$t0" "$t1")")
  "$rune" delete "c$r" --timeout 60s >/dev/null
done

svc many 0 >"$work/many.yaml"
"$rune" cast "$work/many.yaml" >/dev/null
t0=$(date +%s%N); "$rune" scale many 100 --timeout 10m >/dev/null; t1=$(date +%s%N)
start100=$(ms "$t0" "$t1")
sleep 5
rss_runed=$(awk '/VmRSS/ { print $2 }' "/proc/$pid/status")
sup_pid=""
for f in "$work"/data/instances/default/many-instance-*/supervisor.pid; do sup_pid=$(cat "$f"); break; done
rss_sup=$(awk '/VmRSS/ { print $2 }' "/proc/$sup_pid/status" 2>/dev/null || echo "?")

# Crash → restart of one instance.
json="$("$rune" get instances many-0 -o json)"
ipid=$(grep -o '"pid": *"*[0-9]*' <<<"$json" | grep -o '[0-9]*$')
restarts0=$(grep -o '"restarts": *[0-9]*' <<<"$json" | grep -o '[0-9]*$' || echo 0)
t0=$(date +%s%N); kill -KILL "$ipid"
while :; do
  json="$("$rune" get instances many-0 -o json)"
  r=$(grep -o '"restarts": *[0-9]*' <<<"$json" | grep -o '[0-9]*$' || echo 0)
  if [ "${r:-0}" -gt "${restarts0:-0}" ] && grep -q '"status": *"Running"' <<<"$json"; then break; fi
  sleep 0.05
done
t1=$(date +%s%N)
restart_ms=$(( $(ms "$t0" "$t1") - 10000 ))

t0=$(date +%s%N); "$rune" scale many 1000 --timeout 30m >/dev/null; t1=$(date +%s%N)
start1000=$(ms "$t0" "$t1")
rss_1000=$(awk '/VmRSS/ { print $2 }' "/proc/$pid/status")

echo "orchestrator and process runner, runed on loopback (LMDB), $(nproc) cores"
echo "  cast -> Running (1 instance, ready after 1 s Running): p50 $(pct 50 "${cast_ms[@]}") ms, p90 $(pct 90 "${cast_ms[@]}") ms over $runs casts"
echo "  scale 0 -> 100 ready instances:   ${start100} ms"
echo "  scale 100 -> 1000 ready instances: ${start1000} ms"
echo "  crash -> Running again, beyond the 10 s backoff: ${restart_ms} ms"
echo "  runed RSS idle with 100 instances: ${rss_runed} KiB (one supervisor: ${rss_sup} KiB)"
echo "  runed RSS with 1000 instances:     ${rss_1000} KiB"
"$rune" delete many --timeout 10m >/dev/null
