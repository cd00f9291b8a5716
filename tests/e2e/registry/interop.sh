#!/usr/bin/env bash
# Interoperability of `carrier registry serve` with real tools: skopeo (from an OCI layout
# and a docker archive, inspect, copies to and from docker-registry), umoci (an image pushed
# and pulled back byte-identical), over plain HTTP and over TLS with htpasswd users.
# Usage: interop.sh <carrier binary> <scenario>
#   scenarios: layouts | distribution | umoci | tls-htpasswd | token | anonymous-read
source "$(dirname "$0")/lib.sh"
carrier=$1
scenario=$2

build_busybox_layout "$WORK/layout"
digest=$(manifest_digest "$WORK/layout" latest)
manifest_file=$WORK/layout/blobs/sha256/${digest#sha256:}

# inspect_raw_digest <skopeo flags...> <docker://ref>: digest of the manifest bytes served.
inspect_raw_digest() { skopeo inspect --raw "$@" | sha256_of; }

case $scenario in
layouts)
  start_carrier "$carrier" "$WORK/carrier" --plain-http
  c=127.0.0.1:$CARRIER_PORT

  step "skopeo copy from an OCI layout"
  skopeo copy -q --dest-tls-verify=false oci:"$WORK/layout":latest docker://$c/e2e/busybox:latest
  [ "$(inspect_raw_digest --tls-verify=false docker://$c/e2e/busybox:latest)" = "$digest" ] ||
    fail "the manifest changed on the way in"
  skopeo inspect --raw --tls-verify=false docker://$c/e2e/busybox:latest | cmp - "$manifest_file" ||
    fail "manifest bytes differ from the layout's"

  step "skopeo inspect"
  skopeo inspect --tls-verify=false docker://$c/e2e/busybox:latest >"$WORK/inspect.json"
  python3 - "$WORK/inspect.json" "$digest" <<'PY' || fail "skopeo inspect output is wrong"
import json, sys
info = json.load(open(sys.argv[1]))
assert info["Digest"] == sys.argv[2], info["Digest"]
assert info["Name"].endswith("/e2e/busybox"), info["Name"]
assert len(info["Layers"]) == 1, info["Layers"]
assert info["Architecture"] and info["Os"] == "linux", info
PY
  skopeo inspect --tls-verify=false --config docker://$c/e2e/busybox:latest | grep -q '"/bin/sh"' ||
    fail "image config not served"

  step "skopeo copy from a docker archive"
  skopeo copy -q oci:"$WORK/layout":latest docker-archive:"$WORK/image.tar":e2e/archive:v1
  skopeo copy -q --dest-tls-verify=false docker-archive:"$WORK/image.tar" docker://$c/e2e/archive:v1
  skopeo inspect --raw --tls-verify=false docker://$c/e2e/archive:v1 >"$WORK/archive-manifest.json"
  grep -q 'application/vnd.docker.distribution.manifest.v2+json' "$WORK/archive-manifest.json" ||
    fail "a docker archive should arrive as a Docker schema 2 manifest"
  skopeo copy -q --src-tls-verify=false docker://$c/e2e/archive:v1 dir:"$WORK/archive-back"
  cmp "$WORK/archive-back/manifest.json" "$WORK/archive-manifest.json" || fail "archive pull differs"

  step "tags and catalog"
  skopeo list-tags --tls-verify=false docker://$c/e2e/busybox | grep -q '"latest"' || fail "tag missing"
  curl -sf "http://$c/v2/_catalog" | grep -q '"e2e/archive"' || fail "catalog misses e2e/archive"
  ;;

