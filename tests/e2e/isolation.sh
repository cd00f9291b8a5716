#!/usr/bin/env bash
# The isolation matrix: a client certificate, a service-account token and a bootstrap token
# of logical cluster A are each refused (401) at logical cluster B and at root, for every
# verb and for discovery, while they authenticate at A; the root admin reaches every cluster.
# Usage: isolation.sh <carrier binary> <kubectl binary>
source "$(dirname "$0")/lib.sh"
CARRIER=$1
KUBECTL=$2
[ -x "$KUBECTL" ] || { echo "kubectl not found at $KUBECTL" >&2; exit 1; }
k() { "$KUBECTL" --cache-dir "$E2E_TMP/kube-cache" "$@"; }

start_carrier "$CARRIER"
SERVER=$(grep 'server:' "$KUBECONFIG" | awk '{print $2}')
CA="$CARRIER_DATA/pki/ca.crt"

# Writes <prefix>.crt and <prefix>.key from a kubeconfig's client credentials.
extract_client() {
  python3 - "$1" "$2" <<'PY'
import base64, re, sys
text = open(sys.argv[1]).read()
for field, ext in (("client-certificate-data", "crt"), ("client-key-data", "key")):
    data = re.search(field + r": (\S+)", text).group(1)
    open(sys.argv[2] + "." + ext, "wb").write(base64.b64decode(data))
PY
}
extract_client "$KUBECONFIG" "$E2E_TMP/root-admin"

for c in a b; do
  echo '{}' | k create --raw "/carrier/v1/clusters/$c" -f - >/dev/null
done
k get --raw /carrier/v1/clusters/a/kubeconfig >"$E2E_TMP/a.kubeconfig"
expect_contains "cluster A's kubeconfig names its server" "server: $SERVER/clusters/a" \
  "$(cat "$E2E_TMP/a.kubeconfig")"
extract_client "$E2E_TMP/a.kubeconfig" "$E2E_TMP/a-admin"
ka() { k --kubeconfig "$E2E_TMP/a.kubeconfig" "$@"; }

# Credentials of A: its admin certificate, a service-account token, a bootstrap token.
expect_eq "A's admin certificate works at A" "default kube-node-lease kube-public kube-system" \
  "$(ka get ns -o jsonpath='{.items[*].metadata.name}')"
# (From manifests: kubectl's typed create commands send protobuf, which the REST layer does
# not read yet.)
printf 'apiVersion: v1\nkind: ServiceAccount\nmetadata: {name: robot, namespace: default}\n' |
  ka create -f - >/dev/null
SA_TOKEN=$(ka create token robot)
[ -n "$SA_TOKEN" ] || fail "kubectl create token printed nothing"
ka create -f - >/dev/null <<'YAML'
apiVersion: v1
kind: Secret
metadata: {name: bootstrap-token-abcdef, namespace: kube-system}
type: bootstrap.kubernetes.io/token
data:
  token-id: YWJjZGVm
  token-secret: MDEyMzQ1Njc4OWFiY2RlZg==
  usage-bootstrap-authentication: dHJ1ZQ==
YAML
BOOT_TOKEN=abcdef.0123456789abcdef

# Who a bearer token is at a cluster, through a SelfSubjectReview (every authenticated user
# may ask).
whoami_at() {
  curl -s --cacert "$CA" -X POST -H "Authorization: Bearer $2" -H 'Content-Type: application/json' \
    --data '{"apiVersion":"authentication.k8s.io/v1","kind":"SelfSubjectReview"}' \
    "$1/apis/authentication.k8s.io/v1/selfsubjectreviews" |
    python3 -c '
import json, sys
status = json.load(sys.stdin).get("status")  # a string in a Status (failure) answer
print(status.get("userInfo", {}).get("username", "") if isinstance(status, dict) else "")'
}
expect_eq "A's service-account token authenticates at A" "system:serviceaccount:default:robot" \
  "$(whoami_at "$SERVER/clusters/a" "$SA_TOKEN")"
expect_eq "A's bootstrap token authenticates at A" "system:bootstrap:abcdef" \
  "$(whoami_at "$SERVER/clusters/a" "$BOOT_TOKEN")"

# code <credential> <method> <url> [body]: the HTTP status of one request.
# credential: cert:<prefix> (client certificate) or token:<bearer token>.
code() {
  local cred=$1 method=$2 url=$3 body=${4:-}
  local auth=()
  case $cred in
    cert:*) auth=(--cert "${cred#cert:}.crt" --key "${cred#cert:}.key") ;;
    token:*) auth=(-H "Authorization: Bearer ${cred#token:}") ;;
  esac
  local type=application/json
  [ "$method" = PATCH ] && type=application/merge-patch+json
  curl -s -o /dev/null -w '%{http_code}' --max-time 10 --cacert "$CA" "${auth[@]}" -X "$method" \
    -H "Content-Type: $type" ${body:+--data "$body"} "$url"
}

