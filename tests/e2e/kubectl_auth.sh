#!/usr/bin/env bash
# Authentication with kubectl: service-account tokens from `kubectl create token` used with
# --token, `kubectl auth whoami` (1.28+), impersonation with --as/--as-group, TokenReview,
# bootstrap tokens, and refused tokens (alg none, wrong audience, deleted account, bad
# impersonation headers).
# Usage: kubectl_auth.sh <carrier binary> <kubectl binary>
source "$(dirname "$0")/lib.sh"
CARRIER=$1
KUBECTL=$2
[ -x "$KUBECTL" ] || { echo "kubectl not found at $KUBECTL" >&2; exit 1; }
k() { "$KUBECTL" --cache-dir "$E2E_TMP/kube-cache" "$@"; }

start_carrier "$CARRIER"
SERVER=$(grep 'server:' "$KUBECONFIG" | awk '{print $2}')
CA="$CARRIER_DATA/pki/ca.crt"
MINOR=$(k version --client -o json | python3 -c 'import json,sys; print(json.load(sys.stdin)["clientVersion"]["minor"].rstrip("+"))')
# kubectl with nothing but the server, its CA and a bearer token.
kt() { k --kubeconfig /dev/null --server "$SERVER" --certificate-authority "$CA" --token "$1" "${@:2}"; }

# Objects are created from manifests: kubectl's typed `create serviceaccount` and `create
# secret` send protobuf, which the REST layer does not read yet.
sa() { printf 'apiVersion: v1\nkind: ServiceAccount\nmetadata: {name: %s}\n' "$1" | k create -f - >/dev/null; }
# The default service account (no controller creates it yet).
k get serviceaccount default >/dev/null 2>&1 || sa default
TOKEN=$(k create token default)
expect_eq "create token prints a JWT" 3 "$(printf '%s' "$TOKEN" | awk -F. '{print NF}')"
# The account may do nothing yet: a 403 naming it proves the token authenticated (a bad
# token is a 401); bound to view, the same token lists.
expect_contains "--token authenticates as the service account" \
  'User "system:serviceaccount:default:default" cannot list resource "namespaces"' \
  "$(kt "$TOKEN" get ns 2>&1)"
k create clusterrolebinding default-sa-view --clusterrole=view --serviceaccount=default:default >/dev/null
expect_contains "bound to view, the token lists namespaces" "kube-system" \
  "$(kt "$TOKEN" get ns -o name 2>&1)"
expect_contains "a garbage token is refused" "Unauthorized" "$(kt "abc.def.ghi" get ns 2>&1)"

# TokenReview (as the admin).
review() {
  printf '{"apiVersion":"authentication.k8s.io/v1","kind":"TokenReview","spec":{"token":"%s"%s}}' "$1" "${2:-}" |
    k create -f - -o jsonpath='{.status.authenticated} {.status.user.username} {.status.user.groups}'
}
expect_eq "TokenReview of the token" \
  'true system:serviceaccount:default:default ["system:serviceaccounts","system:serviceaccounts:default","system:authenticated"]' \
  "$(review "$TOKEN")"
expect_eq "TokenReview of garbage" "false  " "$(review garbage)"

# Audiences and lifetimes.
VAULT=$(k create token default --audience vault --duration 20m)
expect_contains "a token for another audience does not log in" "Unauthorized" \
  "$(kt "$VAULT" get ns 2>&1)"
expect_eq "TokenReview with its audience" "true system:serviceaccount:default:default" \
  "$(review "$VAULT" ',"audiences":["vault"]' | cut -d' ' -f1,2)"
expect_contains "a lifetime under 10 minutes is invalid" "10 minutes" \
  "$(k create token default --duration 5m 2>&1)"
expect_contains "no token for a missing account" 'serviceaccounts "nobody" not found' \
  "$(k create token nobody 2>&1)"
TR=$(printf '{"apiVersion":"authentication.k8s.io/v1","kind":"TokenRequest","spec":{"expirationSeconds":7200}}' |
  k create --raw /api/v1/namespaces/default/serviceaccounts/default/token -f -)
expect_contains "TokenRequest answers with the token" '"expirationSeconds":7200' "$TR"

# alg none: a token without a signature is refused.
NONE="$(printf '{"alg":"none"}' | base64 -w0 | tr '+/' '-_' | tr -d '=').$(printf '%s' "$TOKEN" | cut -d. -f2)."
expect_contains "alg none is refused" "Unauthorized" "$(kt "$NONE" get ns 2>&1)"

# A deleted service account's tokens die with it.
sa doomed
DOOMED=$(k create token doomed)
expect_eq "doomed token works before" "true" "$(review "$DOOMED" | cut -d' ' -f1)"
k delete serviceaccount doomed >/dev/null
expect_contains "a deleted account's token is refused" "Unauthorized" "$(kt "$DOOMED" get ns 2>&1)"