distribution)
  start_carrier "$carrier" "$WORK/carrier" --plain-http
  start_distribution "$WORK/distribution"
  c=127.0.0.1:$CARRIER_PORT d=127.0.0.1:$DIST_PORT
  tls=(--src-tls-verify=false --dest-tls-verify=false)

  step "OCI layout → Carrier → docker-registry"
  skopeo copy -q --dest-tls-verify=false oci:"$WORK/layout":latest docker://$c/e2e/one:v1
  skopeo copy -q "${tls[@]}" docker://$c/e2e/one:v1 docker://$d/e2e/one:v1
  [ "$(inspect_raw_digest --tls-verify=false docker://$d/e2e/one:v1)" = "$digest" ] ||
    fail "docker-registry got a different manifest from Carrier"

  step "docker-registry → Carrier (a docker schema 2 image, by digest too)"
  skopeo copy -q oci:"$WORK/layout":latest docker-archive:"$WORK/image.tar":e2e/two:v2
  skopeo copy -q --dest-tls-verify=false docker-archive:"$WORK/image.tar" docker://$d/e2e/two:v2
  d2=$(inspect_raw_digest --tls-verify=false docker://$d/e2e/two:v2)
  skopeo copy -q "${tls[@]}" docker://$d/e2e/two@"$d2" docker://$c/e2e/two:v2
  [ "$(inspect_raw_digest --tls-verify=false docker://$c/e2e/two:v2)" = "$d2" ] ||
    fail "Carrier got a different manifest from docker-registry"
  [ "$(inspect_raw_digest --tls-verify=false docker://$c/e2e/two@"$d2")" = "$d2" ] ||
    fail "Carrier does not serve the manifest by digest"

  step "and back again: the same bytes everywhere"
  skopeo copy -q "${tls[@]}" docker://$c/e2e/two:v2 docker://$d/e2e/three:v3
  [ "$(inspect_raw_digest --tls-verify=false docker://$d/e2e/three:v3)" = "$d2" ] ||
    fail "round trip changed the manifest"
  ;;

umoci)
  start_carrier "$carrier" "$WORK/carrier" --plain-http
  c=127.0.0.1:$CARRIER_PORT

  step "push an image built with umoci, pull it back into a new layout"
  skopeo copy -q --dest-tls-verify=false oci:"$WORK/layout":latest docker://$c/e2e/umoci:latest
  skopeo copy -q --src-tls-verify=false docker://$c/e2e/umoci:latest oci:"$WORK/back":latest
  [ "$(manifest_digest "$WORK/back" latest)" = "$digest" ] || fail "manifest digest changed"
  same_blobs "$WORK/layout" "$WORK/back" latest || fail "blobs differ"

  step "umoci unpacks the pulled image to the same root filesystem"
  umoci unpack --rootless --image "$WORK/layout":latest "$WORK/rootfs-a" >/dev/null
  umoci unpack --rootless --image "$WORK/back":latest "$WORK/rootfs-b" >/dev/null
  diff -r --no-dereference "$WORK/rootfs-a/rootfs" "$WORK/rootfs-b/rootfs" || fail "root filesystems differ"
  ;;

tls-htpasswd | token)
  # Provided certificate (as the documented mirror registry makes it), htpasswd users made
  # with `htpasswd -bB`, rules: everyone reads, only "pusher" writes under e2e/.
  mkdir -p "$WORK/certs"
  openssl req -x509 -newkey rsa:2048 -nodes -sha256 -days 2 -subj /CN=127.0.0.1 \
    -addext subjectAltName=IP:127.0.0.1 -keyout "$WORK/certs/domain.key" \
    -out "$WORK/certs/domain.crt" 2>/dev/null
  # skopeo's --cert-dir takes *.crt as CAs (and *.key as client keys, so a folder of its own)
  mkdir -p "$WORK/trust" && cp "$WORK/certs/domain.crt" "$WORK/trust/ca.crt"
  htpasswd -bBc "$WORK/htpasswd" pusher 'push secret' 2>/dev/null
  htpasswd -bB "$WORK/htpasswd" reader 'read secret' 2>/dev/null
  port=$(free_port)
  token=false
  [ "$scenario" = token ] && token=true
  carrier_config "$carrier" "$WORK/carrier" "
