#!/bin/bash
# Time of `rune cast` of one multi-document file holding N services (default
# 100) against a real runed on loopback (LMDB store in a temp dir), as a user
# sees it (process start to exit): the first cast (every service created),
# a repeated cast (every service unchanged), and the offline `--dry-run`
# (parse and validate only). Each figure is the median of RUNS fresh runs.
#
#   tools/bench/cast_services.sh [services] [runs]     (defaults 100, 5)
#
# Builds //rune and //runed first.
set -euo pipefail
cd "$(dirname "$0")/../.."
n="${1:-100}"; runs="${2:-5}"
source tools/bench/lib.sh
bench_binaries
work="$(mktemp -d)"
pid=""
trap '[ -n "$pid" ] && { kill $pid 2>/dev/null; wait $pid 2>/dev/null; }; rm -rf "$work"' EXIT

# Services with ports, env, a probe, labels and a dependency on the previous
# one, so the validator, the cycle check and the topological order all work.
spec="$work/services.yaml"
for i in $(seq 0 $((n - 1))); do
  echo "---"
  echo "service:"
  echo "  name: svc-$i"
  echo "  labels: {app: bench, index: \"$i\"}"
  echo "  process: {command: /bin/sleep, args: [\"3600\"], workdir: /tmp}"
  echo "  scale: 1"
  echo "  ports: [{name: http, port: $((8000 + i))}]"
  echo "  env: {LOG_LEVEL: info, INDEX: \"$i\"}"
  echo "  health:"
  echo "    readiness: {type: tcp, port: http, intervalSeconds: 5}"
  if (( i > 0 )); then echo "  dependencies: [svc-$((i - 1))]"; fi
done >"$spec"

ms() { echo $(( ($2 - $1) / 1000000 )); }
median() { printf '%s\n' "$@" | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

create=(); unchanged=(); dry=()
for r in $(seq "$runs"); do
  rm -rf "$work/data" "$work/runed.log"
  bench_start_runed

  t0=$(date +%s%N); "$rune" cast "$spec" --detach >"$work/out1"; t1=$(date +%s%N)
  "$rune" cast "$spec" --detach >"$work/out2"; t2=$(date +%s%N)
  "$rune" cast "$spec" --dry-run >/dev/null; t3=$(date +%s%N)
  [[ "$(grep -c ' created (generation 1)$' "$work/out1")" == "$n" ]] || { echo "first cast did not create $n services" >&2; exit 1; }
  [[ "$(grep -c ' unchanged (generation 1)$' "$work/out2")" == "$n" ]] || { echo "second cast was not a no-op" >&2; exit 1; }
  create+=("$(ms "$t0" "$t1")"); unchanged+=("$(ms "$t1" "$t2")"); dry+=("$(ms "$t2" "$t3")")
  kill -TERM "$pid"; wait "$pid" || true; pid=""
done

echo "rune cast of one file with $n services ($(wc -c <"$spec") bytes), median of $runs runs, runed on loopback (LMDB)"
echo "  first cast (all created):     $(median "${create[@]}") ms   runs: ${create[*]}"
echo "  second cast (all unchanged):  $(median "${unchanged[@]}") ms   runs: ${unchanged[*]}"
echo "  --dry-run (offline validate): $(median "${dry[@]}") ms   runs: ${dry[*]}"
