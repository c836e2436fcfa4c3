#!/bin/sh
# bazel run //completions:update — copies the generated scripts over the checked-in ones.
set -eu
: "${BUILD_WORKSPACE_DIRECTORY:?run this with bazel run}"
for f in "$@"; do
  cp "$f" "$BUILD_WORKSPACE_DIRECTORY/completions/$(basename "$f")"
  chmod 0644 "$BUILD_WORKSPACE_DIRECTORY/completions/$(basename "$f")"
  echo "updated completions/$(basename "$f")"
done