listen: \"127.0.0.1:$port\"
tls: {enabled: true, certificate: $WORK/certs/domain.crt, key: $WORK/certs/domain.key}
storage: {data: data}
auth:
  htpasswd: $WORK/htpasswd
  token: {enabled: $token, realm: \"https://127.0.0.1:$port/token\", service: carrier-e2e, key: certs/token.key}
  rules:
  - {repositories: \"*\", users: [\"*\"], actions: [pull]}
  - {repositories: \"e2e/*\", users: [pusher], actions: [\"*\"]}"
  start_carrier "$carrier" "$WORK/carrier" --listen 127.0.0.1:$port
  c=127.0.0.1:$port
  ca=(--cacert "$WORK/trust/ca.crt")

  step "TLS: the base endpoint asks for credentials with the right challenge"
  code=$(curl -s "${ca[@]}" -o /dev/null -D "$WORK/headers" -w '%{http_code}' "https://$c/v2/")
  [ "$code" = 401 ] || fail "GET /v2/ without credentials gave $code"
  if [ "$token" = true ]; then
    grep -qi "^www-authenticate: Bearer realm=\"https://$c/token\",service=\"carrier-e2e\"" "$WORK/headers" ||
      fail "no Bearer challenge: $(cat "$WORK/headers")"
  else
    grep -qi '^www-authenticate: Basic realm=' "$WORK/headers" || fail "no Basic challenge: $(cat "$WORK/headers")"
  fi
  code=$(curl -s "${ca[@]}" -o /dev/null -w '%{http_code}' -u pusher:wrong "https://$c/v2/")
  [ "$code" = 401 ] || fail "GET /v2/ with a wrong password gave $code"

  step "skopeo without or with wrong credentials is refused"
  if skopeo copy -q --dest-cert-dir "$WORK/trust" oci:"$WORK/layout":latest \
    docker://$c/e2e/secure:v1 2>"$WORK/err"; then
    fail "anonymous push succeeded"
  fi
  grep -qiE "unauthorized|authentication required|401" "$WORK/err" || fail "unexpected error: $(cat "$WORK/err")"
  if skopeo copy -q --dest-cert-dir "$WORK/trust" --dest-creds 'pusher:nope' \
    oci:"$WORK/layout":latest docker://$c/e2e/secure:v1 2>"$WORK/err"; then
    fail "push with a wrong password succeeded"
  fi

  step "skopeo with credentials over verified TLS"
  skopeo copy -q --dest-cert-dir "$WORK/trust" --dest-creds 'pusher:push secret' \
    oci:"$WORK/layout":latest docker://$c/e2e/secure:v1
  [ "$(inspect_raw_digest --cert-dir "$WORK/trust" --creds 'reader:read secret' docker://$c/e2e/secure:v1)" = "$digest" ] ||
    fail "authenticated inspect gave another manifest"
  skopeo copy -q --src-cert-dir "$WORK/trust" --src-creds 'reader:read secret' \
    docker://$c/e2e/secure:v1 oci:"$WORK/back":latest
  same_blobs "$WORK/layout" "$WORK/back" latest || fail "blobs differ after the TLS round trip"

  step "the rules: a reader may not push"
  if skopeo copy -q --dest-cert-dir "$WORK/trust" --dest-creds 'reader:read secret' \
    oci:"$WORK/layout":latest docker://$c/e2e/by-reader:v1 2>"$WORK/err"; then
    fail "reader pushed"
  fi
  grep -qi "denied" "$WORK/err" || fail "unexpected error: $(cat "$WORK/err")"

  step "an untrusted certificate is refused"
  if skopeo inspect --raw --creds 'reader:read secret' docker://$c/e2e/secure:v1 2>"$WORK/err" >/dev/null; then
    fail "TLS without the CA succeeded"
  fi
  grep -qi "certificate" "$WORK/err" || fail "unexpected error: $(cat "$WORK/err")"
  ;;
anonymous-read)
  # anonymous_read with Basic and with token challenges: skopeo without credentials pulls
  # (answering a Basic challenge with empty credentials, or fetching an anonymous token)
  # and may not push.
  htpasswd -bBc "$WORK/htpasswd" pusher 'push secret' 2>/dev/null
  for token in false true; do
    port=$(free_port)
    root=$WORK/carrier-token-$token
    carrier_config "$carrier" "$root" "
listen: \"127.0.0.1:$port\"
tls: {enabled: false}
storage: {data: data}
auth:
  htpasswd: $WORK/htpasswd
  anonymous_read: true
  token: {enabled: $token, realm: \"http://127.0.0.1:$port/token\", service: carrier-e2e, key: certs/token.key}"
    start_carrier "$carrier" "$root" --listen 127.0.0.1:$port
    c=127.0.0.1:$port

    step "token=$token: push with credentials, pull and inspect without"
    skopeo copy -q --dest-tls-verify=false --dest-creds 'pusher:push secret' \
      oci:"$WORK/layout":latest docker://$c/e2e/public:v1
    [ "$(inspect_raw_digest --tls-verify=false docker://$c/e2e/public:v1)" = "$digest" ] ||
      fail "anonymous inspect gave another manifest"
    skopeo copy -q --src-tls-verify=false docker://$c/e2e/public:v1 oci:"$WORK/anon-$token":latest
    same_blobs "$WORK/layout" "$WORK/anon-$token" latest || fail "anonymous pull differs"

    step "token=$token: no anonymous push"
    if skopeo copy -q --dest-tls-verify=false oci:"$WORK/layout":latest \
      docker://$c/e2e/public:v2 2>"$WORK/err"; then
      fail "anonymous push succeeded"
    fi
    grep -qiE "unauthorized|denied" "$WORK/err" || fail "unexpected error: $(cat "$WORK/err")"
    skopeo inspect --raw --tls-verify=false docker://$c/e2e/public:v2 >/dev/null 2>&1 &&
      fail "the anonymous push left a tag behind"
  done
  ;;
*)
  fail "unknown scenario $scenario"
  ;;
esac
echo PASS
