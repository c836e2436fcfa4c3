#!/bin/bash
# Every page renders with man(1), without groff warnings.
set -uo pipefail
status=0
for page in "$@"; do
  warnings="$(groff -man -Tutf8 -ww -z "man/$page" 2>&1)"
  if [ -n "$warnings" ]; then
    echo "FAIL $page: groff warnings:" >&2
    echo "$warnings" >&2
    status=1
    continue
  fi
  name="${page%.*}"
  if ! MANWIDTH=80 man -l "man/$page" 2>/dev/null | grep -q "^NAME"; then
    echo "FAIL $page: man -l shows no NAME section" >&2
    status=1
    continue
  fi
  if ! MANWIDTH=80 man -l "man/$page" 2>/dev/null | grep -q -- "${name//-/.}"; then
    echo "FAIL $page: the rendered page does not name ${name}" >&2
    status=1
  fi
done
[ "$status" = 0 ] && echo "rendered $# pages"
exit "$status"
