#!/bin/bash
# Checks the release tarball against SPEC §6.1: its release-level SHA256SUMS,
# a gzip header without time or name, one top directory
# rune_<version>_linux_<arch>/, entries sorted by path, only directories
# (0755) and regular files (0755 for bin/* and install.sh, 0644 otherwise),
# owner 0/0 without names, one fixed mtime, exactly the files of the layout,
# the in-tarball SHA256SUMS (every other file, sorted by path, correct sums),
# and every shipped file equal to the build output it comes from.
#
# usage: tarball_test.sh TARBALL SUMS EPOCH RUNE RUNED BASH ZSH FISH UNIT EXAMPLE INSTALL
#          --man PAGE... --licenses FILE...
# (TARBALL and SUMS in either order: the outputs of //:release.)
set -uo pipefail
export PATH="/usr/sbin:/usr/bin:/sbin:/bin" LC_ALL=C TZ=UTC
tarball="$1" sums="$2"
[[ "$tarball" == *.tar.gz ]] || { tarball="$2" sums="$1"; }
epoch="$3" rune="$4" runed="$5" bash_c="$6" zsh_c="$7" fish_c="$8"
unit="$9" example="${10}" install="${11}"
shift 11
man=() licenses=()
[ "$1" = --man ] || { echo "usage error: expected --man" >&2; exit 2; }
shift
while [ $# -gt 0 ] && [ "$1" != --licenses ]; do man+=("$1"); shift; done
[ "${1:-}" = --licenses ] || { echo "usage error: expected --licenses" >&2; exit 2; }
shift
licenses=("$@")

failures=0
fail() { echo "FAIL $*" >&2; failures=$((failures + 1)); }
ok() { echo "ok   $*"; }

name="$(basename "$tarball")"
top="${name%.tar.gz}"
if [[ "$name" =~ ^rune_(dev|[0-9]+\.[0-9]+\.[0-9]+[^_]*)_linux_(amd64|arm64)\.tar\.gz$ ]]; then
  ok "tarball name $name"
else
  fail "tarball name $name is not rune_<version>_linux_<arch>.tar.gz"
fi

# --- release-level SHA256SUMS ----------------------------------------------
want="$(sha256sum "$tarball" | cut -d' ' -f1)  $name"
if [ "$(cat "$sums")" = "$want" ]; then ok "release SHA256SUMS covers the tarball"; else
  fail "release SHA256SUMS is '$(cat "$sums")', want '$want'"; fi

# --- gzip header: magic, deflate, no flags (no name), mtime 0 ----------------
header="$(head -c 8 "$tarball" | od -An -tx1 | tr -d ' \n')"
if [ "$header" = 1f8b080000000000 ]; then ok "gzip header has no name and mtime 0"; else
  fail "gzip header is $header, want 1f8b080000000000"; fi

# --- entries -------------------------------------------------------------------
names="$(tar -tzf "$tarball")" || { fail "tar cannot list $tarball"; exit 1; }
if sort -c <<<"$names" 2>/dev/null; then ok "entries are sorted by path"; else
  fail "entries are not sorted by path"; fi
if [ "$(head -1 <<<"$names")" = "$top/" ] && ! grep -qv "^$top/" <<<"$names"; then
  ok "one top directory $top/"
else
  fail "entries outside the top directory $top/:"; grep -v "^$top/" <<<"$names" >&2
fi
if grep -qE '(^|/)\.\.?(/|$)' <<<"$names"; then fail "an entry has a . or .. component"; fi

stamp="$(date -u -d "@$epoch" '+%Y-%m-%d %H:%M:%S')"
bad=0
# GNU tar prints the owner names when the archive has them, else the numbers.
while read -r perms owner _size day time path; do
  rel="${path#"$top"/}"
  case "$perms" in
    d*) wantp=drwxr-xr-x ;;
    -*) case "$rel" in bin/* | install.sh) wantp=-rwxr-xr-x ;; *) wantp=-rw-r--r-- ;; esac ;;
    *) wantp="a directory or a regular file" ;;
  esac
  if [ "$perms" != "$wantp" ] || [ "$owner" != 0/0 ] || [ "$day $time" != "$stamp" ]; then
    fail "$path: $perms $owner $day $time, want $wantp 0/0 $stamp"; bad=1
  fi
done < <(tar --full-time -tvzf "$tarball")
[ "$bad" = 0 ] && ok "modes 0755/0644, owner 0/0 without names, mtime $stamp"

# --- exactly the layout of SPEC §6.1 ---------------------------------------------
expected="$(
  {
    printf '%s\n' bin/rune bin/runed install.sh SHA256SUMS lib/systemd/system/runed.service \
      share/bash-completion/completions/rune share/zsh/site-functions/_rune \
      share/fish/vendor_completions.d/rune.fish share/doc/rune/runefile.example.yaml
    for p in "${man[@]}"; do b="$(basename "$p")"; echo "share/man/man${b##*.}/$b"; done
    for l in "${licenses[@]}"; do echo "share/doc/rune/LICENSES/$(basename "$(dirname "$l")")/$(basename "$l")"; done
  } | sort
)"
files="$(grep -v '/$' <<<"$names" | sed "s|^$top/||" | sort)"
if [ "$files" = "$expected" ]; then ok "files are exactly the layout ($(wc -l <<<"$files") files)"; else
  fail "files differ from the layout (< expected, > tarball):"; diff <(echo "$expected") <(echo "$files") >&2
fi
for f in share/man/man1/rune.1 share/man/man5/runefile.5 share/man/man8/runed.8; do
  grep -qx "$f" <<<"$files" || fail "$f is missing"
done
for c in grpc protobuf abseil re2 boringssl zlib c-ares lmdb libyaml http-parser glibc gcc-runtime; do
  grep -q "^share/doc/rune/LICENSES/$c/." <<<"$files" || fail "no license of $c"
done

# --- contents ---------------------------------------------------------------------
dir="$(mktemp -d "${TEST_TMPDIR:-/tmp}/tarball.XXXXXX")"
tar -xzf "$tarball" -C "$dir" || { fail "tar cannot extract $tarball"; exit 1; }
root="$dir/$top"
if (cd "$root" && sha256sum --quiet -c SHA256SUMS); then ok "in-tarball SHA256SUMS checks"; else
  fail "in-tarball SHA256SUMS does not check"; fi
listed="$(sed 's/^[0-9a-f]\{64\}  //' "$root/SHA256SUMS")"
if [ "$listed" = "$(grep -vx SHA256SUMS <<<"$files")" ] && sort -c <<<"$listed" &&
  ! grep -qvE '^[0-9a-f]{64}  [^ ]+$' "$root/SHA256SUMS"; then
  ok "in-tarball SHA256SUMS lists every other file, sorted, as '<hex>  <path>'"
else
  fail "in-tarball SHA256SUMS does not list exactly the other files in order:"; cat "$root/SHA256SUMS" >&2
fi

same() {
  if cmp -s "$1" "$2"; then return 0; fi
  fail "$3 differs from $2"; return 1
}
n=0
same "$root/bin/rune" "$rune" bin/rune && n=$((n + 1))
same "$root/bin/runed" "$runed" bin/runed && n=$((n + 1))
same "$root/share/bash-completion/completions/rune" "$bash_c" "the bash completion" && n=$((n + 1))
same "$root/share/zsh/site-functions/_rune" "$zsh_c" "the zsh completion" && n=$((n + 1))
same "$root/share/fish/vendor_completions.d/rune.fish" "$fish_c" "the fish completion" && n=$((n + 1))
same "$root/lib/systemd/system/runed.service" "$unit" "the unit" && n=$((n + 1))
same "$root/share/doc/rune/runefile.example.yaml" "$example" "the example runefile" && n=$((n + 1))
same "$root/install.sh" "$install" install.sh && n=$((n + 1))
for p in "${man[@]}"; do
  b="$(basename "$p")"
  same "$root/share/man/man${b##*.}/$b" "$p" "man page $b" && n=$((n + 1))
done
for l in "${licenses[@]}"; do
  c="$(basename "$(dirname "$l")")"
  [ -s "$l" ] || fail "license file $l is empty"
  same "$root/share/doc/rune/LICENSES/$c/$(basename "$l")" "$l" "license $c/$(basename "$l")" && n=$((n + 1))
done
ok "$n shipped files equal their build outputs"

# --- the unit: SPEC §6.2 with Type=notify and KillMode=process -----------------
for line in 'Type=notify' 'ExecStart=/usr/local/bin/runed --config /etc/rune/runefile.yaml' \
  'Delegate=yes' 'KillMode=process' 'EnvironmentFile=-/etc/rune/runed.env' 'TimeoutStopSec=45s' \
  'WantedBy=multi-user.target' 'Documentation=man:runed(8) man:runefile(5)'; do
  grep -qxF "$line" "$root/lib/systemd/system/runed.service" || fail "the unit lacks '$line'"
done
ok "the unit's settings"

exit $((failures > 0))
