#!/bin/bash
# Image pulls with registry credentials against real components: Debian's
# docker-registry (the distribution registry) with htpasswd authentication on
# a loopback port, podman's Engine API pulling from it, runed sending the
# X-Registry-Auth of the matching registry entry. Covers: a pull without
# credentials fails with the engine's message (SPEC §2.6); a wrong password
# likewise; `rune admin registry add` (basic, password on stdin) is used by
# the next pull without a restart, and the service runs (logs, exec); an
# entry reading its credentials from a secret (--from-secret); an ecr entry
# whose login runed gets from an ECR endpoint (a scripted stand-in for AWS on
# loopback, named by AWS_ENDPOINT_URL_ECR; SigV4 itself is checked by
# //runed/registry:ecr_test); a runefile entry with password_file and ${VAR}
# expansion, read-only through the API.
#
# Args: rune runed runed_address.sh test_lib.sh podman_lib.sh
set -uo pipefail
source "$4"
source "$5"
podman_require
init_process_test registry "$1" "$2" "$3"
trap 'end_process_test; stop_podman; stop_test_registry' EXIT

user=rune-test
password="pw-$(od -An -N6 -tx1 /dev/urandom | tr -d ' \n')"
ecr_password="ecr-$(od -An -N6 -tx1 /dev/urandom | tr -d ' \n')"
start_test_registry "$user:$password" "AWS:$ecr_password"
start_podman