CM_BODY='{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"probe"},"data":{"a":"1"}}'
# every_verb <credential> <cluster base URL> <expected code> <what>
every_verb() {
  local cred=$1 base=$2 want=$3 what=$4
  local cms="$base/api/v1/namespaces/default/configmaps"
  expect_eq "$what: create" "$want" "$(code "$cred" POST "$cms" "$CM_BODY")"
  expect_eq "$what: get" "$want" "$(code "$cred" GET "$cms/probe")"
  expect_eq "$what: list" "$want" "$(code "$cred" GET "$cms")"
  expect_eq "$what: watch" "$want" "$(code "$cred" GET "$cms?watch=1&timeoutSeconds=1")"
  expect_eq "$what: update" "$want" "$(code "$cred" PUT "$cms/probe" "$CM_BODY")"
  expect_eq "$what: patch" "$want" "$(code "$cred" PATCH "$cms/probe" '{"data":{"b":"2"}}')"
  expect_eq "$what: delete" "$want" "$(code "$cred" DELETE "$cms/probe")"
  expect_eq "$what: deletecollection" "$want" "$(code "$cred" DELETE "$cms")"
  expect_eq "$what: list namespaces" "$want" "$(code "$cred" GET "$base/api/v1/namespaces")"
  for path in /api /apis /api/v1 /apis/apps/v1 /openapi/v2; do
    expect_eq "$what: discovery $path" "$want" "$(code "$cred" GET "$base$path")"
  done
}

for target in b root; do
  base="$SERVER/clusters/$target"
  [ "$target" = root ] && base="$SERVER"
  every_verb "cert:$E2E_TMP/a-admin" "$base" 401 "A's client certificate at $target"
  every_verb "token:$SA_TOKEN" "$base" 401 "A's service-account token at $target"
  every_verb "token:$BOOT_TOKEN" "$base" 401 "A's bootstrap token at $target"
  expect_eq "A's service-account token is not a user at $target" "" \
    "$(whoami_at "$base" "$SA_TOKEN")"
done
# A TokenReview at B does not accept A's tokens either.
review=$(curl -s --cacert "$CA" --cert "$E2E_TMP/root-admin.crt" --key "$E2E_TMP/root-admin.key" \
  -X POST -H 'Content-Type: application/json' \
  --data "{\"apiVersion\":\"authentication.k8s.io/v1\",\"kind\":\"TokenReview\",\"spec\":{\"token\":\"$SA_TOKEN\"}}" \
  "$SERVER/clusters/b/apis/authentication.k8s.io/v1/tokenreviews")
expect_contains "TokenReview at B refuses A's token" '"authenticated":false' "$review"
expect_contains "kubectl with A's kubeconfig pointed at B" "You must be logged in to the server" \
  "$(ka --server "$SERVER/clusters/b" get ns 2>&1)"

# A's credentials are accepted at A for every verb (admin), and the token and bootstrap
# token are authenticated there (403: not authorized, not 401).
expect_eq "A's admin creates at A" 201 \
  "$(code "cert:$E2E_TMP/a-admin" POST "$SERVER/clusters/a/api/v1/namespaces/default/configmaps" "$CM_BODY")"
expect_eq "A's admin gets at A" 200 \
  "$(code "cert:$E2E_TMP/a-admin" GET "$SERVER/clusters/a/api/v1/namespaces/default/configmaps/probe")"
expect_eq "A's admin discovery at A" 200 "$(code "cert:$E2E_TMP/a-admin" GET "$SERVER/clusters/a/apis")"
expect_eq "A's service-account token at A is authenticated" 403 \
  "$(code "token:$SA_TOKEN" GET "$SERVER/clusters/a/api/v1/namespaces")"
expect_eq "A's bootstrap token at A is authenticated" 403 \
  "$(code "token:$BOOT_TOKEN" GET "$SERVER/clusters/a/api/v1/namespaces")"

# The root admin reaches every cluster, for every verb.
for target in a b; do
  base="$SERVER/clusters/$target"
  cms="$base/api/v1/namespaces/default/configmaps"
  root="cert:$E2E_TMP/root-admin"
  code "$root" DELETE "$cms/probe" >/dev/null
  expect_eq "root admin at $target: create" 201 "$(code "$root" POST "$cms" "$CM_BODY")"
  expect_eq "root admin at $target: get" 200 "$(code "$root" GET "$cms/probe")"
  expect_eq "root admin at $target: list" 200 "$(code "$root" GET "$cms")"
  expect_eq "root admin at $target: watch" 200 "$(code "$root" GET "$cms?watch=1&timeoutSeconds=1")"
  expect_eq "root admin at $target: update" 200 "$(code "$root" PUT "$cms/probe" "$CM_BODY")"
  expect_eq "root admin at $target: patch" 200 "$(code "$root" PATCH "$cms/probe" '{"data":{"b":"2"}}')"
  expect_eq "root admin at $target: delete" 200 "$(code "$root" DELETE "$cms/probe")"
  expect_eq "root admin at $target: deletecollection" 200 "$(code "$root" DELETE "$cms")"
  expect_eq "root admin at $target: discovery" 200 "$(code "$root" GET "$base/apis")"
  expect_eq "root admin with kubectl at $target" "default kube-node-lease kube-public kube-system" \
    "$(k --server "$base" get ns -o jsonpath='{.items[*].metadata.name}')"
done

# A cluster deleted and created again has new credentials: the old ones are worthless.
k delete --raw /carrier/v1/clusters/a >/dev/null
echo '{}' | k create --raw /carrier/v1/clusters/a -f - >/dev/null
expect_eq "the old admin certificate of a recreated cluster" 401 \
  "$(code "cert:$E2E_TMP/a-admin" GET "$SERVER/clusters/a/api/v1/namespaces")"
expect_eq "the old token of a recreated cluster" 401 \
  "$(code "token:$SA_TOKEN" GET "$SERVER/clusters/a/api/v1/namespaces")"

finish
