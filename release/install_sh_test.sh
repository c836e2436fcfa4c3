#!/bin/bash
# install.sh is POSIX sh: it parses with dash (sh -n) and busybox sh, passes
# shellcheck in sh mode, and refuses bad flags with exit 2 under dash before
# touching anything (the install itself is tested by //:release_airgap_e2e_test).
#
# usage: install_sh_test.sh INSTALL_SH
set -uo pipefail
export PATH="/usr/sbin:/usr/bin:/sbin:/bin"
script="$(realpath "$1")"
failures=0
fail() { echo "FAIL $*" >&2; failures=$((failures + 1)); }
ok() { echo "ok   $*"; }

if sh -n "$script"; then ok "sh -n (dash)"; else fail "sh -n reports syntax errors"; fi
if [ -x /bin/busybox ]; then
  if /bin/busybox sh -n "$script"; then ok "busybox sh -n"; else fail "busybox sh -n reports syntax errors"; fi
fi
if ! command -v shellcheck >/dev/null; then
  fail "shellcheck is not installed: run tools/setup"
elif out="$(shellcheck --shell=sh --severity=style "$script" 2>&1)"; then
  ok "shellcheck --shell=sh"
else
  fail "shellcheck:"; echo "$out" >&2
fi

# Flag errors come before the root check and before any file is written.
work="$(mktemp -d "${TEST_TMPDIR:-/tmp}/install_sh.XXXXXX")"
cp "$script" "$work/install.sh"
expect_usage() {
  local want="$1"; shift
  local out rc
  out="$(cd "$work" && sh ./install.sh "$@" 2>&1)"; rc=$?
  if [ "$rc" = 2 ] && grep -qF -- "$want" <<<"$out" && grep -qF "Run './install.sh --help' for usage." <<<"$out"; then
    ok "install.sh $* -> exit 2"
  else
    fail "install.sh $*: exit $rc (want 2), output: $out"
  fi
}
expect_usage 'install.sh: unknown argument "--bogus"' --bogus
expect_usage 'install.sh: unknown argument "extra"' extra
expect_usage 'install.sh: flag needs an argument: --prefix' --prefix
expect_usage 'install.sh: --prefix must be an absolute path, got "relative"' --prefix relative
expect_usage 'install.sh: --prefix must be an absolute path, got ""' --prefix=
expect_usage 'install.sh: --prefix may contain only letters, digits and . _ / + -, got "/a|b"' --prefix '/a|b'
out="$(cd "$work" && sh ./install.sh --help)"; rc=$?
if [ "$rc" = 0 ] && grep -q '^Usage: install.sh \[--prefix DIR\] \[--no-systemd\]$' <<<"$out"; then
  ok "install.sh --help"
else
  fail "install.sh --help: exit $rc, output: $out"
fi
# Outside a release directory it stops before writing anything.
if [ "$(id -u)" = 0 ]; then
  out="$(cd "$work" && sh ./install.sh --prefix "$work/prefix" --no-systemd 2>&1)"; rc=$?
  if [ "$rc" = 1 ] && grep -q "bin/rune is missing: run install.sh from the unpacked release directory" <<<"$out" &&
    [ ! -e "$work/prefix" ]; then
    ok "outside a release directory: exit 1, nothing written"
  else
    fail "outside a release directory: exit $rc, output: $out"
  fi
fi
exit $((failures > 0))
