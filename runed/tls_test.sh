#!/bin/bash
# TLS and mTLS on both listeners with certificates made here by the openssl
# CLI. gRPC: a TLS client with the right CA works; a plaintext client, a
# client trusting another CA, and (under mTLS) a client without a
# certificate fail with M01 "TLS handshake failed". HTTP, with curl: HTTPS
# /healthz and /v1/namespaces work; plain HTTP to the TLS port and a client
# trusting another CA fail (the first logged at debug level); under mTLS
# curl without a client certificate fails and with one succeeds.
set -uo pipefail
source "$4"
init_process_test tls "$1" "$2" "$3"
cd "$work"
key() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null; }
key ca.key && openssl req -x509 -new -key ca.key -out ca.crt -days 2 -subj /CN=rune-test-ca
key other.key && openssl req -x509 -new -key other.key -out other.crt -days 2 -subj /CN=other-ca
key server.key && openssl req -new -key server.key -out server.csr -subj /CN=runed
printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\n' >san.ext
openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial -out server.crt \
  -days 2 -extfile san.ext 2>/dev/null
key client.key && openssl req -new -key client.key -out client.csr -subj /CN=client
openssl x509 -req -in client.csr -CA ca.crt -CAkey ca.key -CAcreateserial -out client.crt \
  -days 2 2>/dev/null
[[ -s server.crt && -s client.crt ]] || { echo "FAIL certificate generation" >&2; exit 1; }

# start_tls_runed <runefile>: like start_runed, with the HTTP listener on
# 127.0.0.1:0 (its address in $http) and debug logging.
start_tls_runed() {
  "$runed" --config "$1" --grpc-addr 127.0.0.1:0 --http-addr 127.0.0.1:0 --log-level debug \
    --data-dir "$work/data" --stop-instances-on-exit 2>"$work/runed.log" &
  pid=$!
  addr="$("$wait_for" "$work/runed.log" grpc)" || { cat "$work/runed.log" >&2; exit 1; }
  http="$("$wait_for" "$work/runed.log" http)" || { cat "$work/runed.log" >&2; exit 1; }
}
# https <what> <want code> <body regex> <path> [curl args…]: GET over HTTPS
# trusting ca.crt; passes when curl succeeds with that status and body.
https() {
  local what="$1" want="$2" pattern="$3" path="$4"; shift 4
  local out; out="$(curl -sS --max-time 10 --cacert ca.crt -w '\n%{http_code}' "$@" \
    "https://$http$path" 2>&1)"
  local rc=$? code="${out##*$'\n'}"
  if [[ $rc -ne 0 || "$code" != "$want" ]] || ! grep -qE -- "$pattern" <<<"${out%$'\n'*}"; then
    fail "$what: curl exit $rc, status $code, output:"; echo "$out" | sed 's/^/     /' >&2
  else
    ok "$what"
  fi
}
# refused <what> <curl args…>: curl must fail (no HTTP status at all).
refused() {
  local what="$1"; shift
  local out; out="$(curl -sS --max-time 10 -o /dev/null -w '\n%{http_code}' "$@" 2>&1)"
  local rc=$?
  if [[ $rc -eq 0 || "${out##*$'\n'}" != 000 ]]; then
    fail "$what: curl exit $rc, output: $out"
  else
    ok "$what"
  fi
}
# healthy: waits (up to 10 s) for /healthz to answer 200 over HTTPS.
healthy() {
  for _ in $(seq 100); do
    local code
    code="$(curl -s --cacert ca.crt -o /dev/null -w '%{http_code}' "$@" "https://$http/healthz")"
    [[ "$code" == 200 ]] && return 0
    sleep 0.1
  done
  return 1
}


printf 'server:\n  tls:\n    enabled: true\n    cert_file: %s\n    key_file: %s\n' \
  "$work/server.crt" "$work/server.key" >tls.yaml
start_tls_runed tls.yaml
grep -q 'tls=true' runed.log && ok "runed reports tls=true" || fail "listening line lacks tls=true"
"$rune" context set good --server "https://$addr" --tls-ca ca.crt >/dev/null
"$rune" context set wrong --server "https://$addr" --tls-ca other.crt >/dev/null
expect "TLS client with the right CA" 0 '^Server: Rune ' -- "$rune" version --server
expect "bootstrap over TLS" 0 'Token written' -- "$rune" admin bootstrap --out-file t
"$rune" context set good --token-file t >/dev/null
expect "authenticated call over TLS" 0 'Status: +Authenticated' -- "$rune" whoami
expect "plaintext client" 1 "failed to connect to API server at $addr: TLS handshake failed" -- \
  env RUNE_CLI_CONFIG="$work/none.yaml" "$rune" version --server --api-server "$addr"
expect "client trusting another CA" 1 \
  "failed to connect to API server at $addr: TLS handshake failed" -- \
  env RUNE_CONTEXT=wrong "$rune" version --server
healthy || fail "HTTPS /healthz never turned 200"
https "HTTPS /healthz" 200 '"status":"ok"' /healthz
https "HTTPS /v1/namespaces with a token" 200 '"name":"default"' /v1/namespaces \
  -H "Authorization: Bearer $(cat t)"
https "HTTPS /v1/namespaces without a token" 401 '"code":"Unauthenticated"' /v1/namespaces
refused "plain HTTP to the TLS port" "http://$http/healthz"
grep -q 'msg="http tls handshake failed".*error=HTTP_REQUEST' runed.log &&
  ok "plain HTTP logged at debug" || fail "no debug line for the plain HTTP client"
refused "HTTPS client trusting another CA" --cacert other.crt "https://$http/healthz"
stop_runed

printf '    ca_file: %s\n' "$work/ca.crt" >>tls.yaml
start_tls_runed tls.yaml
"$rune" context set good --server "https://$addr" >/dev/null
expect "mTLS without a client certificate" 1 \
  "failed to connect to API server at $addr: TLS handshake failed" -- "$rune" version --server
"$rune" context set good --tls-cert client.crt --tls-key client.key >/dev/null
expect "mTLS with a client certificate" 0 'Status: +Authenticated' -- "$rune" whoami
healthy --cert client.crt --key client.key || fail "mTLS /healthz never turned 200"
refused "HTTPS under mTLS without a client certificate" --cacert ca.crt "https://$http/healthz"
refused "HTTPS under mTLS with another CA's certificate" --cacert ca.crt --cert other.crt \
  --key other.key "https://$http/healthz"
https "HTTPS under mTLS with a client certificate" 200 '"name":"default"' /v1/namespaces \
  --cert client.crt --key client.key -H "Authorization: Bearer $(cat t)"
stop_runed

printf 'server:\n  tls:\n    enabled: true\n    cert_file: %s/missing.crt\n    key_file: %s\n' \
  "$work" "$work/server.key" >broken.yaml
expect "unreadable certificate is fatal" 1 'server.tls.cert_file .*missing.crt: cannot read' -- \
  "$runed" --config broken.yaml --grpc-addr 127.0.0.1:0 --http-addr "" --data-dir "$work/data"
printf 'server:\n  tls:\n    enabled: true\n    cert_file: %s\n    key_file: %s\n' \
  "$work/server.crt" "$work/other.key" >mismatch.yaml
expect "a key that does not match the certificate is fatal" 1 \
  'server.tls.key_file .*other.key: does not match server.tls.cert_file .*server.crt' -- \
  "$runed" --config mismatch.yaml --grpc-addr 127.0.0.1:0 --http-addr 127.0.0.1:0 \
  --data-dir "$work/data"
exit $((failures > 0))
