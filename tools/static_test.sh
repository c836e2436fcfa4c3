#!/bin/bash
# Proves rune and runed are fully static: no PT_INTERP, no DT_NEEDED, and
# both run inside an empty root directory (unshare + chroot) that holds
# nothing but the two binaries — runed serving on loopback, rune talking to it.
set -euo pipefail
export PATH="/usr/sbin:/usr/bin:/sbin:/bin"
rune="$(realpath "$1")"; runed="$(realpath "$2")"; wait_for="$(realpath "$3")"
status=0
for bin in "$rune" "$runed"; do
  if readelf -lW "$bin" | grep -q 'INTERP'; then
    echo "FAIL $(basename "$bin") has a PT_INTERP program header" >&2; status=1
  fi
  if readelf -dW "$bin" | grep -q 'NEEDED'; then
    echo "FAIL $(basename "$bin") has DT_NEEDED entries:" >&2
    readelf -dW "$bin" | grep NEEDED >&2; status=1
  fi
done
[ "$status" = 0 ] || exit 1
echo "ok   no PT_INTERP, no DT_NEEDED"

root="$(mktemp -d "${TEST_TMPDIR:-/tmp}/emptyroot.XXXXXX")"
cp "$rune" "$root/rune"
cp "$runed" "$root/runed"
in_root() { unshare --mount --fork chroot "$root" "$@"; }

out="$(in_root /rune version)"
[[ "$out" == "Rune "* ]] || { echo "FAIL rune version in the empty root printed: $out" >&2; exit 1; }
echo "ok   rune version: $out"
out="$(in_root /runed --version)"
[[ "$out" == "Rune "* ]] || { echo "FAIL runed --version in the empty root printed: $out" >&2; exit 1; }
echo "ok   runed --version: $out"

log="$root/runed.log"
unshare --mount --fork chroot "$root" /runed --grpc-addr 127.0.0.1:0 --http-addr 127.0.0.1:0 \
  --data-dir /data 2>"$log" &
pid=$!
trap 'pkill -KILL -P $pid 2>/dev/null || true' EXIT
addr="$("$wait_for" "$log" grpc)" ||
  { echo "FAIL runed did not start in the empty root:" >&2; cat "$log" >&2; exit 1; }
out="$(in_root /rune version --server --api-server "$addr")"
if ! grep -q '^Server: Rune ' <<<"$out"; then
  echo "FAIL rune version --server in the empty root printed: $out" >&2; exit 1
fi
echo "ok   rune version --server against runed, both in the empty root"
# $pid is unshare; it waits for runed (its child) and exits with its status.
child="$(pgrep -P "$pid")"
kill -TERM "$child"
wait $pid || { echo "FAIL runed did not exit cleanly:" >&2; cat "$log" >&2; exit 1; }
trap - EXIT
echo "ok   runed shut down cleanly"
