# Shared by the benchmarks under tools/bench/ (sourced from the repository root):
#   bench_binaries //testing:hung_server   # sets $rune, $runed, $bin
#   echo "$(stats 1000 "${micros[@]}")"    # "min … p50 … p90 … p99 …"
#   bench_start_runed [runefile]           # sets $pid, $addr; rune talks to it

# Builds //rune, //runed and any extra targets with -c opt and sets $bin,
# $rune and $runed. RUNE_BENCH_BIN=<dir with rune and runed (and the extra
# binaries by name)> skips the build.
bench_binaries() {
  if [ -n "${RUNE_BENCH_BIN:-}" ]; then
    bin="$RUNE_BENCH_BIN"; rune="$bin/rune"; runed="$bin/runed"
    return
  fi
  bazel build -c opt //rune //runed "$@" >/dev/null 2>&1
  bin="$(bazel info -c opt bazel-bin 2>/dev/null)"
  rune="$bin/rune/rune"; runed="$bin/runed/runed"
}

# stats <divisor> <values…>: min, p50, p90 and p99 of the values divided by
# the divisor, two decimals.
stats() {
  local div="$1"; shift
  printf '%s\n' "$@" | sort -n | awk -v d="$div" '
    { v[NR] = $1 }
    END {
      printf "min %.2f  p50 %.2f  p90 %.2f  p99 %.2f", v[1]/d, v[int(NR*0.5+0.5)]/d, v[int(NR*0.9+0.5)]/d, v[int(NR*0.99+0.5)]/d
    }'
}

# bench_start_runed [runefile]: runed on 127.0.0.1:0 (no HTTP) with its store
# in $work/data, stopping its instances when it exits; bootstraps it and
# points rune at it (RUNE_API_SERVER, RUNE_TOKEN_FILE, a client config in
# $work). Sets $pid and $addr. Needs $work, $rune and $runed.
bench_start_runed() {
  "$runed" --config "${1:-/dev/null}" --grpc-addr 127.0.0.1:0 --http-addr "" --data-dir "$work/data" \
    --stop-instances-on-exit 2>"$work/runed.log" &
  pid=$!
  addr="$(testing/runed_address.sh "$work/runed.log" grpc)"
  export HOME="$work" RUNE_CLI_CONFIG="$work/config.yaml" RUNE_API_SERVER="$addr"
  "$rune" admin bootstrap --out-file "$work/t" >/dev/null
  export RUNE_TOKEN_FILE="$work/t"
}
