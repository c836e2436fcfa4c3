# Shell test helpers, sourced by the process tests (runed/*_test.sh):
#   ok <what>, fail <what>, expect <what> <exit> <regex> -- command...,
#   py <code> (JSON on stdin), wait_for <seconds> <command...>
# `failures` counts failed checks; end a test with `exit $((failures > 0))`.
failures=0
fail() { echo "FAIL $*" >&2; failures=$((failures + 1)); }
ok() { echo "ok   $*"; }
# Runs the command; passes when it exits with <exit> and its combined output
# matches the extended regular expression <regex>.
expect() {
  local what="$1" want="$2" pattern="$3"; shift 4
  local out; out="$("$@" 2>&1)"; local got=$?
  if [[ $got -ne $want ]] || ! grep -qE -- "$pattern" <<<"$out"; then
    fail "$what: exit $got (want $want), output:"; echo "$out" | sed 's/^/     /' >&2
  else
    ok "$what"
  fi
}

# py <code> < json: runs Python with the JSON of stdin as `d`.
py() { python3 -c "import json, sys; d = json.load(sys.stdin); $1"; }
# wait_for <seconds> <command…>: polls every 0.25 s until the command succeeds
# (a function; the variable $wait_for is runed_address.sh).
wait_for() {
  local deadline=$(($(date +%s) + $1)); shift
  until "$@" >/dev/null 2>&1; do
    [ "$(date +%s)" -lt "$deadline" ] || return 1
    sleep 0.25
  done
}

# init_process_test <name> <rune> <runed> <runed_address.sh>: sets $rune,
# $runed, $wait_for and a fresh $work directory (also $HOME, with the client
# config in it), clears the RUNE_* connection variables, and kills a runed
# still running when the test exits.
init_process_test() {
  rune="$(realpath "$2")"; runed="$(realpath "$3")"; wait_for="$(realpath "$4")"
  work="$(mktemp -d "${TEST_TMPDIR:-/tmp}/$1.XXXXXX")"
  export HOME="$work" RUNE_CLI_CONFIG="$work/config.yaml" NO_COLOR=1
  unset RUNE_TOKEN RUNE_TOKEN_FILE RUNE_API_SERVER RUNE_CONTEXT
  pid=""
  trap 'end_process_test' EXIT
}

# end_process_test: stops a runed still running (SIGTERM, which stops its
# instances, then SIGKILL) and kills every instance process and supervisor
# left in $work/data, so nothing outlives the test.
end_process_test() {
  if [ -n "$pid" ]; then
    kill -TERM "$pid" 2>/dev/null
    for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null
  fi
  local f p
  for f in "$work"/data/instances/*/*/pid "$work"/data/instances/*/*/supervisor.pid; do
    [ -f "$f" ] || continue
    p="$(cat "$f" 2>/dev/null)"
    [ -n "$p" ] && kill -KILL -- "-$p" "$p" 2>/dev/null
  done
  return 0
}

# start_runed [runefile]: runed on 127.0.0.1:0 without HTTP, data in
# $work/data, stopping its instances when it exits; sets $pid and $addr (the
# gRPC address).
start_runed() {
  "$runed" --config "${1:-/dev/null}" --grpc-addr 127.0.0.1:0 --http-addr "" \
    --data-dir "$work/data" --stop-instances-on-exit 2>"$work/runed.log" &
  pid=$!
  addr="$("$wait_for" "$work/runed.log" grpc)" || { cat "$work/runed.log" >&2; exit 1; }
}

# stop_runed: SIGTERM; returns runed's exit status.
stop_runed() {
  kill -TERM "$pid"; wait "$pid"; local rc=$?
  pid=""
  return $rc
}
