#!/bin/bash
# The REST read gateway (SPEC §5.4) of a real runed, with curl: a
# bootstrapped token, a cast process service printing lines, a secret, a
# configmap and a service in a second namespace; 200 bodies of every read
# endpoint, 401 without and with a bad token, 403 for a token whose policy
# lacks the verb, 404 JSON whose request ID is the header's and the logged
# RPC's, 405, unknown paths, bad query values, `_all`, no CORS headers, and
# logs as server-sent events: history, a follow that ends (server side too)
# when curl disconnects, and a follow ended by runed's shutdown.
set -uo pipefail
source "$4"
init_process_test rest "$1" "$2" "$3"

"$runed" --config /dev/null --grpc-addr 127.0.0.1:0 --http-addr 127.0.0.1:0 --log-level debug \
  --data-dir "$work/data" --stop-instances-on-exit 2>"$work/runed.log" &
pid=$!
addr="$("$wait_for" "$work/runed.log" grpc)" || { cat "$work/runed.log" >&2; exit 1; }
http="$("$wait_for" "$work/runed.log" http)" || { cat "$work/runed.log" >&2; exit 1; }
"$rune" admin bootstrap --out-file "$work/t" --api-server "$addr" >/dev/null
"$rune" login local --server "$addr" --token-file "$work/t" >/dev/null
root=(-H "Authorization: Bearer $(cat "$work/t")")

cat >"$work/web.yaml" <<'YAML'
service:
  name: web
  labels: {app: web}
  process:
    command: /bin/sh
    args: ["-c", "i=0; while true; do echo \"line $i from $RUNE_INSTANCE_NAME\"; i=$((i+1)); sleep 0.3; done"]
  scale: 1
YAML
cat >"$work/db.yaml" <<'YAML'
service:
  name: db
  namespace: other
  labels: {app: db}
  process: {command: /bin/sleep, args: ["3600"]}
  scale: 0
YAML
expect "cast web" 0 'service/default/web ready \(1/1 instances\)' -- \
  "$rune" cast "$work/web.yaml" --timeout 60s
expect "cast db in namespace other" 0 'service/other/db' -- \
  "$rune" cast "$work/db.yaml" --create-namespace --timeout 60s
"$rune" create secret db --from-literal password=hunter2 >/dev/null || fail "create secret"
"$rune" create configmap app --from-literal LOG_LEVEL=debug >/dev/null || fail "create configmap"
sleep 1  # a few log lines

# req <path> [curl args…]: GET http://$http<path>; sets $code, $body and
# $rid (the X-Rune-Request-Id header). No response may carry CORS headers.
req() {
  local path="$1"; shift
  code="$(curl -sS -o "$work/body" -D "$work/headers" -w '%{http_code}' "$@" "http://$http$path")"
  body="$(cat "$work/body")"
  rid="$(tr -d '\r' <"$work/headers" | sed -n 's/^[Xx]-[Rr]une-[Rr]equest-[Ii]d: //p')"
  if grep -qi '^access-control-' "$work/headers"; then fail "CORS header on $path"; fi
}
# check <what> <want code> <body regex> <path> [curl args…]
check() {
  local what="$1" want="$2" pattern="$3"; shift 3
  req "$@"
  if [[ "$code" != "$want" ]] || ! grep -qE -- "$pattern" <<<"$body"; then
    fail "$what: HTTP $code (want $want), body: $body"
  elif ! [[ "$rid" =~ ^[0-9a-f]{16}$ ]]; then
    fail "$what: request ID header '$rid'"
  else
    ok "$what"
  fi
}
# check_error <what> <code> <json code> <message> <path> [curl args…]:
# the exact error body, with the header's request ID.
check_error() {
  local what="$1" want="$2" name="$3" message="$4"; shift 4
  req "$@"
  local expected="{\"code\":\"$name\",\"message\":\"$message\",\"request_id\":\"$rid\"}"
  if [[ "$code" != "$want" || "$body" != "$expected" ]] || ! [[ "$rid" =~ ^[0-9a-f]{16}$ ]]; then
    fail "$what: HTTP $code (want $want), body: $body (want $expected)"
  else
    ok "$what"
  fi
}

check "namespaces" 200 '"namespaces":\[.*"name":"default".*"name":"other"' /v1/namespaces "${root[@]}"
check "namespace" 200 '^\{"namespace":\{"name":"default"' /v1/namespaces/default "${root[@]}"
check "services" 200 '^\{"services":\[\{"spec":\{"name":"web","namespace":"default"' \
  /v1/namespaces/default/services "${root[@]}"
check "services of every namespace" 200 '"name":"db","namespace":"other"' \
  /v1/namespaces/_all/services "${root[@]}"
