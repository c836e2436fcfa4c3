#!/bin/bash
# runed as a process: usage errors (exit 2), fatal configuration errors
# (exit 1), serving, SIGHUP ignored, clean SIGTERM shutdown (exit 0), busy port,
# gRPC server reflection only with server.reflection: true.
set -uo pipefail
runed="$(realpath "$1")"; wait_for="$(realpath "$2")"; reflection_list="$(realpath "$3")"
work="$(mktemp -d "${TEST_TMPDIR:-/tmp}/daemon.XXXXXX")"
failures=0
check() {  # check <description> <expected exit> <actual exit> <pattern> <output>
  if [ "$2" != "$3" ] || ! grep -Eq -- "$4" <<<"$5"; then
    echo "FAIL $1: exit $3 (want $2), output:" >&2
    printf '%s\n' "$5" | sed 's/^/    /' >&2
    failures=$((failures + 1))
  else
    echo "ok   $1"
  fi
}

out="$("$runed" --bogus 2>&1)"; code=$?
check "unknown flag" 2 $code $'^Error: unknown flag: --bogus\nHint: run .runed --help. for usage$' "$out"
out="$("$runed" --log-level loud 2>&1)"; code=$?
check "bad flag value" 2 $code 'invalid argument "loud" for "--log-level" flag: must be one of: debug, info, warn, error' "$out"
out="$("$runed" extra 2>&1)"; code=$?
check "positional argument" 2 $code 'unknown command "extra" for "runed"' "$out"
out="$("$runed" --help 2>&1)"; code=$?
check "--help" 0 $code 'Usage:' "$out"
out="$("$runed" --version 2>&1)"; code=$?
check "--version" 0 $code '^Rune [^ ]+ \([^)]+\) - [^ ]+ linux/' "$out"

out="$("$runed" --config "$work/missing.yaml" 2>&1)"; code=$?
check "explicit missing runefile" 1 $code "level=error msg=\"cannot read runefile $work/missing.yaml: No such file or directory\"" "$out"
printf 'server:\n  grpc-addr: ":1"\nlogs:\n  retain_deleted: soon\n' >"$work/bad.yaml"
out="$("$runed" --config "$work/bad.yaml" 2>&1)"; code=$?
check "unknown runefile key with its position and hint" 1 $code "runefile $work/bad.yaml:2:3: unknown field .+grpc-addr.+did you mean .+server.grpc_address" "$out"
check "bad runefile value with its path" 1 $code "runefile $work/bad.yaml:4:19: logs.retain_deleted: invalid duration" "$out"
out="$(RUNE_LOG_FORMAT=xml "$runed" --config /dev/null 2>&1)"; code=$?
check "bad environment value" 1 $code 'invalid log format ..xml..: must be one of text, json' "$out"

# Serve on free loopback ports.
log="$work/runed.log"
"$runed" --config /dev/null --grpc-addr 127.0.0.1:0 --http-addr 127.0.0.1:0 --data-dir "$work/data" 2>"$log" &
pid=$!
trap 'kill -KILL $pid 2>/dev/null' EXIT
http="$("$wait_for" "$log" http)"
check "listening line" 0 0 'msg="runed [^ ]+ listening grpc=127.0.0.1:[0-9]+ http=127.0.0.1:[0-9]+ tls=false auth=true"' "$(cat "$log")"
get() {
  exec 3<>"/dev/tcp/${http%:*}/${http##*:}"
  printf 'GET %s HTTP/1.1\r\nHost: runed\r\nConnection: close\r\n\r\n' "$1" >&3
  cat <&3
  exec 3<&-
}
out="$(get /healthz)"
check "/healthz ready" 0 0 $'^HTTP/1.1 200 OK\r' "$out"
check "/healthz body" 0 0 '\{"status":"ok"\}$' "$out"

# A second runed on the same port fails before doing anything else.
grpc="$(sed -n 's/.* listening grpc=\([^ ]*\) .*/\1/p' "$log")"
out="$("$reflection_list" "$grpc" 2>&1)"; code=$?
check "no server reflection by default" 1 $code "^UNIMPLEMENTED: unknown method /grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo$" "$out"
out="$(timeout 10 "$runed" --config /dev/null --grpc-addr "$grpc" --http-addr "" --data-dir "$work/data2" 2>&1)"; code=$?
check "busy gRPC port" 1 $code "level=error msg=\"cannot listen on $grpc" "$out"
out="$(timeout 10 "$runed" --config /dev/null --grpc-addr 127.0.0.1:0 --http-addr "$http" --data-dir "$work/data2" 2>&1)"; code=$?
check "busy HTTP port" 1 $code "cannot listen on $http: Address already in use" "$out"

