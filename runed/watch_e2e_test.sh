#!/bin/bash
# `rune get -w` against a real runed: the snapshot as ADDED rows, live
# ADDED/MODIFIED/DELETED rows laid out with the snapshot's column widths,
# NDJSON with -o json, namespaces, a reconnect after runed restarts (warning
# on stderr, only real changes printed afterwards; the services there have
# scale 0, so no instance changes their status meanwhile), and SIGINT ending
# the watch with exit 130 and nothing printed.
set -uo pipefail
source "$4"
init_process_test watch "$1" "$2" "$3"

# wait_for_line <file> <regex>: up to 20 s for a line matching regex.
wait_for_line() {
  for _ in $(seq 200); do grep -qE -- "$2" "$1" && return 0; sleep 0.1; done
  return 1
}
# check_line <what> <file> <regex>
check_line() {
  if wait_for_line "$2" "$3"; then ok "$1"; else fail "$1: no line matching '$3' in:"; sed 's/^/     /' "$2" >&2; fi
}
# interrupt <pid> <what>: SIGINT, then the exit code must be 130.
interrupt() {
  kill -INT "$1"; wait "$1"; local rc=$?
  [[ $rc -eq 130 ]] && ok "$2: SIGINT exits 130" || fail "$2: SIGINT exit $rc (want 130)"
}
service() {  # service <name> <scale> [label]
  printf 'service:\n  name: %s\n  process: {command: /bin/sleep, args: ["3600"]}\n  scale: %s\n  labels: {rev: "%s"}\n' \
    "$1" "$2" "${3:-a}" >"$work/$1.yaml"
  "$rune" cast "$work/$1.yaml" >/dev/null 2>&1 || fail "cast $1"
}

start_runed
"$rune" admin bootstrap --out-file "$work/t" --api-server "$addr" >/dev/null
"$rune" login local --server "$addr" --token-file "$work/t" >/dev/null
service api 0

# --- table mode -----------------------------------------------------------
"$rune" get services -w >"$work/table.out" 2>"$work/table.err" &
watcher=$!
check_line "snapshot header" "$work/table.out" '^EVENT +NAME +TYPE +STATUS +INSTANCES +EXTERNAL +GENERATION +AGE$'
check_line "snapshot row" "$work/table.out" '^ADDED +api +process '
service a-much-longer-name 0
check_line "live ADDED row" "$work/table.out" '^ADDED +a-much-longer-name +process '
service api 0 b
check_line "MODIFIED row" "$work/table.out" '^MODIFIED +api +process +[A-Za-z]+ +[0-9]+/[0-9]+ +- +2 '
# The MODIFIED row keeps the snapshot's widths: TYPE starts where the header's does.
header="$(grep '^EVENT' "$work/table.out")"
row="$(grep '^MODIFIED +api' -E "$work/table.out" | head -1)"
prefix="${header%%TYPE*}"; rowprefix="${row%%process*}"
[[ ${#prefix} -eq ${#rowprefix} ]] && ok "MODIFIED row aligned with the snapshot" ||
  fail "MODIFIED row not aligned: '$header' / '$row'"

# runed restarts on the same port: the watch reconnects and prints nothing
# for objects that did not change.
lines_before="$(wc -l <"$work/table.out")"
stop_runed || fail "runed did not stop cleanly"
"$runed" --config /dev/null --grpc-addr "$addr" --http-addr "" --data-dir "$work/data" \
  2>"$work/runed.log" &
pid=$!
"$wait_for" "$work/runed.log" grpc >/dev/null || fail "runed did not restart on $addr"
check_line "reconnect warning" "$work/table.err" '^Warning: watch stream interrupted; reconnecting$'
"$rune" delete a-much-longer-name --force >/dev/null || fail "delete"
check_line "DELETED row after the reconnect" "$work/table.out" '^DELETED +a-much-longer-name '
lines_after="$(wc -l <"$work/table.out")"
[[ $lines_after -eq $((lines_before + 1)) ]] && ok "only the real change printed after the reconnect" ||
  { fail "lines after the reconnect:"; tail -n +$((lines_before + 1)) "$work/table.out" >&2; }
interrupt "$watcher" "table watch"
if grep -q '^Error' "$work/table.err"; then fail "interrupted watch printed an error"; else ok "interrupt prints nothing"; fi

# --- JSON mode ------------------------------------------------------------
"$rune" get services -w -o json >"$work/json.out" 2>"$work/json.err" &
watcher=$!
check_line "NDJSON snapshot" "$work/json.out" '^\{"type":"ADDED","service":\{"name":"api",'
service api 2 b
check_line "NDJSON MODIFIED" "$work/json.out" '^\{"type":"MODIFIED","service":\{"name":"api",.*"scale":2'
interrupt "$watcher" "json watch"
[[ ! -s "$work/json.err" ]] && ok "JSON watch stderr empty" || fail "JSON watch stderr: $(cat "$work/json.err")"
grep -vqE '^\{.*\}$' "$work/json.out" && fail "a JSON line is not one compact object" || ok "one object per line"

# --- namespaces, -A and selectors -----------------------------------------
"$rune" get namespaces -w >"$work/ns.out" 2>&1 &
watcher=$!
check_line "namespace snapshot" "$work/ns.out" '^ADDED +system +'
"$rune" create namespace prod --label env=prod >/dev/null
check_line "namespace ADDED" "$work/ns.out" '^ADDED +prod +env=prod +'
"$rune" delete namespace prod >/dev/null
check_line "namespace DELETED" "$work/ns.out" '^DELETED +prod +'
interrupt "$watcher" "namespace watch"

"$rune" create namespace prod >/dev/null
"$rune" get services -A -w -l rev=b >"$work/all.out" 2>&1 &
watcher=$!
check_line "-A adds NAMESPACE" "$work/all.out" '^ADDED +default +api +'
printf 'service:\n  name: web\n  namespace: prod\n  process: {command: /bin/sleep}\n  scale: 0\n  labels: {rev: b}\n' >"$work/web.yaml"
"$rune" cast "$work/web.yaml" >/dev/null 2>&1
check_line "-A sees other namespaces" "$work/all.out" '^ADDED +prod +web +'
service other 0 c
sleep 1
grep -q ' other ' "$work/all.out" && fail "the selector let 'other' through" || ok "selector filters events"
interrupt "$watcher" "-A watch"

expect "a watch refused at the start reports the error" 3 'invalid bearer token' -- \
  "$rune" get services -w --token rune_0000000000000000.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA
stop_runed || fail "runed did not exit 0 after SIGTERM"
exit $((failures > 0))