# Bootstrap tokens.
k create -f - >/dev/null <<'YAML'
apiVersion: v1
kind: Secret
metadata: {name: bootstrap-token-abcdef, namespace: kube-system}
type: bootstrap.kubernetes.io/token
stringData:
  token-id: abcdef
  token-secret: 0123456789abcdef
  usage-bootstrap-authentication: "true"
  auth-extra-groups: system:bootstrappers:worker
YAML
expect_eq "TokenReview of a bootstrap token" \
  'true system:bootstrap:abcdef ["system:bootstrappers","system:bootstrappers:worker","system:authenticated"]' \
  "$(review abcdef.0123456789abcdef)"
expect_contains "a wrong bootstrap secret is refused" "Unauthorized" \
  "$(kt abcdef.0123456789abcdee get ns 2>&1)"

# kubectl auth whoami (1.28+; SelfSubjectReview v1 — 1.27 asks for v1beta1).
if [ "$MINOR" -ge 27 ]; then
  expect_contains "whoami as the admin" "system:admin" "$(k auth whoami 2>&1)"
  expect_contains "whoami shows the masters group" "system:masters" "$(k auth whoami 2>&1)"
  expect_contains "whoami with a service-account token" "system:serviceaccount:default:default" \
    "$(kt "$TOKEN" auth whoami 2>&1)"
  expect_contains "whoami with a bootstrap token" "system:bootstrap:abcdef" \
    "$(kt abcdef.0123456789abcdef auth whoami 2>&1)"
  expect_contains "whoami impersonating" "jane" "$(k --as jane --as-group devs auth whoami 2>&1)"
  expect_contains "whoami impersonating shows the group" "devs" \
    "$(k --as jane --as-group devs auth whoami 2>&1)"
else
  echo "skip: kubectl auth whoami needs kubectl 1.27+"
fi

# Impersonation as system:masters.
expect_contains "--as a plain user is not a master" 'User "jane" cannot list' \
  "$(k --as jane get ns 2>&1)"
expect_eq "--as with --as-group system:masters" "default hypershift kube-node-lease kube-public kube-system" \
  "$(k --as jane --as-group system:masters get ns -o jsonpath='{.items[*].metadata.name}')"
expect_contains "a service account may not impersonate" "cannot impersonate" \
  "$(kt "$TOKEN" --as jane get ns 2>&1)"

# Malformed impersonation headers are 400.
python3 - "$KUBECONFIG" "$E2E_TMP" <<'PY'
import base64, re, sys
text = open(sys.argv[1]).read()
for field, name in (("client-certificate-data", "admin.crt"), ("client-key-data", "admin.key")):
    open(sys.argv[2] + "/" + name, "wb").write(base64.b64decode(re.search(field + r": (\S+)", text).group(1)))
PY
admin_code() {
  curl -s -o /dev/null -w '%{http_code}' --cacert "$CA" --cert "$E2E_TMP/admin.crt" \
    --key "$E2E_TMP/admin.key" "$@"
}
# A client certificate no cluster issued (self-signed, CN system:admin, O system:masters).
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 \
  -subj '/O=system:masters/CN=system:admin' -keyout "$E2E_TMP/forged.key" \
  -out "$E2E_TMP/forged.crt" >/dev/null 2>&1
expect_eq "a forged client certificate" 401 \
  "$(curl -s -o /dev/null -w '%{http_code}' --cacert "$CA" --cert "$E2E_TMP/forged.crt" \
     --key "$E2E_TMP/forged.key" "$SERVER/api/v1/namespaces")"
expect_eq "Impersonate-Group without a user" 400 \
  "$(admin_code -H 'Impersonate-Group: devs' "$SERVER/api/v1/namespaces")"
expect_eq "a malformed Impersonate-Extra key" 400 \
  "$(admin_code -H 'Impersonate-User: jane' -H 'Impersonate-Extra-%zz: v' "$SERVER/api/v1/namespaces")"
expect_eq "a malformed service-account user" 400 \
  "$(admin_code -H 'Impersonate-User: system:serviceaccount:nonamespace' "$SERVER/api/v1/namespaces")"
expect_eq "a Basic Authorization header" 401 \
  "$(curl -s -o /dev/null -w '%{http_code}' --cacert "$CA" -H 'Authorization: Basic YTpi' "$SERVER/api/v1/namespaces")"
expect_eq "an oversized bearer token" 401 \
  "$(curl -s -o /dev/null -w '%{http_code}' --cacert "$CA" -H "Authorization: Bearer $(head -c 20000 /dev/zero | tr '\0' a)" "$SERVER/api/v1/namespaces")"
expect_eq "oversized headers" 400 \
  "$(curl -s -o /dev/null -w '%{http_code}' --cacert "$CA" -H "X-Big: $(head -c 70000 /dev/zero | tr '\0' a)" "$SERVER/healthz")"
expect_eq "the server still answers" ok "$(curl -s --cacert "$CA" "$SERVER/healthz")"

finish
