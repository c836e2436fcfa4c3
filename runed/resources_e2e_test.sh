#!/bin/bash
# The acceptance path of specs and resources, with real processes: a cast
# applied twice keeps generation 1, `get -o yaml` output casts back as a
# no-op, a secret value appears nowhere in the data directory (raw bytes,
# base64, strings(1) of the LMDB file), and a service other services require
# is only deleted with --force.
set -uo pipefail
source "$4"
init_process_test resources "$1" "$2" "$3"

start_runed
"$rune" admin bootstrap --out-file "$work/t" --api-server "$addr" >/dev/null
"$rune" login local --server "$addr" --token-file "$work/t" >/dev/null

cat >"$work/svc.yaml" <<'YAML'
service:
  name: web
  process:
    command: /bin/sleep
    args: ["3600"]
  scale: 1
  ports:
    - name: http
      port: 8080
  env:
    LOG_LEVEL: debug
    DB_PASSWORD: "{{ secret:db/password }}"
  dependencies:
    - db
---
services:
  - name: db
    process: {command: /bin/sleep, args: ["3600"]}
    scale: 1
    labels: {tier: data}
YAML
expect "first cast creates both services" 0 'service/default/web created \(generation 1\)' -- \
  "$rune" cast "$work/svc.yaml" --detach
expect "second cast is unchanged" 0 'service/default/web unchanged \(generation 1\)' -- \
  "$rune" cast "$work/svc.yaml" --detach
expect "generation stays 1" 0 '^web +process +[A-Za-z]+ +0/1 +- +1 ' -- "$rune" get services

"$rune" get services -o yaml >"$work/all.yaml" || fail "get services -o yaml"
expect "casting get -o yaml output is a no-op" 0 'service/default/db unchanged \(generation 1\)' -- \
  "$rune" cast "$work/all.yaml" --detach
out="$("$rune" cast "$work/all.yaml" --detach 2>/dev/null)"
if grep -qE 'created|updated' <<<"$out"; then fail "round trip changed something: $out"; else ok "round trip: nothing created or updated"; fi
"$rune" get services -o json >"$work/all.json" || fail "get services -o json"
expect "casting get -o json output is a no-op" 0 'service/default/web unchanged' -- \
  "$rune" cast "$work/all.json" --detach

value="pl41ntext-$(date +%s%N)-$RANDOM"
expect "create a secret" 0 '^secret/default/db created \(1 keys\)$' -- \
  "$rune" create secret db --from-literal "password=$value"
expect "the same data again is unchanged" 0 '^secret/default/db unchanged \(version 1\)$' -- \
  "$rune" create secret db --from-literal "password=$value" --replace
# The replacement comes from a file; both values are searched for below.
old="$value"; value="f1le-$value"
printf '%s' "$value" >"$work/value.txt"
expect "replace it from a file" 0 '^secret/default/db replaced \(version 2\)$' -- \
  "$rune" create secret db --from-file "password=$work/value.txt" --replace
expect "get secrets shows metadata only" 0 '^db +static +1 +2 ' -- "$rune" get secrets
if "$rune" get secrets db -o json | grep -qF -e "$value" -e "$old"; then fail "get secrets -o json shows the value"; else ok "get secrets -o json has no value"; fi
# Control: key names are metadata and stored in the clear, so the same search
# does find them.
grep -rqaF password "$work/data" && ok "the search finds plaintext metadata" || fail "search control"
b64="$(printf '%s' "$value" | base64 -w0)"; old64="$(printf '%s' "$old" | base64 -w0)"
if grep -rqaF -e "$value" -e "$b64" -e "$old" -e "$old64" "$work/data"; then
  fail "secret value found in the data directory"
else
  ok "grep -r finds the value nowhere in the data directory"
fi
mdb="$(find "$work/data" -name data.mdb | head -1)"
[[ -n "$mdb" ]] || fail "no LMDB data file"
if strings "$mdb" | grep -qF -e "$value" -e "$b64" -e "$old" -e "$old64"; then fail "strings finds the value in $mdb"; else ok "strings of the LMDB file has no value"; fi
if grep -qF -e "$value" -e "$old" "$work/runed.log"; then fail "value in the runed log"; else ok "value not logged"; fi

expect "deleting a required service is M10" 5 \
  'service "default/db" has dependents: default/web' -- "$rune" delete db
expect "M10 hint" 5 "Hint: list them with 'rune deps dependents db -n default' or re-run with --force" -- \
  "$rune" delete db
expect "deleting it with --force" 0 '^service/default/db deleted$' -- "$rune" delete db --force
expect "db is gone" 4 'service "db" not found in namespace "default"' -- "$rune" get services db

stop_runed && ok "clean shutdown" || fail "runed did not exit 0 after SIGTERM"
# The secret is still readable by runed after a restart (KEK file reused).
start_runed
"$rune" context set local --server "$addr" >/dev/null
expect "secret survives a restart" 0 '^db +static +1 +2 ' -- "$rune" get secrets
stop_runed || fail "second shutdown"
exit $((failures > 0))
