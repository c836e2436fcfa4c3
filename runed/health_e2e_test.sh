#!/bin/bash
# `rune health` and `rune status` against a real runed running a real process
# service with an exec liveness probe and an HTTP readiness probe on a named
# port: the service and instance rows, the --checks blocks with results, the
# node table and the keys of `health node -o json` (values vary, so only
# their shape is checked), and a liveness failure reported in the message.
set -uo pipefail
source "$4"
init_process_test health "$1" "$2" "$3"

# No Docker engine answers on this socket: the node is Degraded.
printf 'docker:\n  socket: /nonexistent/docker.sock\n' >"$work/runefile.yaml"
start_runed "$work/runefile.yaml"
"$rune" admin bootstrap --out-file "$work/t" --api-server "$addr" >/dev/null
"$rune" login local --server "$addr" --token-file "$work/t" >/dev/null

port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
cat >"$work/web.yaml" <<EOF
service:
  name: web
  process:
    command: /usr/bin/python3
    args: ["-m", "http.server", "--bind", "127.0.0.1", "$port"]
  scale: 1
  ports:
    - name: http
      port: $port
  health:
    liveness:
      type: exec
      command: ["/bin/true"]
      intervalSeconds: 1
    readiness:
      type: http
      port: http
      path: /
      intervalSeconds: 1
EOF
expect "cast waits until the readiness probe passes" 0 'service/default/web ready \(1/1 instances\)' \
  -- "$rune" cast "$work/web.yaml" --timeout 60s
sleep 2  # a few more probe runs

out="$("$rune" health web --checks 2>&1)"
check() {  # check <what> <regex>: a line of $out matches
  if grep -qE -- "$2" <<<"$out"; then ok "$1"; else fail "$1: no line matching '$2' in:"; sed 's/^/     /' <<<"$out" >&2; fi
}
check "service row" '^web +Healthy +1/1 +0 +[0-9]+s$'
check "instance heading" '^Instance web-0 \(web-instance-[0-9a-f]{8}\):$'
check "liveness probe" '^  Probe: liveness exec /bin/true$'
check "readiness probe on the resolved port" "^  Probe: readiness http GET / on :$port\$"
check "settings line" '^    intervalSeconds: 1  timeoutSeconds: 1  failureThreshold: 3  successThreshold: 1$'
check "last result" '^    Last result: success at [0-9T:-]+Z \(latency [0-9.]+(ms|us|s)\)$'
check "recent results" '^    Recent: \[(✓|✗)( (✓|✗))* ✓\]$'

out="$("$rune" health web-0 2>&1)"
check "instance row" '^web-0 +Healthy +1/1 +0 +[0-9]+s$'
out="$("$rune" status 2>&1)"
check "status row" '^web +Running +1/1$'

out="$("$rune" health node 2>&1)"
check "node header" '^NAME +STATUS +CPU +MEMORY +UPTIME$'
check "node row" '^local +Degraded +[0-9]+\.[0-9]{3} +[0-9]+\.[0-9](Mi|Gi) +[0-9hms]+$'
out="$("$rune" health -o json 2>&1)"
for key in '"kind": "NODE"' '"name": "local"' '"status": "DEGRADED"' '"cpuCount": [0-9]+' \
  '"memoryBytes": "[0-9]+"' '"memoryTotalBytes": "[0-9]+"' '"uptime": "[0-9.]+s"' \
  '"startedAt": "[0-9T:.-]+Z"' '"name": "docker"' "\"message\": \"cannot connect to /nonexistent/docker.sock: no such file or directory\"" \
  '"name": "process"' '"available": true'; do
  check "node JSON has $key" "^ +$key,?\$"
done

# A liveness probe that never passes: the instance fails and its message says why.
cat >"$work/bad.yaml" <<EOF
service:
  name: bad
  process: {command: /bin/sleep, args: ["3600"]}
  scale: 1
  health:
    liveness: {type: tcp, port: 1, intervalSeconds: 1, failureThreshold: 2}
EOF
"$rune" cast "$work/bad.yaml" --detach >/dev/null || fail "cast bad"
for _ in $(seq 100); do
  out="$("$rune" health bad -o yaml 2>&1)"
  grep -q 'liveness probe failed 2 times' <<<"$out" && break
  sleep 0.1
done
check "liveness failure in the service message" \
  '^  message: "?liveness probe failed 2 times: dial tcp 127.0.0.1:1: connection refused'
out="$("$rune" health bad 2>&1)"
check "failing service row" '^bad +Unhealthy +0/1 +[0-9]+ +[0-9]+s$'

stop_runed || fail "runed did not stop cleanly"
exit $((failures > 0))
