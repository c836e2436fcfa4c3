#!/bin/bash
# TLS and mTLS on the gRPC listener with certificates made here by the
# openssl CLI: a TLS client with the right CA works; a plaintext client, a
# client trusting another CA, and (under mTLS) a client without a
# certificate fail with M01 "TLS handshake failed".
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


printf 'server:\n  tls:\n    enabled: true\n    cert_file: %s\n    key_file: %s\n' \
  "$work/server.crt" "$work/server.key" >tls.yaml
start_runed tls.yaml
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
stop_runed

printf '    ca_file: %s\n' "$work/ca.crt" >>tls.yaml
start_runed tls.yaml
"$rune" context set good --server "https://$addr" >/dev/null
expect "mTLS without a client certificate" 1 \
  "failed to connect to API server at $addr: TLS handshake failed" -- "$rune" version --server
"$rune" context set good --tls-cert client.crt --tls-key client.key >/dev/null
expect "mTLS with a client certificate" 0 'Status: +Authenticated' -- "$rune" whoami
stop_runed

printf 'server:\n  tls:\n    enabled: true\n    cert_file: %s/missing.crt\n    key_file: %s\n' \
  "$work" "$work/server.key" >broken.yaml
expect "unreadable certificate is fatal" 1 'server.tls.cert_file .*missing.crt: cannot read' -- \
  "$runed" --config broken.yaml --grpc-addr 127.0.0.1:0 --http-addr "" --data-dir "$work/data"
exit $((failures > 0))
