#!/bin/bash
# The air-gapped install of SPEC §6.1 end to end, in an empty root directory
# (unshare + chroot, no network needed, nothing of the host's userland).
#
# The root holds only:
#   /release/      the release tarball and its release-level SHA256SUMS;
#   /bin/busybox   Debian's busybox-static: the one static program that gives
#                  the root a shell and sha256sum/tar/ps (an empty root has no
#                  /bin/sh, so install.sh could not run otherwise); every other
#                  program there is rune, runed or a busybox applet link;
#   /airgap_scenario.sh  the steps a person would type (see that file);
#   /dev/null      a device node (runed's process runner opens it), and /proc,
#                  a fresh proc mount of the test's own pid namespace.
# The scenario runs as pid 1 of a new pid namespace (--kill-child), so every
# process it starts ends with it; afterwards the test checks that no process
# has the root as its root any more.
#
# usage: airgap_e2e_test.sh TARBALL SUMS SCENARIO   (TARBALL, SUMS in either order)
set -uo pipefail
export PATH="/usr/sbin:/usr/bin:/sbin:/bin"
tarball="$1" sums="$2" scenario="$3"
[[ "$tarball" == *.tar.gz ]] || { tarball="$2" sums="$1"; }
busybox=/bin/busybox

# grep reads the whole list: with pipefail, `grep -q` stopping early could
# end busybox with SIGPIPE and fail the check.
if [ ! -x "$busybox" ] || ! "$busybox" --list 2>/dev/null | grep -x sh >/dev/null; then
  echo "FAIL $busybox is missing: install Debian's busybox-static (tools/setup does)" >&2; exit 1
fi
if readelf -lW "$busybox" | grep -q INTERP; then
  echo "FAIL $busybox is not static: install busybox-static, not busybox" >&2; exit 1
fi

root="$(mktemp -d "${TEST_TMPDIR:-/tmp}/airgap.XXXXXX")"
mkdir "$root/bin" "$root/dev" "$root/proc" "$root/release"
cp "$busybox" "$root/bin/busybox"
mknod -m 0666 "$root/dev/null" c 1 3
cp "$tarball" "$sums" "$root/release/"
cp "$scenario" "$root/airgap_scenario.sh"
echo "root $root: $(cd "$root" && find . -type f -o -type c | sort | tr '\n' ' ')"

unshare --mount --pid --fork --kill-child --mount-proc="$root/proc" \
  chroot "$root" /bin/busybox env -i PATH=/bin HOME=/root /bin/busybox sh /airgap_scenario.sh
rc=$?

left=""
for p in /proc/[0-9]*; do
  if [ "$(readlink "$p/root" 2>/dev/null)" = "$root" ]; then
    left+=" ${p#/proc/}:$(tr '\0' ' ' <"$p/cmdline" 2>/dev/null)"
    kill -KILL "${p#/proc/}" 2>/dev/null
  fi
done
if [ -n "$left" ]; then echo "FAIL processes outlived the scenario:$left" >&2; rc=1; fi
rm -rf "$root"
exit "$rc"