# The ECR stand-in: GetAuthorizationToken answers a login for user AWS, and
# each request's target and credential scope are recorded.
ecr_pid=""
trap 'end_process_test; [ -n "$ecr_pid" ] && kill "$ecr_pid" 2>/dev/null; stop_podman; stop_test_registry' EXIT
python3 - "$work/ecr.port" "$work/ecr.requests" "$ecr_password" <<'PY' &
import base64, http.server, json, sys, time
port_file, log_file, password = sys.argv[1:4]
class Handler(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length", "0")))
        auth = self.headers.get("Authorization", "")
        with open(log_file, "a") as log:
            log.write("%s %s\n" % (self.headers.get("X-Amz-Target"), auth.split(",")[0]))
        body = json.dumps({"authorizationData": [{
            "authorizationToken": base64.b64encode(("AWS:" + password).encode()).decode(),
            "expiresAt": time.time() + 43200, "proxyEndpoint": "https://example.invalid"}]}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/x-amz-json-1.1")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def log_message(self, *args):
        pass
server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
with open(port_file + ".tmp", "w") as f:
    f.write(str(server.server_address[1]))
import os; os.rename(port_file + ".tmp", port_file)
server.serve_forever()
PY
ecr_pid=$!
for _ in $(seq 100); do [ -s "$work/ecr.port" ] && break; sleep 0.1; done
[ -s "$work/ecr.port" ] || { fail "the ECR stand-in did not start"; exit 1; }
export AWS_ENDPOINT_URL_ECR="http://127.0.0.1:$(cat "$work/ecr.port")"
export AWS_ACCESS_KEY_ID=AKIDRUNETEST AWS_SECRET_ACCESS_KEY=rune-test-secret
echo "     (registry $registry_addr)"

# Three private images, none of them local under these names.
for repo in private secret ecr file; do
  podman push -q --creds "$user:$password" --tls-verify=false "$podman_image" \
    "docker://$registry_addr/rune/$repo:test" >/dev/null 2>"$work/push.log" ||
    { cat "$work/push.log" >&2; fail "podman push $repo"; exit 1; }
done
ok "busybox pushed to the registry as rune/private, rune/secret, rune/ecr and rune/file"

cat >"$work/runefile.yaml" <<EOF
docker:
  socket: $podman_sock
  network: $podman_net
orchestrator:
  stop_grace_period: 2s
EOF
start_runed "$work/runefile.yaml"
"$rune" admin bootstrap --out-file "$work/t" --api-server "$addr" >/dev/null
"$rune" login local --server "$addr" --token-file "$work/t" >/dev/null

service_yaml() {  # service_yaml <name> <image>
  cat >"$work/$1.yaml" <<YAML
service:
  name: $1
  image: $2
  command: ["/bin/sh", "-c"]
  args: ["trap 'exit 0' TERM; echo pulled-$1; while true; do sleep 1; done"]
  scale: 1
YAML
}
failure_of() {
  "$rune" get instances "$1-0" -o json 2>/dev/null |
    py "i = d['instance']; print(i['status'], i.get('lastFailureMessage') or i.get('message'))"
}

# --- no credentials ---------------------------------------------------------
ref="$registry_addr/rune/private:test"
service_yaml nocreds "$ref"
"$rune" cast "$work/nocreds.yaml" --detach >/dev/null || fail "cast nocreds"
wait_for 60 sh -c "\"$rune\" get instances nocreds-0 -o json | grep -q 'failed to pull image'" || true
got="$(failure_of nocreds)"
if [[ "$got" == "Failed failed to pull image \"$ref\": "* ]] && grep -qiE 'unauthorized|authentication required' <<<"$got"; then
  ok "without credentials the pull fails with the engine's message"
else
  fail "pull without credentials: '$got'"
fi
echo "     ($got)"

# --- a wrong password ---------------------------------------------------------
expect "registry add with a wrong password (stdin)" 0 '^registry/wrong added$' -- \
  sh -c "echo not-the-password | \"$rune\" admin registry add --name wrong --server $registry_addr --username $user --password-stdin"
service_yaml wrongpw "$ref"
"$rune" cast "$work/wrongpw.yaml" --detach >/dev/null || fail "cast wrongpw"
wait_for 60 sh -c "\"$rune\" get instances wrongpw-0 -o json | grep -q 'failed to pull image'" || true
got="$(failure_of wrongpw)"
[[ "$got" == "Failed failed to pull image \"$ref\": "* ]] && grep -qiE 'unauthorized|authentication required' <<<"$got" &&
  ok "a wrong password fails the same way" || fail "pull with a wrong password: '$got'"
expect "registry remove" 0 '^registry/wrong removed$' -- "$rune" admin registry remove wrong

# --- rune admin registry add: used by the next pull -------------------------------
printf '%s\n' "$password" >"$work/password"
expect "registry add (basic, password file)" 0 '^registry/local added$' -- \
  "$rune" admin registry add --name local --server "$registry_addr" --username "$user" --password-file "$work/password"
expect "registry list shows it without credentials" 0 "^local +$registry_addr +basic +runtime\$" -- \
  "$rune" admin registry list
"$rune" admin registry list -o json | grep -qF "$password" && fail "registry list shows the password" ||
  ok "no credential in registry list -o json"
service_yaml private "$ref"
expect "cast of a private image pulls with the runtime entry" 0 'service/default/private ready \(1/1 instances\)' -- \
  "$rune" cast "$work/private.yaml" --timeout 120s
wait_for 20 sh -c "\"$rune\" logs private | grep -q pulled-private" || true
expect "logs of the pulled container" 0 '^\[private-0\] pulled-private$' -- "$rune" logs private
expect "exec in the pulled container" 4 '' -- "$rune" exec private -- sh -c 'exit 4'
grep -rqF "$password" "$work/data" && fail "the password is stored in clear under the data directory" ||
  ok "the password is nowhere in clear under the data directory"
# The service that failed first recovers with the same entry on its next try.
wait_for 90 sh -c "\"$rune\" get instances nocreds-0 -o json | grep -q '\"Running\"'" &&
  ok "the earlier failed pull succeeds on its retry" || fail "nocreds-0: $(failure_of nocreds)"
expect "registry remove local" 0 '^registry/local removed$' -- "$rune" admin registry remove local

# --- credentials from a secret ----------------------------------------------------
"$rune" create secret regcreds --from-literal "username=$user" --from-literal "password=$password" >/dev/null ||
  fail "create secret"
expect "registry add --from-secret" 0 '^registry/fromsecret added$' -- \
  "$rune" admin registry add --name fromsecret --server "*.0.0.1" --type basic --from-secret default/regcreds
service_yaml secret "$registry_addr/rune/secret:test"
expect "a wildcard entry with credentials from a secret" 0 'service/default/secret ready \(1/1 instances\)' -- \
  "$rune" cast "$work/secret.yaml" --timeout 120s
expect "registry remove fromsecret" 0 '^registry/fromsecret removed$' -- "$rune" admin registry remove fromsecret

# --- ecr: a login from the ECR endpoint with runed's AWS_* keys ---------------------
expect "registry add (ecr, runed's AWS keys)" 0 '^registry/ecr added$' -- \
  "$rune" admin registry add --name ecr --server "$registry_addr" --region us-east-1
service_yaml ecr "$registry_addr/rune/ecr:test"
expect "cast of an image from an ecr entry" 0 'service/default/ecr ready \(1/1 instances\)' -- \
  "$rune" cast "$work/ecr.yaml" --timeout 120s
got="$(cat "$work/ecr.requests" 2>/dev/null)"
[[ "$got" == "AmazonEC2ContainerRegistry_V20150921.GetAuthorizationToken AWS4-HMAC-SHA256 Credential=AKIDRUNETEST/"*"/us-east-1/ecr/aws4_request" ]] &&
  ok "runed asked ECR once, signed with runed's key for us-east-1/ecr" || fail "ECR requests: '$got'"
expect "registry remove ecr" 0 '^registry/ecr removed$' -- "$rune" admin registry remove ecr

# --- a runefile entry (password_file with ${VAR}) ---------------------------------------
stop_runed || fail "runed exit status"
cat >"$work/runefile.yaml" <<EOF
docker:
  socket: $podman_sock
  network: $podman_net
  registries:
    - name: fromfile
      registry: $registry_addr
      username: $user
      password_file: \${RUNE_TEST_REGISTRY_PASSWORD}
orchestrator:
  stop_grace_period: 2s
EOF
RUNE_TEST_REGISTRY_PASSWORD="$work/password" start_runed "$work/runefile.yaml"
"$rune" login local --server "$addr" --token-file "$work/t" >/dev/null
expect "registry list shows the runefile entry" 0 "^fromfile +$registry_addr +basic +runefile\$" -- \
  "$rune" admin registry list
expect "a runefile entry cannot be removed" 5 \
  "registry \"fromfile\" is defined in the runefile; edit the runefile and restart runed" -- \
  "$rune" admin registry remove fromfile
service_yaml file "$registry_addr/rune/file:test"
expect "cast with the runefile entry" 0 'service/default/file ready \(1/1 instances\)' -- \
  "$rune" cast "$work/file.yaml" --timeout 120s
stop_runed || fail "runed exit status"

# An unset variable stops runed at start with the entry's path.
"$runed" --config "$work/runefile.yaml" --grpc-addr 127.0.0.1:0 --http-addr "" \
  --data-dir "$work/data2" 2>"$work/unset.log"
rc=$?
# (The log line is logfmt: quotes inside the message are escaped.)
[ "$rc" = 1 ] && grep -qE 'docker\.registries\[0\]\.password_file: environment variable \\?"RUNE_TEST_REGISTRY_PASSWORD\\?" is not set' "$work/unset.log" &&
  ok "an unset \${VAR} in a registry entry stops runed at start" ||
  fail "unset variable: exit $rc, log: $(cat "$work/unset.log")"

exit $((failures > 0))
