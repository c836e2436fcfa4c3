#!/bin/bash
# Checks that //:release is byte-reproducible: builds it twice from clean
# clones of one commit (HEAD by default) at two different paths, each in a
# fresh output base with its own Bazel server, and compares the tarballs and
# their SHA256SUMS with cmp.
#
#   tools/release_repro.sh [commit]     # prints the result, exit 1 on a difference
#
# Both builds use --config=repro: stamped like --config=release, compiled
# objects may come from the shared disk cache (their keys are their inputs),
# but linking rune and runed, every genrule (stamped build info, man pages,
# completions) and packing the tarball run again in each build. The shared
# Bazel server and output base of this checkout are not touched.
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
commit="$(git -C "$ROOT" rev-parse --verify "${1:-HEAD}^{commit}")"
work="$(mktemp -d /tmp/rune-repro.XXXXXX)"
started=()  # the clones whose Bazel server this script started
# shellcheck disable=SC2317  # called by the trap
cleanup() {
  local n
  for n in "${started[@]}"; do
    (cd "$work/clone-$n" && bazel --output_base="$work/output-base-$n" shutdown >/dev/null 2>&1) || true
  done
  rm -rf "$work"
}
trap cleanup EXIT

build() {
  local n="$1" clone="$work/clone-$1" ob="$work/output-base-$1"
  git clone -q --no-hardlinks "$ROOT" "$clone"
  git -C "$clone" checkout -q --detach "$commit"
  # Cache locations (machine-specific, git-ignored).
  [ ! -f "$ROOT/user.bazelrc" ] || cp "$ROOT/user.bazelrc" "$clone/user.bazelrc"
  started+=("$n")
  echo "build $n: $clone" >&2
  (cd "$clone" && bazel --output_base="$ob" build --config=repro //:release 2>"$work/build-$n.log") || {
    tail -30 "$work/build-$n.log" >&2
    exit 1
  }
  grep -E 'INFO: [0-9]+ processes' "$work/build-$n.log" | tail -1 | sed "s/^/  build $n: /" >&2
  mkdir "$work/out-$n"
  cp "$clone"/bazel-bin/rune_*_linux_*.tar.gz "$clone/bazel-bin/SHA256SUMS" "$work/out-$n/"
}

build 1
build 2
status=0
for f in "$work"/out-1/*; do
  name="$(basename "$f")"
  if cmp "$f" "$work/out-2/$name"; then
    echo "identical: $name ($(stat -c %s "$f") bytes, sha256 $(sha256sum "$f" | cut -d' ' -f1))"
  else
    echo "DIFFERENT: $name" >&2
    status=1
  fi
done
[ "$(ls "$work/out-1")" = "$(ls "$work/out-2")" ] || { echo "DIFFERENT file names" >&2; status=1; }
if [ "$status" = 0 ]; then
  tarball=("$work"/out-1/rune_*_linux_*.tar.gz)
  top="$(basename "${tarball[0]}" .tar.gz)"
  tar -xzf "${tarball[0]}" -C "$work/out-1" "$top/bin/rune"
  echo "//:release is reproducible at ${commit:0:8}; its rune says: $("$work/out-1/$top/bin/rune" version)"
fi
exit "$status"