kill -HUP $pid
sleep 0.3
if kill -0 $pid 2>/dev/null; then echo "ok   SIGHUP does not stop runed"; else echo "FAIL SIGHUP stopped runed" >&2; failures=$((failures + 1)); fi
check "SIGHUP logged" 0 0 'SIGHUP ignored: reload is not supported' "$(cat "$log")"

kill -TERM $pid
wait $pid; code=$?
trap - EXIT
check "SIGTERM: clean shutdown" 0 $code 'msg="stopped"' "$(cat "$log")"

# The KEK (SPEC §5.3 step 4, §5.13): created 0600 on the first start, checked
# on every later one; a key problem stops runed with exit 1.
check "KEK file created 0600" 0 0 '^600$' "$(stat -c %a "$work/data/kek.b64")"
head -c 32 /dev/urandom | base64 >"$work/data/kek.b64"
out="$(timeout 10 "$runed" --config /dev/null --grpc-addr 127.0.0.1:0 --http-addr "" --data-dir "$work/data" 2>&1)"; code=$?
check "wrong KEK on restart" 1 $code 'level=error msg="KEK does not match the key used to encrypt existing secrets"' "$out"
mkdir -p "$work/bad-kek" && echo "not base64!" >"$work/bad-kek/kek.b64"
out="$(timeout 10 "$runed" --config /dev/null --grpc-addr 127.0.0.1:0 --http-addr "" --data-dir "$work/bad-kek" 2>&1)"; code=$?
check "malformed KEK file" 1 $code "KEK file $work/bad-kek/kek.b64 must hold base64 of exactly 32 bytes \\(not valid base64\\)" "$out"
printf 'secret:\n  encryption:\n    kek:\n      source: env\n      env: RUNE_TEST_KEK\n' >"$work/env-kek.yaml"
out="$(env -u RUNE_TEST_KEK timeout 10 "$runed" --config "$work/env-kek.yaml" --grpc-addr 127.0.0.1:0 --http-addr "" --data-dir "$work/env-kek" 2>&1)"; code=$?
check "env KEK unset" 1 $code 'KEK source ..env..: environment variable RUNE_TEST_KEK is not set' "$out"
out="$(RUNE_TEST_KEK=c2hvcnQ= timeout 10 "$runed" --config "$work/env-kek.yaml" --grpc-addr 127.0.0.1:0 --http-addr "" --data-dir "$work/env-kek" 2>&1)"; code=$?
check "env KEK malformed" 1 $code 'KEK environment variable RUNE_TEST_KEK must hold base64 of exactly 32 bytes \(it decodes to 5 bytes\)' "$out"
printf 'secret:\n  encryption:\n    kek:\n      source: generated\n' >"$work/generated-kek.yaml"
log="$work/generated.log"
"$runed" --config "$work/generated-kek.yaml" --grpc-addr 127.0.0.1:0 --http-addr "" --data-dir "$work/generated" 2>"$log" &
pid=$!
trap 'kill -KILL $pid 2>/dev/null' EXIT
"$wait_for" "$log" grpc >/dev/null
check "generated KEK warning" 0 0 'level=warn msg="KEK source ..generated..: secrets will be unreadable after restart"' "$(cat "$log")"
kill -TERM $pid
wait $pid; code=$?
trap - EXIT
check "generated KEK: clean shutdown" 0 $code 'msg="stopped"' "$(cat "$log")"

# server.reflection: true lists every API service.
printf 'server:\n  reflection: true\n' >"$work/reflection.yaml"
log="$work/reflection.log"
"$runed" --config "$work/reflection.yaml" --grpc-addr 127.0.0.1:0 --http-addr "" --data-dir "$work/reflection" 2>"$log" &
pid=$!
trap 'kill -KILL $pid 2>/dev/null' EXIT
grpc="$("$wait_for" "$log" grpc)"
out="$("$reflection_list" "$grpc" 2>&1)"; code=$?
check "server reflection lists the API" 0 $code '^rune\.api\.ServiceService$' "$out"
check "server reflection lists itself" 0 $code '^grpc\.reflection\.v1alpha\.ServerReflection$' "$out"
kill -TERM $pid
wait $pid
trap - EXIT

if [ "$failures" -ne 0 ]; then echo "$failures check(s) failed" >&2; exit 1; fi
