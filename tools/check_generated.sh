#!/bin/bash
# Fails when a checked-in generated file differs from what the build produces.
# usage: check_generated.sh UPDATE_TARGET CHECKED_IN GENERATED [CHECKED_IN GENERATED ...]
set -uo pipefail
update="$1"; shift
status=0
while [ $# -ge 2 ]; do
  if ! diff -u --label "$1 (checked in)" --label "$1 (generated)" "$1" "$2" >&2; then
    status=1
  fi
  shift 2
done
if [ "$status" != 0 ]; then
  echo "The checked-in files are stale. Regenerate them with: bazel run $update" >&2
fi
exit "$status"
