#!/usr/bin/env bash
# The registry embedded in `carrier serve --registry-listen`: the root folder is laid out
# under <data-dir>/registry (certs/ auth/ data/ conf/) as `carrier registry init` does, TLS
# is on with the generated certificate, and real clients push and pull over verified TLS:
# skopeo (push, inspect, pull back byte-identical) and podman (pull).
#
# podman: `podman pull` as root from Carrier's loopback registry works on these machines
# (podman 4.3.1 from Debian bookworm, installed by scripts/setup). The test gives podman its
# own storage (--root/--runroot under the test folder, the vfs driver so that nothing is
# mounted) and the generated certificate as a CA through --cert-dir. Where podman is not
# installed the podman steps are skipped and the test says so.
#
# Usage: serve_embedded.sh <carrier binary>
source "$(dirname "$0")/lib.sh"
carrier=$1

build_busybox_layout "$WORK/layout"
digest=$(manifest_digest "$WORK/layout" latest)

# start_serve <data-dir> [serve flags...]: `carrier serve` with the API server and the
# registry on ephemeral loopback ports; sets REGISTRY from the address the banner reports.
start_serve() {
  local data=$1
  shift
  mkdir -p "$data"
  "$carrier" serve --data-dir "$data" --port 0 --registry-listen 127.0.0.1:0 "$@" \
    >"$data.log" 2>&1 &
  PIDS+=($!)
  wait_for 60 grep -q '^  registry: ' "$data.log" || fail "carrier serve did not start: $(cat "$data.log")"
  REGISTRY=$(sed -n 's/^  registry: *https:\/\/\(127\.0\.0\.1:[0-9]*\) .*/\1/p' "$data.log")
  [ -n "$REGISTRY" ] || fail "no https registry address in: $(cat "$data.log")"
}

# podman_pull <ref> <podman flags...>: pulls into a private store; prints the image's digest.
podman_pull() {
  local ref=$1
  shift
  local store=(--root "$WORK/podman/root" --runroot "$WORK/podman/run" --storage-driver vfs)
  podman "${store[@]}" pull -q --cert-dir "$WORK/trust" "$@" "$ref" >/dev/null
  podman "${store[@]}" image inspect --format '{{.Digest}}' "$ref"
}

step "carrier serve --registry-listen: default root, generated certificate, TLS"
start_serve "$WORK/data"
root=$WORK/data/registry
for sub in certs auth data conf; do [ -d "$root/$sub" ] || fail "$root/$sub missing"; done
[ -f "$root/conf/config.yaml" ] || fail "no conf/config.yaml"
[ -f "$root/certs/domain.crt" ] || fail "no generated certificate"
grep -q '^  registry: *https://.*no authentication' "$WORK/data.log" || fail "banner: $(cat "$WORK/data.log")"
# skopeo's --cert-dir takes *.crt as CAs (and *.key as client keys, so a folder of its own)
mkdir -p "$WORK/trust" && cp "$root/certs/domain.crt" "$WORK/trust/ca.crt"
code=$(curl -s --cacert "$WORK/trust/ca.crt" -o /dev/null -w '%{http_code}' "https://$REGISTRY/v2/")
[ "$code" = 200 ] || fail "GET /v2/ over verified TLS gave $code"

step "skopeo push, inspect and pull back over verified TLS"
skopeo copy -q --dest-cert-dir "$WORK/trust" oci:"$WORK/layout":latest docker://$REGISTRY/e2e/busybox:latest
got=$(skopeo inspect --raw --cert-dir "$WORK/trust" docker://$REGISTRY/e2e/busybox:latest | sha256_of)
[ "$got" = "$digest" ] || fail "manifest digest changed: $got != $digest"
skopeo copy -q --src-cert-dir "$WORK/trust" docker://$REGISTRY/e2e/busybox:latest oci:"$WORK/back":latest
same_blobs "$WORK/layout" "$WORK/back" latest || fail "blobs differ after the round trip"
if skopeo inspect --raw docker://$REGISTRY/e2e/busybox:latest >/dev/null 2>"$WORK/err"; then
  fail "TLS without the CA succeeded"
fi
grep -qi certificate "$WORK/err" || fail "unexpected error: $(cat "$WORK/err")"

step "the content is in the root's data/ folder"
hex=${digest#sha256:}
[ -f "$root/data/blobs/sha256/${hex:0:2}/$hex" ] || fail "manifest blob not under $root/data/blobs"
[ -f "$root/data/repositories/e2e/busybox/_manifests/tags/latest" ] || fail "tag not under $root/data"

if command -v podman >/dev/null; then
  step "podman pull over verified TLS"
  got=$(podman_pull "$REGISTRY/e2e/busybox:latest") || fail "podman pull failed"
  [ "$got" = "$digest" ] || fail "podman pulled $got, expected $digest"
else
  step "SKIPPED podman pull: podman is not installed (scripts/setup installs it)"
fi

step "--registry-root with htpasswd (made by carrier registry init): credentials required"
"$carrier" registry init --root "$WORK/secure" --user pusher --password 'push secret' >/dev/null
start_serve "$WORK/data2" --registry-root "$WORK/secure"
grep -q '^  registry: *https://.*authentication on' "$WORK/data2.log" || fail "banner: $(cat "$WORK/data2.log")"
[ ! -e "$WORK/data2/registry" ] || fail "the default root was created although --registry-root was given"
cp "$WORK/secure/certs/domain.crt" "$WORK/trust/ca.crt"
if skopeo copy -q --dest-cert-dir "$WORK/trust" oci:"$WORK/layout":latest \
  docker://$REGISTRY/e2e/secure:v1 2>"$WORK/err"; then
  fail "anonymous push succeeded"
fi
grep -qiE "unauthorized|authentication required|401" "$WORK/err" || fail "unexpected error: $(cat "$WORK/err")"
skopeo copy -q --dest-cert-dir "$WORK/trust" --dest-creds 'pusher:push secret' \
  oci:"$WORK/layout":latest docker://$REGISTRY/e2e/secure:v1
got=$(skopeo inspect --raw --cert-dir "$WORK/trust" --creds 'pusher:push secret' \
  docker://$REGISTRY/e2e/secure:v1 | sha256_of)
[ "$got" = "$digest" ] || fail "authenticated inspect gave $got"
if command -v podman >/dev/null; then
  step "podman pull with credentials"
  got=$(podman_pull "$REGISTRY/e2e/secure:v1" --creds 'pusher:push secret') || fail "podman pull failed"
  [ "$got" = "$digest" ] || fail "podman pulled $got, expected $digest"
fi
echo PASS