grep -q '"name":"web","namespace":"default"' <<<"$body" && ok "_all has default's too" || fail "_all: $body"
check "services by a percent-encoded selector" 200 '"name":"db"' \
  '/v1/namespaces/_all/services?selector=app%3Ddb' "${root[@]}"
grep -q '"name":"web"' <<<"$body" && fail "selector app=db listed web" || ok "selector left web out"
check "service" 200 '^\{"service":\{"spec":\{"name":"web".*"status":\{"phase":"RUNNING"' \
  /v1/namespaces/default/services/web "${root[@]}"
check "history" 200 '"entries":\[\{"generation":"1".*"currentGeneration":"1"' \
  /v1/namespaces/default/services/web/history "${root[@]}"
check "dependents (none)" 200 '^\{\}$' /v1/namespaces/default/services/web/dependents "${root[@]}"
check "instances of a service" 200 '^\{"instances":\[\{"id":"web-instance-[0-9a-f]{8}","name":"web-0"' \
  '/v1/namespaces/default/instances?service=web' "${root[@]}"
instance="$(grep -oE 'web-instance-[0-9a-f]{8}' <<<"$body" | head -1)"
check "instance" 200 "^\\{\"instance\":\\{\"id\":\"$instance\"" "/v1/namespaces/default/instances/$instance" "${root[@]}"
check "secrets" 200 '^\{"secrets":\[\{"name":"db".*"keys":\["password"\]' /v1/namespaces/default/secrets "${root[@]}"
check "secret (metadata only)" 200 '^\{"secret":\{"name":"db"' /v1/namespaces/default/secrets/db "${root[@]}"
if grep -qE 'hunter2|aHVudGVyMg' "$work/body"; then fail "secret value in the reply"; else ok "no secret value"; fi
check "configmaps" 200 '^\{"configmaps":\[\{"name":"app"' /v1/namespaces/default/configmaps "${root[@]}"
check "configmap" 200 '"data":\{"LOG_LEVEL":"debug"\}' /v1/namespaces/default/configmaps/app "${root[@]}"
check "service health" 200 '^\{"kind":"SERVICE","service":\{"namespace":"default","name":"web"' \
  /v1/namespaces/default/health/services/web "${root[@]}"
check "instance health" 200 "^\\{\"kind\":\"INSTANCE\",\"instance\":\\{\"namespace\":\"default\",\"id\":\"$instance\"" \
  "/v1/namespaces/default/health/instances/$instance" "${root[@]}"
check "node health" 200 '^\{"kind":"NODE","node":\{"name":"local"' /v1/health/node "${root[@]}"
check "whoami" 200 '^\{"subjectId":"[0-9a-f]{16}","name":"root".*"policies":\["root"\]' /v1/auth/whoami "${root[@]}"
check "healthz without a token" 200 '^\{"status":"ok"\}$' /healthz
check "version without a token" 200 '^\{"version":"' /v1/version

check_error "no token" 401 Unauthenticated "missing bearer token" /v1/namespaces
grep -qi '^WWW-Authenticate: Bearer' "$work/headers" && ok "401 names the Bearer scheme" || fail "no WWW-Authenticate"
check_error "bad token" 401 Unauthenticated "invalid bearer token" /v1/namespaces \
  -H "Authorization: Bearer rune_0123456789abcdef.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"

cat >"$work/getter.yaml" <<'YAML'
name: svc-getter
rules:
  - resource: service
    verbs: [get]
    namespace: default
YAML
"$rune" admin policy create -f "$work/getter.yaml" >/dev/null || fail "policy create"
"$rune" admin user create getter --policy svc-getter >/dev/null || fail "user create"
"$rune" admin token create g --subject-name getter --out-file "$work/g" >/dev/null || fail "token create"
getter=(-H "Authorization: Bearer $(cat "$work/g")")
check "a get the policy allows" 200 '"name":"web"' /v1/namespaces/default/services/web "${getter[@]}"
check_error "a list it does not" 403 PermissionDenied "access denied for resource: service verb: list" \
  /v1/namespaces/default/services "${getter[@]}"
check_error "logs it does not" 403 PermissionDenied "access denied for resource: service verb: watch" \
  /v1/namespaces/default/logs/web "${getter[@]}"

check_error "missing service" 404 NotFound 'service \"nope\" not found in namespace \"default\"' \
  /v1/namespaces/default/services/nope "${root[@]}"
if grep -E "msg=\"?rpc\"? .*method=/rune.api.ServiceService/GetService code=NotFound request_id=$rid subject=root peer=ipv4:127.0.0.1:[0-9]+ " \
  "$work/runed.log" >/dev/null; then
  ok "the request ID is the logged RPC's, with curl's address as the peer"
else
  fail "no rpc log line with request_id=$rid"; grep 'msg=.*rpc' "$work/runed.log" | tail -3 >&2
