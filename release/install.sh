#!/bin/sh
# Installs rune and runed from this unpacked release directory (as root).
#
#   ./install.sh [--prefix DIR] [--no-systemd]
#
# Copies bin/* to <prefix>/bin and share/* (completions, man pages, the example
# runefile, the third-party licenses) under <prefix>/share; installs the
# systemd unit as /etc/systemd/system/runed.service with ExecStart set to
# <prefix>/bin/runed; creates /etc/rune (0755), /etc/rune/runefile.yaml from
# the example when it does not exist (0600) and /var/lib/rune (0700); runs
# `systemctl daemon-reload` when systemd is running. It does not enable or
# start runed, never uses the network and never installs Docker.
#
# Running it again is harmless: files are replaced (atomically, so a running
# runed keeps its binary), an existing /etc/rune/runefile.yaml is kept.
set -eu
umask 022

prog=install.sh

usage() {
  cat <<'EOF'
Usage: install.sh [--prefix DIR] [--no-systemd]

  --prefix DIR   install binaries, completions, man pages and documentation
                 under DIR (default /usr/local)
  --no-systemd   do not install the systemd unit or run systemctl
  -h, --help     show this help
EOF
}

usage_error() {
  echo "$prog: $1" >&2
  echo "Run './install.sh --help' for usage." >&2
  exit 2
}

die() {
  echo "$prog: error: $1" >&2
  exit 1
}

prefix=/usr/local
systemd=1
while [ $# -gt 0 ]; do
  case "$1" in
    --prefix)
      [ $# -ge 2 ] || usage_error "flag needs an argument: --prefix"
      prefix="$2"
      shift 2
      ;;
    --prefix=*)
      prefix="${1#--prefix=}"
      shift
      ;;
    --no-systemd)
      systemd=0
      shift
      ;;
    -h | --help)
      usage
      exit 0
      ;;
    *)
      usage_error "unknown argument \"$1\""
      ;;
  esac
done

case "$prefix" in
  /*) ;;
  *) usage_error "--prefix must be an absolute path, got \"$prefix\"" ;;
esac
case "$prefix" in
  *[!A-Za-z0-9._/+-]*)
    usage_error "--prefix may contain only letters, digits and . _ / + -, got \"$prefix\""
    ;;
esac
# "/usr/local/" -> "/usr/local"; "/" -> "" (paths below are "$prefix/bin" …).
while :; do
  case "$prefix" in
    */) prefix="${prefix%/}" ;;
    *) break ;;
  esac
done

[ "$(id -u)" = 0 ] || die "must run as root: it writes /etc/rune and /var/lib/rune (try: sudo ./install.sh)"

here="$(cd "$(dirname "$0")" && pwd)"
for f in bin/rune bin/runed SHA256SUMS lib/systemd/system/runed.service share/doc/rune/runefile.example.yaml; do
  [ -f "$here/$f" ] ||
    die "$here/$f is missing: run install.sh from the unpacked release directory"
done

tmp=""
trap '[ -z "$tmp" ] || rm -f "$tmp"' EXIT

# put SOURCE DEST MODE: copies SOURCE to a temporary file beside DEST, then
# renames it over DEST, so DEST is never half-written and a running binary is
# replaced rather than overwritten.
put() {
  mkdir -p "${2%/*}"
  tmp="${2%/*}/.${2##*/}.install.$$"
  cp "$1" "$tmp"
  chmod "$3" "$tmp"
  mv -f "$tmp" "$2"
  tmp=""
}

# Every file of the release is listed in SHA256SUMS ("<hex>  <path>").
count=0
while read -r _ path; do
  case "$path" in
    bin/*) put "$here/$path" "$prefix/$path" 0755 ;;
    share/*) put "$here/$path" "$prefix/$path" 0644 ;;
    *) continue ;;
  esac
  count=$((count + 1))
done <"$here/SHA256SUMS"
echo "installed $count files under ${prefix:-/}"

mkdir -p /etc/rune
chmod 0755 /etc/rune
if [ -e /etc/rune/runefile.yaml ]; then
  echo "kept /etc/rune/runefile.yaml"
else
  put "$here/share/doc/rune/runefile.example.yaml" /etc/rune/runefile.yaml 0600
  echo "created /etc/rune/runefile.yaml"
fi
mkdir -p /var/lib/rune
chmod 0700 /var/lib/rune

if [ "$systemd" = 1 ]; then
  unit=/etc/systemd/system/runed.service
  mkdir -p /etc/systemd/system
  tmp="$unit.install.$$"
  sed "s|^ExecStart=/usr/local/bin/runed |ExecStart=$prefix/bin/runed |" \
    "$here/lib/systemd/system/runed.service" >"$tmp"
  grep -q "^ExecStart=$prefix/bin/runed " "$tmp" || die "cannot set ExecStart in $unit"
  chmod 0644 "$tmp"
  mv -f "$tmp" "$unit"
  tmp=""
  echo "installed $unit (ExecStart=$prefix/bin/runed)"
  # /run/systemd/system exists only when systemd is the running init (not in
  # a chroot or a container without it).
  if [ -d /run/systemd/system ] && command -v systemctl >/dev/null 2>&1; then
    systemctl daemon-reload
    echo "ran systemctl daemon-reload; start runed with: systemctl enable --now runed"
  else
    echo "systemd is not running: skipped systemctl daemon-reload"
  fi
else
  echo "skipped the systemd unit (--no-systemd); start runed with: $prefix/bin/runed --config /etc/rune/runefile.yaml"
fi
