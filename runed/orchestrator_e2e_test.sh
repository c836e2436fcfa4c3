#!/bin/bash
# The acceptance path of the orchestrator and the process runner, with real
# processes: cast waits until both instances of a line-printing service are
# ready, logs show both, scale to 5, `kill -9 runed` leaves the instances
# running and a restarted runed re-adopts them with no gap in their logs,
# exec passes exit codes through (3, 137) and times out with 124, a crashing
# service is restarted with backoff, a failing liveness probe restarts its
# instance, a dependent starts only once its
# dependency is healthy, and stop / restart / rollback / delete wait for
# their instances.
set -uo pipefail
source "$4"
init_process_test orchestrator "$1" "$2" "$3"

start_runed
"$rune" admin bootstrap --out-file "$work/t" --api-server "$addr" >/dev/null
"$rune" login local --server "$addr" --token-file "$work/t" >/dev/null

cat >"$work/echo.yaml" <<'YAML'
service:
  name: echo
  process:
    command: /bin/sh
    args: ["-c", "i=0; while true; do echo \"line $i from $RUNE_INSTANCE_NAME\"; i=$((i+1)); sleep 1; done"]
  scale: 2
YAML
expect "cast waits until both instances are ready" 0 'service/default/echo ready \(2/2 instances\)' -- \
  "$rune" cast "$work/echo.yaml" --timeout 60s
sleep 2
logs="$("$rune" logs echo --tail 5 2>&1)"
if grep -q '^\[echo-0\] line' <<<"$logs" && grep -q '^\[echo-1\] line' <<<"$logs"; then
  ok "logs --tail 5 shows lines of both instances"
else
  fail "logs --tail 5: $logs"
fi
expect "scale to 5 waits for 5 ready instances" 0 'service/default/echo ready \(5/5 instances\)' -- \
  "$rune" scale echo 5 --timeout 60s
running="$("$rune" get instances --no-headers 2>&1 | grep -c ' Running ')"
[ "$running" = 5 ] && ok "5 instances Running" || fail "running instances: $running"

ids_before="$("$rune" get instances -o json | grep -o '"id": *"[^"]*"' | sort)"
kill -KILL "$pid"; wait "$pid" 2>/dev/null; pid=""
sleep 3
start_runed
"$rune" login local --server "$addr" --token-file "$work/t" >/dev/null
ids_after="$("$rune" get instances -o json | grep -o '"id": *"[^"]*"' | sort)"
[ "$ids_before" = "$ids_after" ] && ok "same instance IDs after kill -9 and restart" \
  || fail "instance IDs changed: before [$ids_before] after [$ids_after]"
running="$("$rune" get instances --no-headers 2>&1 | grep -c ' Running ')"
[ "$running" = 5 ] && ok "still 5 Running after restart" || fail "running after restart: $running"
# Lines are printed every second per instance: no number may be missing.
gap="$("$rune" logs instance/echo-0 --tail -1 | sed -n 's/^line \([0-9]*\) from.*/\1/p' |
  awk 'NR > 1 && $1 != prev + 1 { print "gap after " prev } { prev = $1 }')"
[ -z "$gap" ] && ok "echo-0's log has no gap across the runed crash" || fail "log gap: $gap"

expect "exec passes exit code 3 through" 3 '' -- "$rune" exec echo -- sh -c 'exit 3'
expect "exec passes exit code 0 through" 0 '^ok$' -- "$rune" exec echo -- echo ok
expect "exec of a SIGKILLed command exits 137" 137 '' -- "$rune" exec echo -- sh -c 'kill -9 $$'
expect "exec --timeout exits 124" 124 'Error: command timed out after 1s' -- \
  "$rune" exec echo --timeout 1s -- sleep 10
expect "exec sees the instance environment" 0 'echo-0' -- \
  "$rune" exec instance/echo-0 -- sh -c 'echo $RUNE_INSTANCE_NAME'

cat >"$work/crash.yaml" <<'YAML'
service:
  name: crash
  process: {command: /bin/sh, args: ["-c", "echo starting; exit 2"]}
  scale: 1
YAML
"$rune" cast "$work/crash.yaml" --detach >/dev/null
sleep 3
expect "a crashing instance waits in backoff" 0 'Failed' -- "$rune" get instances --service crash
expect "the service says why and when it restarts" 0 'restarting in 10s \(restart 1\)' -- \
  "$rune" get services crash -o yaml

cat >"$work/live.yaml" <<'YAML'
service:
  name: live
  process: {command: /bin/sleep, args: ["3600"]}
  scale: 1
  health:
    liveness: {type: exec, command: ["/bin/false"], intervalSeconds: 1, failureThreshold: 2}
YAML
"$rune" cast "$work/live.yaml" --detach >/dev/null
sleep 5
expect "a failing liveness probe restarts the instance" 0 'liveness probe failed 2 times' -- \
  "$rune" get services live -o yaml
"$rune" delete live --timeout 60s >/dev/null

cat >"$work/deps.yaml" <<'YAML'
services:
  - name: db
    process: {command: /bin/sh, args: ["-c", "sleep 4; touch /tmp/rune-e2e-db-$RUNE_INSTANCE_ID; sleep 3600"]}
    scale: 1
    health:
      readiness: {type: exec, command: ["/bin/sh", "-c", "test -e /tmp/rune-e2e-db-$RUNE_INSTANCE_ID"], intervalSeconds: 1}
  - name: web
    process: {command: /bin/sleep, args: ["3600"]}
    scale: 1
    dependencies:
      - {service: db, readyWhen: healthy}
YAML
"$rune" cast "$work/deps.yaml" --detach >/dev/null
sleep 2
web_early="$("$rune" get instances --service web --no-headers 2>&1)"
[ -z "$(grep ' Running ' <<<"$web_early")" ] && ok "web does not start before db is healthy" \
  || fail "web started early: $web_early"
expect "cast waits for both once db is healthy" 0 'service/default/web ready \(1/1 instances\)' -- \
  "$rune" cast "$work/deps.yaml" --timeout 60s
rm -f /tmp/rune-e2e-db-*

expect "stop waits until the instances are gone" 0 'service/default/echo stopped' -- \
  "$rune" stop echo --timeout 60s
expect "restart of a stopped service is M25" 5 'is stopped \(scale 0\)' -- "$rune" restart echo
expect "scale back up" 0 'ready \(2/2 instances\)' -- "$rune" scale echo 2 --timeout 60s
expect "restart replaces every instance" 0 'service/default/echo restarted \(2/2 instances ready\)' -- \
  "$rune" restart echo --timeout 60s
sed 's/line \$i/row $i/' "$work/echo.yaml" >"$work/echo2.yaml"
expect "a spec change rolls out" 0 'ready \(2/2 instances\)' -- "$rune" cast "$work/echo2.yaml" --timeout 60s
expect "rollback restores generation 1" 0 'rolled back to generation 1' -- \
  "$rune" rollback echo --timeout 60s
expect "delete waits for the instances to stop" 0 'deleted' -- "$rune" delete echo --timeout 60s
expect "no instance of echo is left" 0 '' -- "$rune" get instances --service echo

stop_runed || fail "runed exit status"
exit $((failures > 0))
