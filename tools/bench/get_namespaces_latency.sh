#!/bin/bash
# Latency of an authenticated `rune get namespaces` against a real runed on
# loopback (LMDB store in a temp dir): the whole command as a user sees it
# (process start to exit) and the RPC alone (the `rpc … <n>ms` line of -v).
#
#   tools/bench/get_namespaces_latency.sh [runs]      (default 200)
#
# Builds //rune and //runed first. Prints min/p50/p90/p99 in milliseconds.
set -euo pipefail
cd "$(dirname "$0")/../.."
runs="${1:-200}"
source tools/bench/lib.sh
bench_binaries
work="$(mktemp -d)"
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$work"' EXIT
bench_start_runed
for i in $(seq 5); do "$rune" create namespace "bench-$i" >/dev/null; done
"$rune" get namespaces >/dev/null  # warm-up

wall=(); rpc=()
for _ in $(seq "$runs"); do
  start=$(date +%s%N)
  line="$("$rune" get namespaces -v 2>&1 >/dev/null | grep '^rpc NamespaceService.ListNamespaces')"
  end=$(date +%s%N)
  wall+=($(( (end - start) / 1000 )))
  rpc+=("$(sed -E 's/.* ([0-9]+)ms$/\1/' <<<"$line")")
done

echo "rune get namespaces, authenticated, $runs runs against runed on $addr (LMDB, 7 namespaces)"
echo "  whole command (ms): $(stats 1000 "${wall[@]}")"
echo "  RPC alone (ms):     $(stats 1 "${rpc[@]}")"