fi
grep -qE "msg=\"?http\"? method=GET path=/v1/namespaces/default/services/nope status=404 request_id=$rid " \
  "$work/runed.log" && ok "http log line" || fail "no http log line for $rid"
check_error "unknown path" 404 NotFound "no route for /v1/nope" /v1/nope "${root[@]}"
check_error "POST" 405 Unimplemented "method POST is not allowed on /v1/namespaces; use GET" \
  /v1/namespaces "${root[@]}" -X POST
tr -d '\r' <"$work/headers" | grep -q '^Allow: GET$' && ok "405 says Allow: GET" || fail "no Allow header"
check_error "DELETE" 405 Unimplemented \
  "method DELETE is not allowed on /v1/namespaces/default/services/web; use GET" \
  /v1/namespaces/default/services/web "${root[@]}" -X DELETE
check "the service is still there" 200 '"name":"web"' /v1/namespaces/default/services/web "${root[@]}"
check_error "tail=abc" 400 InvalidArgument \
  'invalid value \"abc\" for query parameter \"tail\": not an integer' \
  '/v1/namespaces/default/logs/web?tail=abc' "${root[@]}"
check_error "bad since" 400 InvalidArgument \
  'invalid value \"2 days\" for query parameter \"since\": invalid duration or RFC 3339 time' \
  '/v1/namespaces/default/logs/web?since=2%20days' "${root[@]}"
check_error "unknown log target" 404 NotFound 'service or instance \"nope\" not found in namespace \"default\"' \
  /v1/namespaces/default/logs/nope "${root[@]}"

# Log history as server-sent events.
curl -sS -N -D "$work/headers" "${root[@]}" "http://$http/v1/namespaces/default/logs/web?tail=3" >"$work/sse"
out="$(cat "$work/sse")"
tr -d '\r' <"$work/headers" | grep -q '^Content-Type: text/event-stream$' && ok "logs are text/event-stream" \
  || fail "logs content type: $(cat "$work/headers")"
events="$(grep -c '^data: {"timestamp":"[0-9T:.-]*Z","namespace":"default","service":"web","instanceId":"web-instance-[0-9a-f]\{8\}","instanceName":"web-0","stream":"STDOUT","content":"[A-Za-z0-9+/=]*"}$' <<<"$out")"
blank="$(grep -c '^$' "$work/sse")"  # each event ends with an empty line
[[ "$events" == 3 && "$blank" == 3 ]] && ok "tail=3: three data events" || fail "tail=3 events: $out"
decoded="$(sed -n 's/.*"content":"\([^"]*\)".*/\1/p' <<<"$out" | while read -r c; do base64 -d <<<"$c"; echo; done)"
if [[ "$(grep -cE '^line [0-9]+ from web-0$' <<<"$decoded")" == 3 ]]; then ok "contents are the lines"; else fail "decoded: $decoded"; fi
out="$(curl -sS -N "${root[@]}" "http://$http/v1/namespaces/default/logs/service%2Fweb?tail=1&grep=from%20web")"
[[ "$(grep -c '^data: ' <<<"$out")" == 1 ]] && ok "typed target, percent-encoded grep" || fail "typed target: $out"

# A follow streams until curl leaves; runed then ends the call.
out="$(curl -sS -N --max-time 3 "${root[@]}" "http://$http/v1/namespaces/default/logs/web?follow=true&tail=1")"
code=$?
n="$(grep -c '^data: ' <<<"$out")"
[[ $code == 28 && $n -ge 3 ]] && ok "follow streams new lines ($n events in 3s)" || fail "follow: exit $code, $n events"
for _ in $(seq 50); do
  grep -qE 'method=/rune.api.LogService/StreamLogs code=Cancelled' "$work/runed.log" && break
  sleep 0.1
done
grep -qE 'method=/rune.api.LogService/StreamLogs code=Cancelled' "$work/runed.log" \
  && ok "the disconnect cancelled the StreamLogs call" || fail "no cancelled StreamLogs in the log"

# A follow open while runed shuts down ends with an error event.
curl -sS -N "${root[@]}" "http://$http/v1/namespaces/default/logs/web?follow&tail=0" >"$work/sse" 2>&1 &
curl_pid=$!
for _ in $(seq 50); do grep -q '^data: ' "$work/sse" && break; sleep 0.1; done
stop_runed && ok "runed stops cleanly with a follow open" || fail "runed did not exit 0"
wait "$curl_pid"; curl_code=$?
if [[ $curl_code == 0 ]] && tail -3 "$work/sse" | grep -qE '^data: \{"code":"Unavailable","message":"server is shutting down","request_id":"[0-9a-f]{16}"\}$' \
  && grep -q '^event: error$' "$work/sse"; then
  ok "shutdown ends the follow with an error event"
else
  fail "follow at shutdown: curl exit $curl_code, tail: $(tail -4 "$work/sse")"
fi
exit $((failures > 0))
