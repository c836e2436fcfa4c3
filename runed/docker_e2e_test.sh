#!/bin/bash
# The Docker runner against a real Engine API (podman's API service on a
# private unix socket, testing/podman_lib.sh) with a busybox image imported
# from busybox-static: cast of an image service until ready; the container's
# name, labels, Entrypoint/Cmd, resources, restart policy, network aliases
# and IP; logs; exec (exit codes, stdout/stderr, stdin, TTY and its size,
# 137, timeout 124); an HTTP readiness probe on the container's IP through a
# named port's targetPort and the exposed host port; secret and config
# mounts, securityContext user and readOnlyFS; scale up and down; a crashing
# container restarted with backoff; `kill -9 runed` and a restart that adopts
# the running container (same instance and container, logs without gaps or
# duplicates, a container killed afterwards is seen and restarted); the pull
# failure and missing socket messages of SPEC §2.6; node health; delete
# removing every container.
#
# Args: rune runed runed_address.sh test_lib.sh podman_lib.sh
set -uo pipefail
source "$4"
source "$5"
podman_require
init_process_test docker "$1" "$2" "$3"
trap 'end_process_test; stop_podman' EXIT
start_podman

net="$podman_net"
cat >"$work/runefile.yaml" <<EOF
docker:
  socket: $podman_sock
  network: $net
orchestrator:
  stop_grace_period: 5s
EOF
start_runed "$work/runefile.yaml"
"$rune" admin bootstrap --out-file "$work/t" --api-server "$addr" >/dev/null
"$rune" login local --server "$addr" --token-file "$work/t" >/dev/null

# instance <name> <field>: one field of an instance (by name) as JSON text.
instance() {
  "$rune" get instances "$1" -o json 2>/dev/null | py "print(json.dumps(d['instance'].get('$2')))"
}
# inspect <container> <go template>
inspect() { podman inspect --format "$2" "$1" 2>/dev/null; }

# --- cast, container shape ---------------------------------------------------
cat >"$work/echo.yaml" <<'YAML'
service:
  name: echo
  image: localhost/busybox:test
  command: ["/bin/sh", "-c"]
  args: ["trap 'exit 0' TERM; i=0; while true; do echo \"line $i\"; i=$((i+1)); sleep 1; done"]
  env: {GREETING: hello}
  resources:
    cpu: {request: 250m, limit: 500m}
    memory: {request: 32Mi, limit: 64Mi}
  scale: 1
YAML
expect "cast of an image service waits until it is ready" 0 'service/default/echo ready \(1/1 instances\)' -- \
  "$rune" cast "$work/echo.yaml" --timeout 120s
id0="$(instance echo-0 id | tr -d '"')"
ctr="rune.default.$id0"
[[ "$id0" =~ ^echo-instance-[0-9a-f]{8}$ ]] && ok "instance ID $id0" || fail "instance ID: '$id0'"
expect "instance echo-0 is Running" 0 ' Running ' -- "$rune" get instances --service echo --no-headers
expect "the instance is a docker instance" 0 '^"docker"$' -- instance echo-0 runner
if [ "$(inspect "$ctr" '{{.State.Status}}')" = running ]; then
  ok "container $ctr is running"
else
  fail "container $ctr: $(podman ps -a --format '{{.Names}} {{.Status}}' 2>&1)"
fi
cid="$(inspect "$ctr" '{{.Id}}')"
[ -n "$cid" ] && [ "$(instance echo-0 containerId)" = "\"$cid\"" ] &&
  ok "the instance records the container ID" || fail "containerId $(instance echo-0 containerId), podman $cid"
labels="$(inspect "$ctr" '{{range $k, $v := .Config.Labels}}{{$k}}={{$v}} {{end}}')"
for l in rune.managed=true rune.namespace=default rune.service=echo "rune.instance.id=$id0" \
  rune.instance.name=echo-0 rune.generation=1; do
  grep -qE "(^| )${l//./\\.}( |$)" <<<"$labels" && ok "label $l" || fail "label $l missing in: $labels"
done
grep -qE '(^| )rune\.service\.id=[0-9a-f-]{36}( |$)' <<<"$labels" && ok "label rune.service.id" ||
  fail "label rune.service.id missing in: $labels"
