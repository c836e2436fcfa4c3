#!/bin/bash
# Latency of `rune __complete` as a shell sees it (process start to exit):
#   * static: `rune __complete get se` (the command table only);
#   * no server: `rune __complete scale ""` with runed stopped (refused);
#   * dynamic: `rune __complete scale ""` against a real runed holding 1,000
#     services (LMDB in a temp dir, authenticated);
#   * hung server: `rune __complete health ""` against a server that accepts
#     connections and never answers, with the default 300 ms deadline.
#
#   tools/bench/completion.sh [runs]      (default 50)
#
# Builds //rune, //runed and //testing:hung_server with -c opt first
# (RUNE_BENCH_BIN=<dir with rune, runed and hung_server> skips the build).
# Prints min/p50/p90/p99 in milliseconds per case.
set -euo pipefail
cd "$(dirname "$0")/../.."
runs="${1:-50}"
source tools/bench/lib.sh
bench_binaries //testing:hung_server
if [ -n "${RUNE_BENCH_BIN:-}" ]; then hung_server="$bin/hung_server"; else
  hung_server="$bin/testing/hung_server"; fi
work="$(mktemp -d)"
pid=""; hung_pid=""
cleanup() {
  [ -n "$pid" ] && { kill -TERM "$pid" 2>/dev/null; wait "$pid" 2>/dev/null || true; }
  [ -n "$hung_pid" ] && { kill "$hung_pid" 2>/dev/null; wait "$hung_pid" 2>/dev/null || true; }
  rm -rf "$work"
}
trap cleanup EXIT
export HOME="$work" RUNE_CLI_CONFIG="$work/config.yaml"
unset RUNE_API_SERVER RUNE_TOKEN RUNE_TOKEN_FILE RUNE_CONTEXT RUNE_COMPLETION_TIMEOUT_MS RUNE_COMPLETION_TIMEOUT

# time_ms <label> <args…>: runs `rune __complete <args…>` $runs times.
time_ms() {
  local label="$1"; shift
  local t=() start n=0
  for _ in $(seq "$runs"); do
    start=$(date +%s%N)
    n=$("$rune" __complete "$@" 2>/dev/null | grep -vc '^:' || true)
    t+=($(( ($(date +%s%N) - start) / 1000 )))
  done
  printf '  %-44s %s  (%s candidates)\n' "$label" "$(stats 1000 "${t[@]}")" "$n"
}

echo "rune __complete, $runs runs per case, milliseconds"
time_ms "static: get se" get se
RUNE_API_SERVER=127.0.0.1:1 time_ms "no server (refused): scale ''" scale ""

bench_start_runed
for i in $(seq -w 1000); do
  printf -- '---\nservice:\n  name: svc-%s\n  scale: 0\n  process: {command: /bin/true}\n' "$i"
done >"$work/services.yaml"
"$rune" cast "$work/services.yaml" --detach >/dev/null
time_ms "dynamic, 1,000 services: scale ''" scale ""

"$hung_server" >"$work/hung.addr" &
hung_pid=$!
for _ in $(seq 50); do [ -s "$work/hung.addr" ] && break; sleep 0.1; done
RUNE_API_SERVER="$(cat "$work/hung.addr")" time_ms "hung server (300 ms deadline): health ''" health ""
