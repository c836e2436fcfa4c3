#!/bin/bash
# Waits (up to 30 s) for runed's "listening" log line in LOG and prints the
# address of the listener KIND (grpc or http); exits 1 if it never appears.
# usage: runed_address.sh LOG grpc|http
log="$1"; kind="$2"
for _ in $(seq 300); do
  addr="$(sed -n "s/.* listening .*${kind}=\([^ ]*\) .*/\1/p" "$log" 2>/dev/null)"
  if [ -n "$addr" ]; then echo "$addr"; exit 0; fi
  sleep 0.1
done
exit 1
