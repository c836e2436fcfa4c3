#!/bin/sh
# Bazel workspace status: commit and build time for stamped builds (the
# version comes from bazel/version.bzl). The build time is the commit time, so
# a stamped build of one commit is reproducible; SOURCE_DATE_EPOCH overrides it.
# Keys prefixed STABLE_ invalidate stamped actions when they change.
cd "$(dirname "$0")/.." || exit 1
commit="$(git rev-parse --short=8 HEAD 2>/dev/null || echo unknown)"
if [ "$commit" != unknown ] && [ -n "$(git status --porcelain --untracked-files=no 2>/dev/null)" ]; then
  commit="$commit-dirty"
fi
if [ -n "${SOURCE_DATE_EPOCH:-}" ]; then
  when="$(date -u -d "@$SOURCE_DATE_EPOCH" +%Y-%m-%dT%H:%M:%SZ)"
else
  when="$(TZ=UTC git log -1 --format=%cd --date=format-local:%Y-%m-%dT%H:%M:%SZ 2>/dev/null || echo unknown)"
fi
echo "STABLE_RUNE_COMMIT $commit"
echo "STABLE_RUNE_BUILD_TIME $when"
