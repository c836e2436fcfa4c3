#!/bin/bash
# The acceptance path of the store and identity, with real processes:
# bootstrap, login, whoami, a second bootstrap (M19), a readonly token
# refused a create (M04), durability across kill -9, and the data
# directory lock.
set -uo pipefail
source "$4"
init_process_test identity "$1" "$2" "$3"

start_runed
expect "bootstrap writes the token" 0 'Token written to' -- \
  "$rune" admin bootstrap --out-file "$work/t" --api-server "$addr"
[[ "$(stat -c %a "$work/t")" == 600 ]] && ok "token file mode 0600" || fail "token file mode"
expect "login" 0 'authenticated as root' -- \
  "$rune" login local --server "$addr" --token-file "$work/t"
expect "whoami prints the root identity" 0 'Name: +root' -- "$rune" whoami
expect "second bootstrap is M19" 5 'server already bootstrapped: active tokens exist' -- \
  "$rune" admin bootstrap
"$rune" admin user create viewer --policy readonly >/dev/null
"$rune" admin token create ro --subject-name viewer --out-file "$work/ro" >/dev/null
expect "readonly token cannot create" 3 'access denied for resource: namespace verb: create' -- \
  "$rune" create namespace x --token-file "$work/ro"
expect "create namespace" 0 '^namespace/a created$' -- "$rune" create namespace a
kill -KILL "$pid"; wait "$pid" 2>/dev/null
start_runed
"$rune" context set local --server "$addr" >/dev/null
expect "namespace survives kill -9" 0 '^a +' -- "$rune" get namespaces
expect "token survives kill -9" 0 'Status: +Authenticated' -- "$rune" whoami
expect "second runed on the same data dir" 1 \
  "data directory $work/data is locked by another runed \\(pid $pid\\)" -- \
  "$runed" --config /dev/null --grpc-addr 127.0.0.1:0 --http-addr "" --data-dir "$work/data"
stop_runed && ok "clean shutdown" || fail "runed did not exit 0 after SIGTERM"
exit $((failures > 0))