expect "restart policy no (runed restarts)" 0 '^no$' -- inspect "$ctr" '{{.HostConfig.RestartPolicy.Name}}'
config="$(podman_api GET "/v1.41/containers/$ctr/json" | py "print(json.dumps([d['Config']['Entrypoint'], d['Config']['Cmd']]))")"
want_config='[["/bin/sh", "-c"], ["trap '"'exit 0'"' TERM; i=0; while true; do echo \"line $i\"; i=$((i+1)); sleep 1; done"]]'
[ "$config" = "$want_config" ] && ok "Entrypoint from command, Cmd from args" || fail "Entrypoint, Cmd: $config"
res="$(podman_api GET "/v1.41/containers/$ctr/json" | py "h = d['HostConfig']; print(h['NanoCpus'], h['CpuShares'], h['Memory'], h['MemoryReservation'])")"
[ "$res" = "500000000 256 67108864 33554432" ] && ok "resources: NanoCpus, CpuShares, Memory, MemoryReservation" ||
  fail "resources (NanoCpus CpuShares Memory MemoryReservation): $res"
expect "env in the container" 0 '^hello$' -- "$rune" exec echo -- sh -c 'echo $GREETING'
expect "built-in env in the container" 0 '^echo-0$' -- "$rune" exec echo -- sh -c 'echo $RUNE_INSTANCE_NAME'
if podman network exists "$net"; then ok "runed created the network $net"; else fail "network $net missing"; fi
aliases="$(inspect "$ctr" "{{range \$k, \$v := .NetworkSettings.Networks}}{{\$k}}:{{range \$v.Aliases}}{{.}},{{end}}{{end}}")"
grep -qE "^$net:.*echo\.default\.rune," <<<"$aliases" && grep -qE "echo-0\.echo\.default\.rune," <<<"$aliases" &&
  ok "network aliases" || fail "aliases on $net: $aliases"
