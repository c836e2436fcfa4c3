#!/bin/sh
# bazel run //testdata/cli:update — rewrites the expectations of every golden
# case in the source tree.
set -eu
: "${BUILD_WORKSPACE_DIRECTORY:?run this with bazel run}"
runner="$1"; rune="$2"; runed="$3"; shift 3
failed=0
for case_dir in "$@"; do
  if "$runner" --rune="$rune" --runed="$runed" --case="$case_dir" --update \
       --workspace="$BUILD_WORKSPACE_DIRECTORY"; then
    echo "updated $case_dir"
  else
    echo "FAILED  $case_dir" >&2
    failed=1
  fi
done
exit "$failed"
