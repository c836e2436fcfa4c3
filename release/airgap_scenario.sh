#!/bin/sh
# The air-gapped install of SPEC §6.1, as a person would type it, run by
# airgap_e2e_test.sh inside an otherwise empty root with busybox's sh as the
# only shell: verify and unpack the release, install it twice, check bad flags,
# start runed from the installed runefile, bootstrap, cast a process service,
# read its logs, delete it, stop runed. Runs as pid 1 of its own pid
# namespace, so nothing it starts outlives it.
#
# usage (in the root): /bin/busybox sh /airgap_scenario.sh
set -u
failures=0
ok() { echo "ok   $*"; }
fail() {
  echo "FAIL $*" >&2
  failures=$((failures + 1))
}
die() {
  echo "FAIL $*" >&2
  [ -f /var/log/runed.log ] && sed 's/^/     runed: /' /var/log/runed.log >&2
  exit 1
}
# mode FILE: octal permission bits, owner and group ("644 0 0").
mode() { stat -c '%a %u %g' "$1" 2>/dev/null; }

/bin/busybox --install -s /bin || die "busybox --install"
mkdir -p /tmp /root /var/log
chmod 1777 /tmp

# --- verify, unpack, verify (SPEC §6.1) --------------------------------------
cd /release || die "no /release"
sha256sum -c SHA256SUMS >/tmp/sums.out 2>&1 || die "release SHA256SUMS does not check: $(cat /tmp/sums.out)"
set -- rune_*_linux_*.tar.gz
{ [ $# = 1 ] && [ -f "$1" ]; } || die "expected one tarball in /release"
tarball="$1"
tar -xzf "$tarball" || die "busybox tar cannot unpack $tarball"
top="${tarball%.tar.gz}"
cd "$top" || die "$tarball has no top directory $top"
sha256sum -c -s SHA256SUMS || die "$top/SHA256SUMS does not check"
ok "verified and unpacked $tarball with busybox sha256sum and tar"

# --- bad flags: usage error, nothing written -----------------------------------
check_usage() {
  want="$1"
  shift
  out="$(./install.sh "$@" 2>&1)"
  rc=$?
  if [ "$rc" = 2 ] && echo "$out" | grep -q "$want"; then
    ok "install.sh $* -> exit 2 ($want)"
  else
    fail "install.sh $*: exit $rc, output: $out"
  fi
}
check_usage 'unknown argument "--bogus"' --bogus
check_usage 'flag needs an argument: --prefix' --prefix
check_usage 'must be an absolute path, got "usr/local"' --prefix usr/local
check_usage 'may contain only' --prefix '/opt/a b'
if [ -e /usr ] || [ -e /etc ] || [ -e /var/lib ]; then fail "a refused install.sh wrote files"; fi
out="$(./install.sh --help)"
echo "$out" | grep -q '^Usage: install.sh \[--prefix DIR\] \[--no-systemd\]' || fail "install.sh --help: $out"

# --- install -------------------------------------------------------------------
out="$(./install.sh --prefix /usr/local --no-systemd 2>&1)" || die "install.sh failed: $out"
echo "$out" | sed 's/^/     /'
n=0
while read -r _ path; do
  case "$path" in
    bin/*) want=755 ;;
    share/*) want=644 ;;
    *) continue ;;
  esac
  if [ "$(mode "/usr/local/$path")" = "$want 0 0" ] && cmp -s "$path" "/usr/local/$path"; then
    n=$((n + 1))
  else
    fail "/usr/local/$path: $(mode "/usr/local/$path"), want $want 0 0 and the release's bytes"
  fi
done <SHA256SUMS
ok "$n files installed under /usr/local with their modes"
for f in bin/rune bin/runed share/man/man1/rune.1 share/man/man5/runefile.5 share/man/man8/runed.8 \
  share/bash-completion/completions/rune share/zsh/site-functions/_rune \
  share/fish/vendor_completions.d/rune.fish share/doc/rune/LICENSES/grpc/LICENSE; do
  [ -f "/usr/local/$f" ] || fail "/usr/local/$f is missing"
done
[ "$(mode /etc/rune)" = "755 0 0" ] || fail "/etc/rune: $(mode /etc/rune)"
[ "$(mode /etc/rune/runefile.yaml)" = "600 0 0" ] || fail "/etc/rune/runefile.yaml: $(mode /etc/rune/runefile.yaml)"
cmp -s /etc/rune/runefile.yaml share/doc/rune/runefile.example.yaml || fail "runefile.yaml is not the example"
[ "$(mode /var/lib/rune)" = "700 0 0" ] || fail "/var/lib/rune: $(mode /var/lib/rune)"
[ ! -e /etc/systemd ] || fail "--no-systemd installed a unit"
ok "/etc/rune (0755), /etc/rune/runefile.yaml (0600, the example), /var/lib/rune (0700), no unit"

# --- again: harmless; the runefile is kept, modes are restored ------------------
echo "# edited here" >>/etc/rune/runefile.yaml
chmod 0755 /var/lib/rune
snapshot() { find /usr/local /etc/rune -exec stat -c '%n %a %u %g %s' {} + | sort; }
before="$(snapshot)"
out="$(./install.sh --prefix /usr/local --no-systemd 2>&1)" || die "second install.sh failed: $out"
echo "$out" | grep -q '^kept /etc/rune/runefile.yaml$' || fail "second install did not keep the runefile: $out"
tail -1 /etc/rune/runefile.yaml | grep -q '^# edited here$' || fail "second install changed the runefile"
[ "$(snapshot)" = "$before" ] || fail "second install changed the installed tree"
[ "$(mode /var/lib/rune)" = "700 0 0" ] || fail "second install left /var/lib/rune $(mode /var/lib/rune)"
ok "a second install.sh keeps the edited runefile and changes nothing else"

# --- with the unit: ExecStart follows --prefix; no systemd running here ----------
out="$(./install.sh --prefix /opt/rune/ 2>&1)" || die "install.sh --prefix /opt/rune/ failed: $out"
grep -qx 'ExecStart=/opt/rune/bin/runed --config /etc/rune/runefile.yaml' /etc/systemd/system/runed.service ||
  fail "unit ExecStart: $(grep ExecStart /etc/systemd/system/runed.service)"
[ "$(mode /etc/systemd/system/runed.service)" = "644 0 0" ] || fail "unit mode $(mode /etc/systemd/system/runed.service)"
echo "$out" | grep -q '^systemd is not running: skipped systemctl daemon-reload$' ||
  fail "install.sh without systemd said: $out"
[ -x /opt/rune/bin/runed ] || fail "--prefix /opt/rune/ did not install /opt/rune/bin/runed"
ok "the unit's ExecStart is <prefix>/bin/runed; daemon-reload skipped without systemd"
rm -rf /opt/rune /etc/systemd

# --- runed from the installed files ----------------------------------------------
export PATH=/usr/local/bin:/bin
runed --config /etc/rune/runefile.yaml --grpc-addr 127.0.0.1:0 --http-addr 127.0.0.1:0 \
  --stop-instances-on-exit 2>/var/log/runed.log &
pid=$!
addr=""
i=0
while [ $i -lt 300 ] && [ -z "$addr" ]; do
  addr="$(sed -n 's/.* listening grpc=\([^ ]*\) http=\([^ ]*\) .*/\1 \2/p' /var/log/runed.log 2>/dev/null)"
  kill -0 "$pid" 2>/dev/null || break
  sleep 0.1
  i=$((i + 1))
done
[ -n "$addr" ] || die "runed did not start"
http="${addr#* }"
addr="${addr% *}"
grep -q 'data_dir=/var/lib/rune' /var/log/runed.log || fail "runed did not use the installed runefile's data_dir"
ok "runed listening on $addr (gRPC) and $http (HTTP)"
i=0
until wget -q -O /tmp/healthz "http://$http/healthz" 2>/dev/null; do
  i=$((i + 1))
  [ $i -lt 100 ] || die "/healthz never answered 200"
  sleep 0.1
done
ok "/healthz answers 200"

export RUNE_API_SERVER="$addr"
out="$(rune version --server 2>&1)"
echo "$out" | grep -q '^Server: Rune ' || fail "rune version --server: $out"
out="$(rune admin bootstrap --out-file /root/token 2>&1)"
[ "$out" = "Bootstrap successful. Token written to /root/token (mode 0600)." ] || die "bootstrap: $out"
[ "$(mode /root/token)" = "600 0 0" ] || fail "token file mode $(mode /root/token)"
export RUNE_TOKEN_FILE=/root/token
ok "rune admin bootstrap"

cat >/root/hello.yaml <<'EOF'
service:
  name: hello
  process:
    command: /bin/busybox
    args: ["sh", "-c", "echo hello from busybox; i=0; while true; do echo line $i; i=$((i+1)); sleep 1; done"]
  scale: 1
EOF
out="$(rune cast /root/hello.yaml --timeout 60s 2>&1)" || die "rune cast: $out"
echo "$out" | grep -q 'hello ready (1/1 instances)' || fail "rune cast said: $out"
ok "rune cast: $(echo "$out" | tail -1)"
i=0
# One instance's lines carry its name as a prefix.
until rune logs hello 2>/dev/null | grep -q '^\[hello-0\] line 1$'; do
  i=$((i + 1))
  [ $i -lt 100 ] || break
  sleep 0.1
done
out="$(rune logs hello 2>&1)"
if [ "$(echo "$out" | head -2)" = "[hello-0] hello from busybox
[hello-0] line 0" ] && echo "$out" | grep -q '^\[hello-0\] line 1$'; then
  ok "rune logs hello: $(echo "$out" | head -1) …"
else
  fail "rune logs hello: $out"
fi
out="$(rune get instances 2>&1)"
echo "$out" | grep -q '^hello-0 .* Running ' || fail "rune get instances: $out"

out="$(rune delete service hello 2>&1)" || fail "rune delete service hello: $out"
ok "rune delete service hello: $out"
out="$(rune get services 2>&1)"
echo "$out" | grep -q 'hello' && fail "hello still listed: $out"
# shellcheck disable=SC2009 # busybox has no pgrep
if ps -o args | grep -v grep | grep -q 'hello from busybox'; then
  fail "the service's process still runs: $(ps -o pid,args)"
else
  ok "the service's process is gone"
fi

kill -TERM "$pid"
wait "$pid"
rc=$?
[ "$rc" = 0 ] || die "runed exited $rc on SIGTERM"
grep -q 'shutting down' /var/log/runed.log || fail "runed did not log its shutdown"
ok "runed stopped cleanly"
# Only this script (and the subshells of this very line) may remain. This
# script is PID 1 of the namespace, so exited supervisors are reparented to it
# and may linger as zombies until it reaps them: they hold nothing and do not
# count. Others get 5 s to finish exiting.
live_left() {
  # shellcheck disable=SC2009
  ps -o pid,args | grep -v -e '^ *PID' -e ' ps -o' -e ' grep' -e 'airgap_scenario.sh' |
    while read -r p rest; do
      state="$(cut -d' ' -f3 "/proc/$p/stat" 2>/dev/null)"
      [ -n "$state" ] && [ "$state" != Z ] && echo "$p $rest"
    done
}
for _ in $(seq 50); do
  left="$(live_left)"
  [ -z "$left" ] && break
  sleep 0.1
done
[ -z "$left" ] || fail "processes left: $left"

exit $((failures > 0))