ip="$(inspect "$ctr" "{{(index .NetworkSettings.Networks \"$net\").IPAddress}}")"
[ -n "$ip" ] && [ "$(instance echo-0 ip)" = "\"$ip\"" ] && ok "the instance records the container IP $ip" ||
  fail "ip $(instance echo-0 ip), podman '$ip'"

# --- logs --------------------------------------------------------------------
sleep 3
logs="$("$rune" logs echo --tail 3 2>&1)"
if [ "$(grep -cE '^\[echo-0\] line [0-9]+$' <<<"$logs")" = 3 ]; then ok "logs --tail 3 shows the container's lines"; else
  fail "logs --tail 3: $logs"; fi
first="$("$rune" logs instance/echo-0 --tail -1 2>&1 | head -1)"
[ "$first" = "line 0" ] && ok "the log starts at the container's first line" || fail "first log line: '$first'"

# --- exec --------------------------------------------------------------------
expect "exec passes exit code 4 through" 4 '' -- "$rune" exec echo -- sh -c 'exit 4'
expect "exec exit 0 with output" 0 '^ok$' -- "$rune" exec echo -- echo ok
out="$("$rune" exec echo -- sh -c 'echo out; echo err >&2' 2>"$work/err")"
[ "$out" = out ] && [ "$(cat "$work/err")" = err ] && ok "exec keeps stdout and stderr apart" ||
  fail "exec streams: stdout '$out' stderr '$(cat "$work/err")'"
out="$(printf 'a\nb\n' | "$rune" exec echo -- cat 2>&1)"
[ "$out" = "$(printf 'a\nb')" ] && ok "exec forwards stdin until EOF" || fail "exec stdin: '$out'"
expect "exec with a TTY" 0 '^/dev/pts/[0-9]+' -- "$rune" exec -t echo -- tty
# podman ignores ConsoleSize on exec start: the size arrives with the resize
# call after the start, so the command looks a moment later.
out="$("$rune" exec -t echo -- sh -c 'sleep 1; stty size' 2>&1 | tr -d '\r')"
[ "$out" = "24 80" ] && ok "exec -t without a local terminal gets 24x80" || fail "stty size: '$out'"
expect "exec without a TTY" 1 '^not a tty' -- "$rune" exec --no-tty echo -- tty
expect "exec of a SIGKILLed command exits 137" 137 '' -- "$rune" exec echo -- sh -c 'kill -9 $$'
expect "exec --timeout exits 124" 124 'Error: command timed out after 1s' -- \
  "$rune" exec echo --timeout 1s -- sleep 10

# --- readiness probe on the container's IP -----------------------------------
host_port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
cat >"$work/web.yaml" <<EOF
service:
  name: web
  image: localhost/busybox:test
  command: /bin/sh
  args: ["-c", "mkdir -p /www && echo ok > /www/index.html && exec httpd -f -p 8080 -h /www"]
  scale: 1
  ports: [{name: http, port: 80, targetPort: 8080}]
  expose: {port: http, hostPort: $host_port, bindAddress: 127.0.0.1}
  health:
    readiness: {type: http, port: http, path: /, intervalSeconds: 1}
EOF
expect "an HTTP readiness probe reaches the container's IP" 0 'service/default/web ready \(1/1 instances\)' -- \
  "$rune" cast "$work/web.yaml" --timeout 60s
expect "the probe's last result is a success" 0 'Last result: success' -- "$rune" health web --checks
web_ctr="rune.default.$(instance web-0 id | tr -d '"')"
bindings="$(podman_api GET "/v1.41/containers/$web_ctr/json" | py "print(json.dumps(d['HostConfig']['PortBindings'], sort_keys=True))")"
[ "$bindings" = "{\"8080/tcp\": [{\"HostIp\": \"127.0.0.1\", \"HostPort\": \"$host_port\"}]}" ] &&
  ok "expose: PortBindings 127.0.0.1:$host_port -> 8080/tcp" || fail "PortBindings: $bindings"
expect "the exposed port answers on the host" 0 '^ok$' -- curl -s -m 5 "http://127.0.0.1:$host_port/"

# --- secret and config mounts, securityContext --------------------------------
"$rune" create secret creds --from-literal password=s3cret >/dev/null || fail "create secret"
"$rune" create configmap settings --from-literal mode=fast --from-literal other=x >/dev/null || fail "create configmap"
cat >"$work/files.yaml" <<'YAML'
service:
  name: files
  image: localhost/busybox:test
  command: ["/bin/sh", "-c", "trap 'exit 0' TERM; while true; do sleep 1; done"]
  scale: 1
  securityContext: {user: "65534", readOnlyFS: true}
  secretMounts: [{name: creds, mountPath: /etc/creds}]
  configMounts: [{name: settings, mountPath: /etc/settings, items: [{key: mode, path: sub/mode.txt}]}]
YAML
expect "cast of a service with mounts" 0 'service/default/files ready \(1/1 instances\)' -- \
  "$rune" cast "$work/files.yaml" --timeout 60s
files_id="$(instance files-0 id | tr -d '"')"
expect "the secret is mounted" 0 '^s3cret$' -- "$rune" exec files -- cat /etc/creds/password
expect "the listed config key is mounted at its path" 0 '^fast$' -- "$rune" exec files -- cat /etc/settings/sub/mode.txt
expect "an unlisted config key is not mounted" 1 '' -- "$rune" exec files -- cat /etc/settings/other
expect "mounts are read-only" 1 '' -- "$rune" exec files -- sh -c 'echo x > /etc/creds/password'
expect "the container runs as the securityContext user" 0 '^65534$' -- "$rune" exec files -- id -u
expect "readOnlyFS: the root filesystem is read-only" 1 'Read-only file system' -- "$rune" exec files -- sh -c 'echo x > /x'
host_file="/run/rune/mounts/$files_id/creds/password"
[ "$(stat -c %a "$host_file" 2>&1)" = 444 ] && ok "the secret file is 0444 under /run/rune/mounts" ||
  fail "$host_file: $(stat -c %a "$host_file" 2>&1)"
[ "$(stat -f -c %T /run/rune/mounts 2>&1)" = tmpfs ] && ok "/run/rune/mounts is a tmpfs" ||
  fail "/run/rune/mounts: $(stat -f -c %T /run/rune/mounts 2>&1)"
expect "delete files" 0 'deleted' -- "$rune" delete files --timeout 60s
[ ! -e "/run/rune/mounts/$files_id" ] && ok "the instance's mount files are removed with it" ||
  fail "left behind: $(ls -R "/run/rune/mounts/$files_id" 2>&1 | head -5)"

# --- scale -------------------------------------------------------------------
count() { podman ps -q --filter label=rune.service="$1" --filter status=running | wc -l; }
all_count() { podman ps -a -q --filter label=rune.service="$1" | wc -l; }
expect "scale to 3" 0 'service/default/echo ready \(3/3 instances\)' -- "$rune" scale echo 3 --timeout 60s
[ "$(count echo)" = 3 ] && ok "3 containers running" || fail "running containers: $(count echo)"
expect "scale back to 1" 0 'service/default/echo ready \(1/1 instances\)' -- "$rune" scale echo 1 --timeout 60s
wait_for 20 test "$(all_count echo)" = 1 || true
[ "$(all_count echo)" = 1 ] && ok "scale down removed the other containers" ||
  fail "containers of echo: $(podman ps -a --filter label=rune.service=echo --format '{{.Names}} {{.Status}}')"
[ "$(instance echo-0 id | tr -d '"')" = "$id0" ] && ok "echo-0 kept its ID" || fail "echo-0 is now $(instance echo-0 id)"

# --- crash restart -----------------------------------------------------------
cat >"$work/crash.yaml" <<'YAML'
service:
  name: crash
  image: localhost/busybox:test
  command: ["/bin/sh", "-c", "echo starting; exit 3"]
  scale: 1
YAML
"$rune" cast "$work/crash.yaml" --detach >/dev/null || fail "cast crash"
crash_message() { "$rune" get services crash -o json | py "print(d['service']['status'].get('message', ''))"; }
wait_for 30 sh -c "\"$rune\" get services crash -o json | grep -q 'restarting in'" || true
expect "the crash is reported with its exit code and the backoff" 0 \
  '^exit code 3; restarting in 10s \(restart 1\)$' -- crash_message
expect "the crashed instance is Failed" 0 '^"Failed"$' -- instance crash-0 status
expect "the crashed instance keeps the exit code" 0 '^3$' -- instance crash-0 exitCode
expect "the crashed container's output is in the log" 0 '^\[crash-0\] starting$' -- "$rune" logs crash

# --- runed killed and restarted: adoption -------------------------------------
started="$(inspect "$ctr" '{{.State.StartedAt}}')"
kill -KILL "$pid"; wait "$pid" 2>/dev/null; pid=""
sleep 3
start_runed "$work/runefile.yaml"
"$rune" login local --server "$addr" --token-file "$work/t" >/dev/null
[ "$(instance echo-0 id | tr -d '"')" = "$id0" ] && ok "echo-0 has the same ID after kill -9 and restart" ||
  fail "echo-0 after restart: $(instance echo-0 id)"
wait_for 20 test "$(instance echo-0 status)" = '"Running"' || true
expect "echo-0 is still Running" 0 '^"Running"$' -- instance echo-0 status
[ "$(inspect "$ctr" '{{.Id}}')" = "$cid" ] && [ "$(inspect "$ctr" '{{.State.StartedAt}}')" = "$started" ] &&
  ok "the same container kept running" || fail "container after restart: $(inspect "$ctr" '{{.Id}} {{.State.StartedAt}}') (was $cid $started)"
[ "$(all_count echo)" = 1 ] && ok "no second container for echo" || fail "containers of echo: $(all_count echo)"
sleep 4
nums="$("$rune" logs instance/echo-0 --tail -1 2>&1 | sed -n 's/^line \([0-9]*\)$/\1/p')"
bad="$(awk 'NR == 1 && $1 != 0 { print "starts at " $1 } NR > 1 && $1 != prev + 1 { print "after " prev ": " $1 } { prev = $1 }' <<<"$nums")"
last="$(tail -1 <<<"$nums")"
[ -z "$bad" ] && ok "echo-0's log has no gap and no duplicate across the runed crash (lines 0-$last)" ||
  fail "log of echo-0 across the restart: $(head -5 <<<"$bad" | tr '\n' ';')"
ctr_last="$(podman logs "$ctr" 2>/dev/null | tail -1 | sed -n 's/^line //p')"
[ -n "$last" ] && [ $((ctr_last - last)) -le 2 ] && ok "the follower keeps up after the restart (runed $last, engine $ctr_last)" ||
  fail "log follower behind: runed at '$last', engine at '$ctr_last'"
expect "exec after the restart" 4 '' -- "$rune" exec echo -- sh -c 'exit 4'
podman kill "$ctr" >/dev/null 2>&1 || fail "podman kill $ctr"
wait_for 20 test "$(instance echo-0 restarts)" = 1 || true
expect "a container killed behind runed's back is seen (events after adoption)" 0 '^1$' -- instance echo-0 restarts
wait_for 40 test "$(instance echo-0 status)" = '"Running"' || true
expect "and restarted after the backoff" 0 '^"Running"$' -- instance echo-0 status

# --- pull failure (SPEC §2.6) ------------------------------------------------
engine_message="$(podman_api POST '/images/create?fromImage=localhost%2Fnonexistent&tag=1' |
  python3 -c 'import json, sys
for line in sys.stdin:
    line = line.strip()
    if line and "error" in json.loads(line):
        j = json.loads(line); print((j.get("errorDetail") or {}).get("message") or j["error"]); break')"
want="failed to pull image \"localhost/nonexistent:1\": $engine_message"
echo "     (engine: $engine_message)"
[ -n "$engine_message" ] || fail "the engine did not report the pull failure of localhost/nonexistent:1"
cat >"$work/pull.yaml" <<'YAML'
service:
  name: pull
  image: localhost/nonexistent:1
  scale: 1
YAML
"$rune" cast "$work/pull.yaml" --detach >/dev/null || fail "cast pull"
pull_failure() {
  "$rune" get instances pull-0 -o json | py "i = d['instance']; print(i['status'], i.get('lastFailureMessage') or i.get('message'))"
}
wait_for 60 sh -c "\"$rune\" get instances pull-0 -o json | grep -q 'failed to pull image'" || true
got="$(pull_failure 2>&1)"
[ "$got" = "Failed $want" ] && ok "the instance fails with the pull message" || fail "pull failure: got '$got', want 'Failed $want'"
got="$("$rune" health pull -o json | py "print(d['service'].get('message', ''))" 2>&1)"
[[ "$got" == "$want"* ]] && ok "health shows the pull message" || fail "health pull message: '$got'"
[ -z "$(podman ps -a -q --filter label=rune.service=pull)" ] && ok "no container for a failed pull" ||
  fail "containers of pull: $(podman ps -a --filter label=rune.service=pull --format '{{.Names}}')"

# --- node health --------------------------------------------------------------
docker_runner() { "$rune" health node -o json | py "r = [r for r in d['node']['runners'] if r['name'] == 'docker'][0]; print(r.get('enabled', False), r.get('available', False), r.get('message', ''))"; }
expect "node health: the docker runner is available" 0 '^True True $' -- docker_runner

# --- delete -------------------------------------------------------------------
for s in echo web crash pull; do
  expect "delete $s" 0 'deleted' -- "$rune" delete "$s" --timeout 60s
done
left="$(podman_managed_containers)"
[ -z "$left" ] && ok "no container labelled rune.managed=true is left" || fail "containers left: $left"
stop_runed || fail "runed exit status"

# --- missing socket (SPEC §2.6) -------------------------------------------------
mv "$work/data" "$work/data.podman"
cat >"$work/nosocket.yaml" <<'EOF'
docker:
  socket: /nonexistent.sock
EOF
start_runed "$work/nosocket.yaml"
"$rune" admin bootstrap --out-file "$work/t2" --api-server "$addr" >/dev/null
"$rune" login local --server "$addr" --token-file "$work/t2" >/dev/null
want="docker runner unavailable: cannot connect to /nonexistent.sock: no such file or directory"
"$rune" cast "$work/echo.yaml" --detach >/dev/null || fail "cast echo without an engine"
wait_for 30 sh -c "\"$rune\" get instances echo-0 -o json | grep -q 'docker runner unavailable'" || true
got="$("$rune" get instances echo-0 -o json | py "i = d['instance']; print(i['status'], i.get('lastFailureMessage') or i.get('message'))" 2>&1)"
[ "$got" = "Failed $want" ] && ok "without the socket the instance fails with the runner message" ||
  fail "missing socket: got '$got', want 'Failed $want'"
got="$("$rune" health echo -o json | py "print(d['service'].get('message', ''))" 2>&1)"
[[ "$got" == "$want"* ]] && ok "health shows the runner message" || fail "health echo message: '$got'"
expect "node health: the docker runner is unavailable and says why" 0 \
  '^True False (docker runner unavailable: )?cannot connect to /nonexistent\.sock: no such file or directory$' -- docker_runner
expect "node health table: Degraded" 0 '^local +Degraded ' -- "$rune" health node
expect "delete without an engine" 0 'deleted' -- "$rune" delete echo --timeout 60s
stop_runed || fail "runed exit status (missing socket)"
exit $((failures > 0))
